"""Next to moto's mock_aws: the bridge answers rds/ec2/iam, moto everything else."""

from __future__ import annotations

import moto
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock

from .helpers import client, session


@pytest.mark.parametrize("moto_first", [True, False])
def test_moto_passthrough_leaves_the_emulated_services_to_the_bridge(moto_first: bool) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    acct = Account(seed=0)
    moto_mock = moto.mock_aws(config={"core": {"passthrough": {"services": ["rds", "ec2", "iam"]}}})
    first, second = (moto_mock, mock(acct)) if moto_first else (mock(acct), moto_mock)
    with first, second:
        sess = session()
        rds = client(sess, "rds")  # moto puts FOOBARKEY in the environment: root too
        env_rds = sess.client("rds", region_name="us-east-1")
        rds.create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
        )
        assert [c["DBClusterIdentifier"] for c in env_rds.describe_db_clusters()["DBClusters"]] == [
            "prod"
        ]
        assert not rds_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].clusters
        s3 = client(sess, "s3")
        s3.create_bucket(Bucket="served-by-moto")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["served-by-moto"]
    assert list(acct.rds.clusters) == ["prod"]
