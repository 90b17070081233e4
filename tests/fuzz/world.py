"""One prepared account for the fuzz tests: built once, restored before every example.

The world has a security group open to 203.0.113.0/24, a custom cluster parameter group, a
PostgreSQL 15 cluster ``prod`` with a writer ``prod-1``, a plain LOGIN role ``app`` (password
``app-password``) and an IAM policy to attach. Building it costs milliseconds; restoring a
snapshot costs microseconds, so every hypothesis example starts from the same state.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

from aurora_sec.aws.account import Account
from aurora_sec.aws.snapshots import AccountSnapshot
from aurora_sec.client.client import Client

MASTER_PASSWORD = "correct-horse-battery"
APP_PASSWORD = "app-password"
CLIENT_IP = "203.0.113.10"
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Action": "rds:Describe*", "Resource": "*"}]}'
)


@attrs.frozen
class World:
    acct: Account
    snapshot: AccountSnapshot
    names: dict[str, str]

    def fresh(self) -> Account:
        """The account, put back in the world's initial state."""
        self.acct.restore(self.snapshot)
        return self.acct


def _build() -> tuple[Account, dict[str, str]]:
    acct = Account(account_id="123456789012", region="us-east-1", seed=0)
    ec2, rds, iam = acct.client("ec2"), acct.client("rds"), acct.client("iam")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="custom",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="custom",
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="custom-db",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="custom",
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword=MASTER_PASSWORD,
        DBClusterParameterGroupName="custom",
        VpcSecurityGroupIds=[sg],
    )["DBCluster"]
    instance = rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBParameterGroupName="custom-db",
    )["DBInstance"]
    acct.session("prod").execute(
        f"CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'; CREATE ROLE team; GRANT team TO app"
    )
    # The CA certificates and the instance's TLS identity are issued on first use (each
    # takes a serial from the account's id streams): issue them now, so that the world's
    # snapshot already holds them.
    bundle = acct.ca_bundle_pem()
    client = Client(acct, ip=CLIENT_IP, files={"global-bundle.pem": bundle})
    client.connect(
        f"host={cluster['Endpoint']} user=postgres password={MASTER_PASSWORD} "
        "sslmode=verify-full sslrootcert=global-bundle.pem"
    )
    iam.create_user(UserName="alice")
    policy = iam.create_policy(PolicyName="describe", PolicyDocument=POLICY)["Policy"]
    names = {
        "vpc": vpc,
        "sg": sg,
        "cluster_endpoint": cluster["Endpoint"],
        "reader_endpoint": cluster["ReaderEndpoint"],
        "instance_endpoint": instance["Endpoint"]["Address"],
        "policy_arn": policy["Arn"],
    }
    return acct, names


@functools.cache
def world() -> World:
    acct, names = _build()
    return World(acct, acct.snapshot(), names)


def describe_all(acct: Account) -> dict[str, Any]:
    """Every describe output of the prepared world (a second view of "nothing changed")."""
    rds, ec2 = acct.client("rds"), acct.client("ec2")
    return {
        "clusters": rds.describe_db_clusters()["DBClusters"],
        "instances": rds.describe_db_instances()["DBInstances"],
        "cluster_groups": rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"],
        "groups": rds.describe_db_parameter_groups()["DBParameterGroups"],
        "security_groups": ec2.describe_security_groups()["SecurityGroups"],
    }
