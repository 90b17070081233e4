"""Errors through the bridge: AWS's code, message and HTTP status as botocore's ClientError."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock
from aurora_sec.errors import AwsError

from .helpers import REGION, ROOT, client, session

DEFAULT_GROUP_CHANGE: dict[str, Any] = {
    "DBClusterParameterGroupName": "default.aurora-postgresql15",
    "Parameters": [
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}
    ],
}


def test_modifying_a_default_group_is_invalid_parameter_value() -> None:
    acct = Account(seed=0)
    with pytest.raises(AwsError) as local:
        Account(seed=0).client("rds").modify_db_cluster_parameter_group(**DEFAULT_GROUP_CHANGE)
    with mock(acct):
        rds = client(session(), "rds")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            rds.modify_db_cluster_parameter_group(**DEFAULT_GROUP_CHANGE)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue" == local.value.code
    assert error["Message"] == "Cannot modify a default parameter group." == local.value.message
    assert error["Type"] == "Sender"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.operation_name == "ModifyDBClusterParameterGroup"
    assert str(caught.value) == str(local.value)


def test_ec2_errors_use_the_ec2_dialect() -> None:
    acct = Account(seed=0)
    with mock(acct):
        ec2 = client(session(), "ec2")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"])
    with pytest.raises(AwsError) as local:
        Account(seed=0).client("ec2").describe_security_groups(GroupIds=["sg-0123456789abcdef0"])
    assert caught.value.response["Error"]["Code"] == local.value.code
    assert caught.value.response["Error"]["Message"] == local.value.message
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == local.value.http_status


@pytest.mark.parametrize(
    ("service", "call", "operation"),
    [
        ("rds", lambda c: c.describe_db_proxies(), "DescribeDBProxies"),
        ("ec2", lambda c: c.describe_instances(), "DescribeInstances"),
        ("iam", lambda c: c.list_saml_providers(), "ListSAMLProviders"),
    ],
)
def test_an_operation_not_emulated_fails_loudly(service: str, call: Any, operation: str) -> None:
    with mock(Account(seed=0)):
        c = client(session(), service)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call(c)
    response = caught.value.response
    assert response["Error"]["Code"] == "NotImplemented"
    assert operation in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_a_parameter_not_emulated_fails_loudly() -> None:
    with mock(Account(seed=0)):
        rds = client(session(), "rds")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            rds.create_db_cluster(
                DBClusterIdentifier="prod",
                Engine="aurora-postgresql",
                MasterUsername="postgres",
                MasterUserPassword="correct-horse-battery",
                GlobalClusterIdentifier="global",
            )
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "GlobalClusterIdentifier" in caught.value.response["Error"]["Message"]


def test_param_validation_stays_botocores() -> None:
    acct = Account(seed=0)
    before = acct.ids.state()
    with mock(acct):
        rds = client(session(), "rds")
        with pytest.raises(botocore.exceptions.ParamValidationError) as caught:
            rds.create_db_cluster(DBClusterIdentifier="prod", Port="5432")
    assert 'Missing required parameter in input: "Engine"' in str(caught.value)
    assert acct.ids.state() == before and not acct.rds.clusters


def test_another_region_is_not_emulated() -> None:
    with mock(Account(seed=0)):
        rds = session().client("rds", region_name="eu-west-1", **ROOT)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            rds.describe_db_clusters()
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "region eu-west-1" in caught.value.response["Error"]["Message"]


def test_an_unsigned_request_is_refused() -> None:
    from botocore import UNSIGNED
    from botocore.config import Config

    with mock(Account(seed=0)):
        rds = session().client("rds", region_name=REGION, config=Config(signature_version=UNSIGNED))
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            rds.describe_db_clusters()
    assert caught.value.response["Error"]["Code"] == "MissingAuthenticationToken"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
