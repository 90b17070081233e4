"""Activation: context manager, decorator, nesting, and nothing left behind."""

from __future__ import annotations

import botocore.awsrequest
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import current, mock

from .helpers import client, session


def test_a_client_that_outlives_the_mock_is_no_longer_answered() -> None:
    acct = Account(seed=0)
    with mock(acct) as active:
        assert current() is active and active.active
        rds = client(session(), "rds")
        assert rds.describe_db_clusters()["DBClusters"] == []
    assert current() is None
    request = botocore.awsrequest.AWSRequest(
        method="POST", url="https://rds.us-east-1.amazonaws.com/", data=b"Action=X"
    ).prepare()
    answers = rds.meta.events.emit("before-send.rds.DescribeDBClusters", request=request)
    assert all(answer is None for _, answer in answers)


def test_decorator_and_nesting() -> None:
    outer, inner = Account(seed=0), Account(seed=1)

    @mock(outer)
    def make_group(name: str) -> None:
        client(session(), "rds").create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            DBParameterGroupFamily="aurora-postgresql15",
            Description=name,
        )

    make_group("outer")
    with mock(outer):
        with mock(inner):
            make_group("outer-again")  # the decorator's activation is innermost
            client(session(), "rds").create_db_cluster_parameter_group(
                DBClusterParameterGroupName="inner",
                DBParameterGroupFamily="aurora-postgresql15",
                Description="inner",
            )
        assert current() is not None and current().account is outer  # type: ignore[union-attr]
    assert {"outer", "outer-again"} <= set(outer.rds.cluster_parameter_groups)
    assert "inner" in inner.rds.cluster_parameter_groups
    assert "inner" not in outer.rds.cluster_parameter_groups


def test_stop_twice_is_an_error() -> None:
    active = mock(Account(seed=0)).start()
    active.stop()
    with pytest.raises(RuntimeError):
        active.stop()


def test_an_exception_inside_deactivates() -> None:
    with pytest.raises(ValueError, match="boom"), mock(Account(seed=0)):
        raise ValueError("boom")
    assert current() is None
