"""Every call of a principal's client is authorized first, with AWS's denial on failure."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.errors import AwsError

from .helpers import doc, stmt

ACCT = "123456789012"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
CLUSTER: dict[str, Any] = {
    "DBClusterIdentifier": "prod",
    "Engine": "aurora-postgresql",
    "EngineVersion": "15.4",
    "MasterUsername": "postgres",
    "MasterUserPassword": "correct-horse-battery",
}
SSL = [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}]


@pytest.fixture
def iam(acct: Account) -> IamClient:
    client = acct.client("iam")
    client.create_user(UserName="alice")
    return client


def allow(
    iam: IamClient, *statements: dict[str, Any], user: str = "alice", name: str = "p"
) -> None:
    iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=doc(*statements))


def denied(call: Any, **kwargs: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(**kwargs)
    return info.value


def test_issue_5_messages(acct: Account, rds: RdsClient, iam: IamClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    alice = acct.client("rds", principal=ALICE)
    err = denied(
        alice.modify_db_cluster_parameter_group,
        DBClusterParameterGroupName="secure",
        Parameters=SSL,
    )
    assert (err.code, err.http_status, err.operation_name) == (
        "AccessDenied",
        403,
        "ModifyDBClusterParameterGroup",
    )
    assert err.message == (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        "rds:ModifyDBClusterParameterGroup on resource: "
        "arn:aws:rds:us-east-1:123456789012:cluster-pg:secure because no identity-based policy "
        "allows the rds:ModifyDBClusterParameterGroup action"
    )
    assert err.response["Error"]["Code"] == "AccessDenied"
    allow(
        iam,
        stmt("Allow", "rds:*", "*"),
        stmt("Deny", "rds:Modify*", "arn:aws:rds:*:*:cluster-pg:secure"),
    )
    err = denied(
        alice.modify_db_cluster_parameter_group,
        DBClusterParameterGroupName="secure",
        Parameters=SSL,
    )
    assert err.message == (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        "rds:ModifyDBClusterParameterGroup on resource: "
        "arn:aws:rds:us-east-1:123456789012:cluster-pg:secure with an explicit deny in an "
        "identity-based policy"
    )


def test_permissions_boundary_messages(acct: Account, iam: IamClient) -> None:
    allow(iam, stmt("Allow", "rds:*", "*"))
    boundary = iam.create_policy(
        PolicyName="b",
        PolicyDocument=doc(stmt("Allow", "rds:Describe*", "*"), stmt("Deny", "rds:Delete*", "*")),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    alice = acct.client("rds", principal=ALICE)
    alice.describe_db_clusters()
    err = denied(
        alice.create_db_cluster_parameter_group,
        DBClusterParameterGroupName="x",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    assert err.message.endswith(
        "on resource: arn:aws:rds:us-east-1:123456789012:cluster-pg:x because no permissions "
        "boundary allows the rds:CreateDBClusterParameterGroup action"
    )
    err = denied(alice.delete_db_cluster_parameter_group, DBClusterParameterGroupName="x")
    assert err.message.endswith("with an explicit deny in a permissions boundary")


def test_a_denied_call_changes_nothing(acct: Account, rds: RdsClient, iam: IamClient) -> None:
    rds.create_db_cluster(**CLUSTER)
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    allow(iam, stmt("Allow", "rds:Describe*", "*"))

    def snapshot() -> list[Any]:
        calls = [
            rds.describe_db_clusters(),
            rds.describe_db_cluster_parameter_groups(),
            rds.describe_db_cluster_parameters(DBClusterParameterGroupName="secure", Source="user"),
            rds.describe_db_instances(),
        ]
        for out in calls:
            out.pop("ResponseMetadata")
        return calls

    before = snapshot()
    alice = acct.client("rds", principal=ALICE)
    calls: list[tuple[Any, dict[str, Any]]] = [
        (
            alice.modify_db_cluster_parameter_group,
            {"DBClusterParameterGroupName": "secure", "Parameters": SSL},
        ),
        (alice.modify_db_cluster, {"DBClusterIdentifier": "prod", "DeletionProtection": True}),
        (alice.delete_db_cluster, {"DBClusterIdentifier": "prod", "SkipFinalSnapshot": True}),
        (
            alice.create_db_instance,
            {
                "DBInstanceIdentifier": "i1",
                "DBClusterIdentifier": "prod",
                "DBInstanceClass": "db.r6g.large",
                "Engine": "aurora-postgresql",
            },
        ),
    ]
    for call, kwargs in calls:
        assert denied(call, **kwargs).code == "AccessDenied"
    assert snapshot() == before
    assert len(alice.describe_db_clusters()["DBClusters"]) == 1


def test_create_cluster_is_authorized_on_its_groups(acct: Account, iam: IamClient) -> None:
    # mattclay/aws-terminator#265: denied "on resource: ...:subgrp:<name>" though the cluster
    # itself was allowed
    allow(
        iam,
        stmt(
            "Allow",
            "rds:CreateDBCluster",
            [
                f"arn:aws:rds:us-east-1:{ACCT}:cluster:*",
                f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:*",
            ],
        ),
    )
    alice = acct.client("rds", principal=ALICE)
    err = denied(alice.create_db_cluster, **CLUSTER)
    assert f"on resource: arn:aws:rds:us-east-1:{ACCT}:subgrp:default because" in err.message
    allow(iam, stmt("Allow", "rds:CreateDBCluster", "*"))
    assert alice.create_db_cluster(**CLUSTER)["DBCluster"]["DBClusterIdentifier"] == "prod"


def test_describe_without_identifier_names_a_wildcard(acct: Account) -> None:
    # awslabs/pireporter#8: "...rds:DescribeDBInstances on resource: arn:aws:rds:us-east-1:<acct>:db:*"
    acct.client("iam").create_user(UserName="alice")
    err = denied(acct.client("rds", principal=ALICE).describe_db_instances)
    assert f"on resource: arn:aws:rds:us-east-1:{ACCT}:db:* because" in err.message


def test_request_context_keys(acct: Account, rds: RdsClient, iam: IamClient) -> None:
    allow(
        iam,
        stmt(
            "Allow",
            "rds:CreateDBClusterParameterGroup",
            "*",
            Condition={
                "StringEquals": {"aws:RequestTag/team": "db", "aws:RequestedRegion": "us-east-1"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
            },
        ),
    )
    alice = acct.client("rds", principal=ALICE)
    base = {"DBParameterGroupFamily": "aurora-postgresql15", "Description": "d"}
    alice.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="a", Tags=[{"Key": "team", "Value": "db"}], **base
    )
    for tags in (
        [{"Key": "team", "Value": "web"}],
        [{"Key": "team", "Value": "db"}, {"Key": "owner", "Value": "x"}],
        [],
    ):
        assert denied(
            alice.create_db_cluster_parameter_group,
            DBClusterParameterGroupName="b",
            Tags=tags,
            **base,
        )


def test_engine_and_class_conditions(acct: Account, rds: RdsClient, iam: IamClient) -> None:
    rds.create_db_cluster(**CLUSTER)
    allow(
        iam,
        stmt(
            "Allow",
            "rds:CreateDBInstance",
            "*",
            Condition={
                "StringEquals": {"rds:DatabaseEngine": "aurora-postgresql"},
                "StringLike": {"rds:DatabaseClass": "db.r6g.*"},
            },
        ),
    )
    alice = acct.client("rds", principal=ALICE)
    base = {"DBClusterIdentifier": "prod", "Engine": "aurora-postgresql"}
    alice.create_db_instance(DBInstanceIdentifier="i1", DBInstanceClass="db.r6g.large", **base)
    assert denied(
        alice.create_db_instance, DBInstanceIdentifier="i2", DBInstanceClass="db.r5.large", **base
    )


def test_resource_tag_conditions(acct: Account, rds: RdsClient, iam: IamClient) -> None:
    rds.create_db_cluster(**CLUSTER, Tags=[{"Key": "env", "Value": "dev"}])
    rds.create_db_cluster(
        **{**CLUSTER, "DBClusterIdentifier": "live"}, Tags=[{"Key": "env", "Value": "prod"}]
    )
    allow(
        iam,
        stmt(
            "Allow",
            "rds:RebootDBCluster",
            "*",
            Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}},
        ),
        stmt(
            "Deny",
            "rds:RebootDBCluster",
            "*",
            Condition={"StringEquals": {"rds:cluster-tag/env": "prod"}},
        ),
    )
    alice = acct.client("rds", principal=ALICE)
    alice.reboot_db_cluster(DBClusterIdentifier="prod")
    err = denied(alice.reboot_db_cluster, DBClusterIdentifier="live")
    assert err.message.endswith("with an explicit deny in an identity-based policy")


def test_source_ip_current_time_and_username(acct: Account, iam: IamClient) -> None:
    allow(
        iam,
        stmt(
            "Allow",
            "rds:DescribeDBClusters",
            "*",
            Condition={
                "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                "StringEquals": {"aws:username": "alice", "aws:PrincipalType": "User"},
                "Bool": {"aws:SecureTransport": "true"},
            },
        ),
    )
    inside = acct.client("rds", principal=ALICE, source_ip="203.0.113.9")
    outside = acct.client("rds", principal=ALICE, source_ip="198.51.100.9")
    inside.describe_db_clusters()
    assert denied(outside.describe_db_clusters).code == "AccessDenied"
    assert denied(acct.client("rds", principal=ALICE).describe_db_clusters)  # no SourceIp: no match
    acct.rds.now = _dt.datetime(2031, 1, 1, tzinfo=_dt.UTC)
    assert denied(inside.describe_db_clusters)


def test_groups_roles_and_sessions(acct: Account, iam: IamClient) -> None:
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(
        GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess"
    )
    alice = acct.client("rds", principal=ALICE)
    assert denied(alice.describe_db_clusters)
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    alice.describe_db_clusters()
    assert denied(
        alice.create_db_subnet_group,
        DBSubnetGroupName="s",
        DBSubnetGroupDescription="d",
        SubnetIds=["subnet-1"],
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust)
    session = f"arn:aws:sts::{ACCT}:assumed-role/ops/alice-session"
    err = denied(acct.client("rds", principal=session).describe_db_clusters)
    assert err.message.startswith(
        f"User: {session} is not authorized to perform: rds:DescribeDBClusters"
    )
    iam.put_role_policy(
        RoleName="ops", PolicyName="p", PolicyDocument=doc(stmt("Allow", "rds:*", "*"))
    )
    acct.client("rds", principal=session).describe_db_clusters()
    acct.client("rds", principal=f"arn:aws:iam::{ACCT}:role/ops").describe_db_clusters()


def test_ec2_denials(acct: Account, iam: IamClient) -> None:
    ec2 = acct.client("ec2", principal=ALICE)
    err = denied(ec2.describe_vpcs)
    assert (err.code, err.http_status) == ("UnauthorizedOperation", 403)
    # hashicorp/terraform-provider-aws#34234: Describe* names no resource, no encoded message
    assert err.message == (
        "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice "
        "is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows "
        "the ec2:DescribeVpcs action"
    )
    err = denied(ec2.create_vpc, CidrBlock="10.9.0.0/16")
    assert err.message.startswith(
        "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice "
        "is not authorized to perform: ec2:CreateVpc on resource: "
        "arn:aws:ec2:us-east-1:123456789012:vpc/* because no identity-based policy allows the "
        "ec2:CreateVpc action. Encoded authorization failure message: "
    )
    # DryRun: authorized first, so a denied dry run is UnauthorizedOperation...
    assert (
        denied(ec2.create_vpc, CidrBlock="10.9.0.0/16", DryRun=True).code == "UnauthorizedOperation"
    )
    allow(iam, stmt("Allow", "ec2:*", "*"))
    # ...and an allowed one is DryRunOperation
    assert denied(ec2.create_vpc, CidrBlock="10.9.0.0/16", DryRun=True).code == "DryRunOperation"
    ec2.create_vpc(CidrBlock="10.9.0.0/16")


def test_iam_calls_are_authorized_too(acct: Account, iam: IamClient) -> None:
    alice = acct.client("iam", principal=ALICE)
    err = denied(alice.list_users)
    assert err.message == (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers "
        "on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the "
        "iam:ListUsers action"
    )
    # users may manage their own keys: Resource arn:aws:iam::*:user/${aws:username}
    allow(
        iam,
        stmt(
            "Allow",
            ["iam:CreateAccessKey", "iam:ListAccessKeys"],
            "arn:aws:iam::*:user/${aws:username}",
        ),
    )
    iam.create_user(UserName="bob")
    assert alice.create_access_key(UserName="alice")["AccessKey"]["UserName"] == "alice"
    err = denied(alice.create_access_key, UserName="bob")
    assert "on resource: arn:aws:iam::123456789012:user/bob because" in err.message
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"] == []


def test_root_is_allowed_everything(acct: Account) -> None:
    root = acct.client("rds", principal=f"arn:aws:iam::{ACCT}:root")
    root.describe_db_clusters()
    acct.client("rds").describe_db_clusters()


def test_unknown_principals(acct: Account, iam: IamClient) -> None:
    ghost = acct.client("rds", principal=f"arn:aws:iam::{ACCT}:user/ghost")
    err = denied(ghost.describe_db_clusters)
    assert (err.code, err.message, err.http_status) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    err = denied(acct.client("ec2", principal=f"arn:aws:iam::{ACCT}:user/ghost").describe_vpcs)
    assert (err.code, err.message, err.http_status) == (
        "AuthFailure",
        "AWS was not able to validate the provided access credentials",
        401,
    )
    with pytest.raises(ValueError, match="principal"):
        acct.client("rds", principal="arn:aws:iam::999999999999:user/alice")
    with pytest.raises(ValueError, match="principal"):
        acct.client("rds", principal="alice")


def test_access_key_clients(acct: Account, iam: IamClient) -> None:
    allow(iam, stmt("Allow", ["rds:Describe*", "ec2:Describe*"], "*"))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    kid, secret = key["AccessKeyId"], key["SecretAccessKey"]
    rds = acct.client("rds", access_key_id=kid, secret_access_key=secret)
    rds.describe_db_clusters()
    assert rds.principal == ALICE
    assert secret not in repr(rds) and kid in repr(rds)
    err = denied(rds.create_db_cluster, **CLUSTER)
    assert err.message.startswith(
        f"User: {ALICE} is not authorized to perform: rds:CreateDBCluster"
    )
    err = denied(
        acct.client("rds", access_key_id=kid, secret_access_key="x" * 40).describe_db_clusters
    )
    assert err.code == "SignatureDoesNotMatch"
    assert secret not in str(err) and "x" * 40 not in str(err)
    err = denied(
        acct.client(
            "rds", access_key_id="AKIAIOSFODNN7EXAMPLE", secret_access_key=secret
        ).describe_db_clusters
    )
    assert (err.code, err.operation_name) == ("InvalidClientTokenId", "DescribeDBClusters")
    err = denied(acct.client("ec2", access_key_id=kid, secret_access_key="x" * 40).describe_vpcs)
    assert err.code == "AuthFailure"
    iam.update_access_key(UserName="alice", AccessKeyId=kid, Status="Inactive")
    assert denied(rds.describe_db_clusters).code == "InvalidClientTokenId"
    with pytest.raises(ValueError, match="go together"):
        acct.client("rds", access_key_id=kid)
    with pytest.raises(ValueError, match="not both"):
        acct.client("rds", principal=ALICE, access_key_id=kid, secret_access_key=secret)


def test_sign_in(acct: Account, iam: IamClient) -> None:
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9")
    assert acct.sign_in("alice", "Correct-Horse-9") == ALICE
    for user, password in (("alice", "wrong"), ("bob", "Correct-Horse-9"), ("alice", "")):
        with pytest.raises(AwsError) as info:
            acct.sign_in(user, password)
        assert (
            info.value.message == "Your authentication information is incorrect. Please try again."
        )
        assert (
            "Correct-Horse-9" not in str(info.value) and password not in repr(info.value)
        ) or password == ""
    iam.create_user(UserName="carol")  # no login profile: the same failure
    with pytest.raises(AwsError):
        acct.sign_in("carol", "anything")
    principal = acct.sign_in("alice", "Correct-Horse-9")
    assert (
        denied(acct.client("rds", principal=principal).describe_db_clusters).code == "AccessDenied"
    )
