"""Next to moto's mock_aws, in either order: the bridge answers rds, iam and the ec2 operations
it models; moto answers every other service and ec2 operation, and nothing runs twice."""

from __future__ import annotations

import moto
import pytest
from botocore.exceptions import ClientError

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock

from .helpers import client, session


def _moto_rds_clusters() -> dict[str, object]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    return dict(rds_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].clusters)


@pytest.mark.parametrize("moto_first", [True, False])
def test_both_active_in_either_order(moto_first: bool) -> None:
    acct = Account(seed=0)
    moto_mock = moto.mock_aws()
    first, second = (moto_mock, mock(acct)) if moto_first else (mock(acct), moto_mock)
    with first, second:
        sess = session()
        rds = client(sess, "rds")
        env_rds = sess.client("rds", region_name="us-east-1")  # moto's FOOBARKEY: root too
        rds.create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
        )
        assert [c["DBClusterIdentifier"] for c in env_rds.describe_db_clusters()["DBClusters"]] == [
            "prod"
        ]
        assert _moto_rds_clusters() == {}  # moto did not run the call as well
        # an rds operation the emulator does not model is still the emulator's loud answer
        with pytest.raises(ClientError) as caught:
            rds.describe_db_proxies()
        assert caught.value.response["Error"]["Code"] == "NotImplemented"

        iam = client(sess, "iam")
        iam.create_user(UserName="alice")
        assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice"]
        assert [u.name for u in acct.iam.users.values()] == ["alice"]

        ec2 = client(sess, "ec2")
        group = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
        assert group in {g.group_id for g in acct.ec2.security_groups.values()}
        # an ec2 operation the emulator does not model is moto's
        key = ec2.create_key_pair(KeyName="k")
        assert key["KeyName"] == "k"
        assert [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]] == ["k"]

        s3 = client(sess, "s3")
        s3.create_bucket(Bucket="served-by-moto")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["served-by-moto"]
        sqs = client(sess, "sqs")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        assert sqs.list_queues()["QueueUrls"] == [url]
    assert list(acct.rds.clusters) == ["prod"]


def test_client_outliving_the_bridge_goes_to_moto() -> None:
    acct = Account(seed=0)
    with moto.mock_aws():
        with mock(acct):
            rds = client(session(), "rds")
            rds.create_db_cluster(
                DBClusterIdentifier="ours",
                Engine="aurora-postgresql",
                MasterUsername="postgres",
                MasterUserPassword="correct-horse-battery",
            )
        rds.create_db_cluster(
            DBClusterIdentifier="motos",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
        )
        assert list(_moto_rds_clusters()) == ["motos"]
    assert list(acct.rds.clusters) == ["ours"]


def test_ec2_operation_not_modelled_without_moto_is_not_implemented() -> None:
    with mock(Account(seed=0)):
        ec2 = client(session(), "ec2")
        with pytest.raises(ClientError) as caught:
            ec2.create_key_pair(KeyName="k")
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "CreateKeyPair" in caught.value.response["Error"]["Message"]
