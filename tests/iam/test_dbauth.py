"""IAM database authentication tokens: made as boto3 makes them, checked as Aurora checks them."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import botocore.auth
import botocore.session
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.dbauth import (
    DB_AUTH_FAILURES,
    db_user_arn,
    sign_db_auth_token,
    verify_db_auth_token,
)

from .helpers import doc, stmt

ACCT = "123456789012"
WHEN = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def test_token_is_byte_for_byte_botocores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda *a, **k: WHEN.replace(tzinfo=None)
    )
    client = botocore.session.get_session().create_client(
        "rds",
        region_name="eu-west-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    for user in ("app", "app user@example", "ünï"):
        expected = client.generate_db_auth_token(
            DBHostname="prod.cluster-abc.eu-west-1.rds.amazonaws.com", Port=5432, DBUsername=user
        )
        ours = sign_db_auth_token(
            "prod.cluster-abc.eu-west-1.rds.amazonaws.com",
            5432,
            user,
            "eu-west-1",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            WHEN,
        )
        assert ours == expected


@pytest.fixture
def world(acct: Account) -> dict[str, Any]:
    rds = acct.client("rds")
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        EnableIAMDatabaseAuthentication=True,
    )["DBCluster"]
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    resource = db_user_arn(acct, cluster["DbClusterResourceId"], "app")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="connect",
        PolicyDocument=doc(stmt("Allow", "rds-db:connect", resource)),
    )
    client = acct.client(
        "rds", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )
    return {
        "host": cluster["Endpoint"],
        "cluster": cluster,
        "key": key,
        "client": client,
        "iam": iam,
        "resource": resource,
    }


def test_a_valid_token_logs_in(acct: Account, world: dict[str, Any]) -> None:
    assert world["resource"] == (
        f"arn:aws:rds-db:us-east-1:{ACCT}:dbuser:{world['cluster']['DbClusterResourceId']}/app"
    )
    token = world["client"].generate_db_auth_token(
        DBHostname=world["host"], Port=5432, DBUsername="app"
    )
    assert token.startswith(
        f"{world['host']}:5432/?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    )
    assert world["key"]["SecretAccessKey"] not in token
    result = verify_db_auth_token(acct, token, world["host"], 5432, "app")
    assert result.ok and result.principal == f"arn:aws:iam::{ACCT}:user/alice"


def _reason(
    acct: Account, token: str, host: str, port: int = 5432, user: str = "app"
) -> str | None:
    result = verify_db_auth_token(acct, token, host, port, user)
    assert result.reason is None or result.reason in DB_AUTH_FAILURES
    return result.reason


def test_failures(acct: Account, world: dict[str, Any]) -> None:
    host, client = world["host"], world["client"]
    token = client.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="app")
    assert _reason(acct, "not a token", host) == "malformed"
    assert _reason(acct, token, host, port=5433) == "host"
    assert _reason(acct, token, host.replace("prod.", "other."), 5432) == "host"
    assert _reason(acct, token, host, user="postgres") == "user"
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert _reason(acct, tampered, host) == "signature"
    other_region = client.generate_db_auth_token(
        DBHostname=host, Port=5432, DBUsername="app", Region="eu-west-1"
    )
    assert _reason(acct, other_region, host) == "region"
    # only rds-db:connect on this db user is granted
    postgres = client.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="postgres")
    assert _reason(acct, postgres, host, user="postgres") == "denied"
    # 15 minutes on the account's clock
    acct.rds.now = acct.rds.now + _dt.timedelta(minutes=15)
    assert _reason(acct, token, host) is None
    acct.rds.now = acct.rds.now + _dt.timedelta(seconds=1)
    assert _reason(acct, token, host) == "expired"
    fresh = client.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="app")
    assert _reason(acct, fresh, host) is None
    world["iam"].update_access_key(
        UserName="alice", AccessKeyId=world["key"]["AccessKeyId"], Status="Inactive"
    )
    assert _reason(acct, fresh, host) == "unknown-key"


def test_iam_auth_must_be_enabled(acct: Account, world: dict[str, Any]) -> None:
    acct.client("rds").modify_db_cluster(
        DBClusterIdentifier="prod", EnableIAMDatabaseAuthentication=False
    )
    token = world["client"].generate_db_auth_token(
        DBHostname=world["host"], Port=5432, DBUsername="app"
    )
    assert _reason(acct, token, world["host"]) == "iam-disabled"
