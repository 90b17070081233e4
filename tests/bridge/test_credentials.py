"""The signing key picks the principal: IAM users' keys are enforced, unknown keys refused."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock
from aurora_sec.errors import AwsError

from .helpers import client, session


def _alice(acct: Account) -> dict[str, str]:
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def _code(call: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_an_iam_users_key_is_authorized_like_the_in_process_client() -> None:
    acct = Account(seed=0)
    creds = _alice(acct)
    local = acct.client(
        "rds",
        access_key_id=creds["aws_access_key_id"],
        secret_access_key=creds["aws_secret_access_key"],
    )
    with pytest.raises(AwsError) as expected:
        local.describe_db_clusters()
    with mock(acct):
        rds = client(session(), "rds", **creds)
        code, message, status = _code(rds.describe_db_clusters)
        assert (code, message, status) == (
            "AccessDenied",
            expected.value.message,
            expected.value.http_status,
        )
        assert "user/alice is not authorized to perform: rds:DescribeDBClusters" in message
        acct.client("iam").put_user_policy(
            UserName="alice",
            PolicyName="read",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"}],
                }
            ),
        )
        assert rds.describe_db_clusters()["DBClusters"] == []
        # and the user may not create what it may only describe
        code, _, status = _code(
            lambda: rds.create_db_cluster_parameter_group(
                DBClusterParameterGroupName="g",
                DBParameterGroupFamily="aurora-postgresql15",
                Description="g",
            )
        )
        assert (code, status) == ("AccessDenied", 403)
    assert not acct.rds.cluster_parameter_groups or "g" not in acct.rds.cluster_parameter_groups


def test_unknown_keys_and_wrong_secrets_get_awss_errors() -> None:
    acct = Account(seed=0)
    creds = _alice(acct)
    wrong = dict(creds, aws_secret_access_key="not-the-secret")
    stranger = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x"}
    sess = session()
    with mock(acct):
        assert _code(client(sess, "rds", **stranger).describe_db_clusters)[::2] == (
            "InvalidClientTokenId",
            403,
        )
        assert _code(client(sess, "rds", **wrong).describe_db_clusters)[::2] == (
            "SignatureDoesNotMatch",
            403,
        )
        assert _code(client(sess, "ec2", **stranger).describe_vpcs)[::2] == ("AuthFailure", 401)
        assert _code(client(sess, "iam", **wrong).list_users)[::2] == (
            "SignatureDoesNotMatch",
            403,
        )


def test_root_keys_are_configurable() -> None:
    acct = Account(seed=0)
    with mock(acct, root_keys={"AKIAROOT": "root-secret"}):
        sess = session()
        assert _code(client(sess, "rds").describe_db_clusters)[0] == "InvalidClientTokenId"
        root = client(
            sess, "rds", aws_access_key_id="AKIAROOT", aws_secret_access_key="root-secret"
        )
        assert root.describe_db_clusters()["DBClusters"] == []
