"""A token from real boto3's generate_db_auth_token is accepted by the emulated database."""

from __future__ import annotations

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock
from aurora_sec.aws.iam.dbauth import verify_db_auth_token

from .helpers import client, connect_policy, session


def test_boto3_token_is_accepted_at_the_account_clock() -> None:
    acct = Account(seed=0)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    creds = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    with mock(acct):
        sess = session()
        cluster = client(sess, "rds").create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
            EnableIAMDatabaseAuthentication=True,
        )["DBCluster"]
        iam.put_user_policy(
            UserName="alice",
            PolicyName="connect",
            PolicyDocument=connect_policy(acct, cluster["DbClusterResourceId"], "app"),
        )
        token = client(sess, "rds", **creds).generate_db_auth_token(
            DBHostname=cluster["Endpoint"], Port=5432, DBUsername="app"
        )
    assert f"X-Amz-Date={acct.clock():%Y%m%dT%H%M%SZ}" in token
    result = verify_db_auth_token(acct, token, cluster["Endpoint"], 5432, "app")
    assert result.ok, result.reason
    assert result.principal == f"arn:aws:iam::{acct.account_id}:user/alice"
    assert verify_db_auth_token(acct, token, cluster["Endpoint"], 5432, "postgres").reason == "user"


def test_without_the_account_clock_boto3_signs_at_real_time() -> None:
    acct = Account(seed=0)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with mock(acct, sign_at_account_clock=False):
        token = client(
            session(),
            "rds",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        ).generate_db_auth_token(DBHostname="h", Port=5432, DBUsername="app")
    assert f"X-Amz-Date={acct.clock():%Y%m%d}" not in token
