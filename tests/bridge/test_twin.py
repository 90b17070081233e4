"""boto3 through the bridge answers exactly what the in-process client answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock

from .helpers import client, same, session, strip


def _story(ec2: Any, rds: Any, record: Callable[[str, dict[str, Any]], None]) -> None:
    vpc = ec2.describe_vpcs()
    record("describe_vpcs", vpc)
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc["Vpcs"][0]["VpcId"])
    record("create_security_group", sg)
    record(
        "authorize_security_group_ingress",
        ec2.authorize_security_group_ingress(
            GroupId=sg["GroupId"],
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "office"}],
                }
            ],
        ),
    )
    record("describe_security_groups", ec2.describe_security_groups(GroupIds=[sg["GroupId"]]))
    record(
        "create_db_cluster_parameter_group",
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="secure",
            DBParameterGroupFamily="aurora-postgresql15",
            Description="force SSL",
        ),
    )
    record(
        "modify_db_cluster_parameter_group",
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName="secure",
            Parameters=[
                {
                    "ParameterName": "rds.restrict_password_commands",
                    "ParameterValue": "1",
                    "ApplyMethod": "pending-reboot",
                }
            ],
        ),
    )
    record(
        "create_db_cluster",
        rds.create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            EngineVersion="15.4",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
            DBClusterParameterGroupName="secure",
            VpcSecurityGroupIds=[sg["GroupId"]],
            EnableIAMDatabaseAuthentication=True,
            Port=5432,
        ),
    )
    record(
        "create_db_instance",
        rds.create_db_instance(
            DBInstanceIdentifier="prod-1",
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        ),
    )
    record("describe_db_clusters", rds.describe_db_clusters())
    record("describe_db_instances", rds.describe_db_instances(DBInstanceIdentifier="prod-1"))
    record(
        "describe_db_cluster_parameters",
        rds.describe_db_cluster_parameters(DBClusterParameterGroupName="secure", Source="user"),
    )


def test_the_readme_story_equals_the_in_process_twin() -> None:
    wire: list[tuple[str, dict[str, Any]]] = []
    local: list[tuple[str, dict[str, Any]]] = []
    acct, twin = Account(seed=0), Account(seed=0)
    sess = session()
    with mock(acct):
        _story(
            client(sess, "ec2"),
            client(sess, "rds"),
            lambda name, response: wire.append((name, response)),
        )
    _story(
        twin.client("ec2"),
        twin.client("rds"),
        lambda name, response: local.append((name, response)),
    )
    assert [name for name, _ in wire] == [name for name, _ in local]
    for (name, w), (_, loc) in zip(wire, local, strict=True):
        assert w["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert w["ResponseMetadata"]["RequestId"] == loc["ResponseMetadata"]["RequestId"]
        same(strip(w), strip(loc), name)
    assert acct.engine_config("prod-1")["rds.restrict_password_commands"] == "1"


_DOC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"}],
    }
)
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _iam_story(iam: Any) -> list[dict[str, Any]]:
    out = [
        iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "db"}]),
        iam.put_user_policy(UserName="alice", PolicyName="read", PolicyDocument=_DOC),
        iam.get_user_policy(UserName="alice", PolicyName="read"),
        iam.create_policy(PolicyName="read", PolicyDocument=_DOC),
    ]
    arn = out[-1]["Policy"]["Arn"]
    out += [
        iam.get_policy_version(PolicyArn=arn, VersionId="v1"),
        iam.attach_user_policy(UserName="alice", PolicyArn=arn),
        iam.list_attached_user_policies(UserName="alice"),
        iam.create_role(RoleName="monitoring", AssumeRolePolicyDocument=_TRUST),
        iam.get_role(RoleName="monitoring"),
        iam.list_users(),
    ]
    return out


def test_iam_through_boto3_equals_the_in_process_twin() -> None:
    acct, twin = Account(seed=0), Account(seed=0)
    with mock(acct):
        wire = _iam_story(client(session(), "iam"))
    local = _iam_story(twin.client("iam"))
    for i, (w, loc) in enumerate(zip(wire, local, strict=True)):
        same(strip(w), strip(loc), f"call {i}")
    assert isinstance(wire[2]["PolicyDocument"], dict)
