"""Fuzz the control plane: JSON-like keyword arguments to RDS, EC2 and IAM operations.

Arguments are built three ways: from the operation's botocore input shape (so they pass
validation and reach the handler), shaped with JSON noise in some members, and pure JSON.
A call answers a response, a :class:`ParamValidationError`, an :class:`AwsError`, or
:class:`UnsupportedByEmulator` for a real parameter the emulator does not model. A call that
raises leaves the account's snapshot (and every describe output) as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.aws._generated import ec2_shapes, iam_shapes, rds_shapes
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.errors import AwsError, ParamValidationError
from tests.fuzz.strategies import fuzz_settings, kwargs_for, wide_text
from tests.fuzz.world import describe_all, world

DOCUMENTED = (AwsError, ParamValidationError, UnsupportedByEmulator)

_SHAPES = {"rds": rds_shapes, "ec2": ec2_shapes, "iam": iam_shapes}
#: Every operation each client serves; the ones the brief names get more examples.
OPERATIONS = [
    (service, operation)
    for service, client in (("rds", RdsClient), ("ec2", Ec2Client), ("iam", IamClient))
    for operation in client.operation_names()
]
FOCUS = {
    "CreateDBCluster",
    "ModifyDBCluster",
    "CreateDBInstance",
    "ModifyDBClusterParameterGroup",
    "ModifyDBParameterGroup",
    "DescribeDBClusters",
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupIngress",
    "CreatePolicy",
    "CreatePolicyVersion",
    "SimulateCustomPolicy",
}


def _method(client: Any, operation: str) -> Any:
    """The client method that serves ``operation`` (``CreateDBCluster`` -> create_db_cluster)."""
    for name in dir(type(client)):
        method = getattr(client, name)
        if getattr(method, "operation_name", None) == operation:
            return method
    raise AssertionError(f"no method for {operation}")


def call(service: str, operation: str, kwargs: dict[str, Any]) -> None:
    """Call ``operation`` on a fresh world; only documented errors, and nothing changed by one."""
    acct = world().fresh()
    client: Any = acct.client(service)  # type: ignore[call-overload]
    method = _method(client, operation)
    views = describe_all(acct)
    before = acct.snapshot()
    try:
        method(**kwargs)
    except DOCUMENTED:
        assert acct.snapshot() == before, kwargs
        assert describe_all(acct) == views, kwargs


def _names() -> list[str]:
    return list(world().names.values())


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
def test_operation_raises_only_documented_errors(service: str, operation: str) -> None:
    @fuzz_settings(60 if operation in FOCUS else 15)
    @given(kwargs=kwargs_for(_SHAPES[service], operation, _names()))
    def fuzz(kwargs: dict[str, Any]) -> None:
        call(service, operation, kwargs)

    fuzz()


@fuzz_settings(100)
@given(
    kwargs=st.dictionaries(
        st.sampled_from(["IpPermissions", "GroupId", "GroupName", "DryRun"]),
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), wide_text(max_size=8)),
            lambda c: st.one_of(
                st.lists(c, max_size=3),
                st.dictionaries(
                    st.sampled_from(
                        [
                            "IpProtocol",
                            "FromPort",
                            "ToPort",
                            "IpRanges",
                            "CidrIp",
                            "Ipv6Ranges",
                            "CidrIpv6",
                            "UserIdGroupPairs",
                            "GroupId",
                        ]
                    ),
                    c,
                    max_size=4,
                ),
            ),
            max_leaves=10,
        ),
        max_size=3,
    )
)
def test_authorize_ingress_with_permission_shaped_noise(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("GroupId", world().names["sg"])
    call("ec2", "AuthorizeSecurityGroupIngress", kwargs)
