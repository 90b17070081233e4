"""STS GetCallerIdentity through the mock and over a real socket, with real boto3 clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock
from aurora_sec.aws.bridge.http import HttpServer, serve

from .helpers import REGION, ROOT, client, session

INVALID = (
    "InvalidClientTokenId",
    "The security token included in the request is invalid.",
    403,
)


def _alice(acct: Account, *, deny_all: bool = False) -> dict[str, str]:
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    if deny_all:
        iam.put_user_policy(
            UserName="alice",
            PolicyName="deny-all",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
                }
            ),
        )
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def _error(call: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _identity(answer: dict[str, Any]) -> tuple[str, str, str]:
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    return answer["UserId"], answer["Account"], answer["Arn"]


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with serve(Account(seed=0), "127.0.0.1", 0) as running:
        yield running


def _over_http(server: HttpServer, service: str, **creds: str) -> Any:
    return boto3.Session(region_name=REGION).client(
        service, endpoint_url=server.url, region_name=REGION, **(creds or ROOT)
    )


def test_root_key_is_the_account_root() -> None:
    acct = Account(seed=0)
    with mock(acct):
        sts = client(session(), "sts")
        got = _identity(sts.get_caller_identity())
    assert got == (acct.account_id, acct.account_id, f"arn:aws:iam::{acct.account_id}:root")


def test_a_users_key_is_that_user_even_when_every_action_is_denied() -> None:
    # AWS: no permission is needed for GetCallerIdentity, and an explicit deny does not stop it
    acct = Account(seed=0)
    creds = _alice(acct, deny_all=True)
    user = acct.client("iam").get_user(UserName="alice")["User"]
    with mock(acct):
        sess = session()
        got = _identity(client(sess, "sts", **creds).get_caller_identity())
        denied = _error(client(sess, "iam", **creds).list_users)
    assert got == (user["UserId"], acct.account_id, f"arn:aws:iam::{acct.account_id}:user/alice")
    assert user["UserId"].startswith("AIDA")
    assert denied[0] == "AccessDenied"


def test_unknown_key_and_wrong_secret() -> None:
    acct = Account(seed=0)
    creds = _alice(acct)
    with mock(acct):
        sess = session()
        unknown = client(sess, "sts", aws_access_key_id="AKIANOBODY", aws_secret_access_key="x")
        wrong = client(
            sess, "sts", aws_access_key_id=creds["aws_access_key_id"], aws_secret_access_key="x"
        )
        assert _error(unknown.get_caller_identity) == INVALID
        assert _error(wrong.get_caller_identity)[0] == "SignatureDoesNotMatch"


def test_other_sts_operations_are_not_implemented() -> None:
    with mock(Account(seed=0)):
        sts = client(session(), "sts")
        code, message, status = _error(
            lambda: sts.assume_role(
                RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="session"
            )
        )
    assert (code, status) == ("NotImplemented", 501)
    assert "AssumeRole" in message


def test_over_http(server: HttpServer) -> None:
    acct = server.account
    creds = _alice(acct)
    user = acct.client("iam").get_user(UserName="alice")["User"]
    root = _identity(_over_http(server, "sts").get_caller_identity())
    alice = _identity(_over_http(server, "sts", **creds).get_caller_identity())
    assert root == (acct.account_id, acct.account_id, f"arn:aws:iam::{acct.account_id}:root")
    assert alice == (user["UserId"], acct.account_id, user["Arn"])
    unknown = _over_http(server, "sts", aws_access_key_id="AKIANOBODY", aws_secret_access_key="x")
    assert _error(unknown.get_caller_identity) == INVALID
