"""Clusters: identifiers, master user rules, VPC and security groups, endpoints, deletion."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.errors import AwsError

BASE: dict[str, Any] = {
    "Engine": "aurora-postgresql",
    "EngineVersion": "15.4",
    "MasterUsername": "postgres",
    "MasterUserPassword": "correct-horse-battery",
}


def make_vpc(
    ec2: Ec2Client, cidr: str = "10.1.0.0/16", tenancy: str = "default"
) -> tuple[str, list[str]]:
    vpc = ec2.create_vpc(CidrBlock=cidr, InstanceTenancy=tenancy)["Vpc"]["VpcId"]
    prefix = cidr.split(".")[:2]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"{prefix[0]}.{prefix[1]}.{i}.0/24",
            AvailabilityZone=f"us-east-1{az}",
        )["Subnet"]["SubnetId"]
        for i, az in enumerate("abc")
    ]
    return vpc, subnets


def test_create_cluster_defaults(acct: Account, rds: RdsClient, ec2: Ec2Client) -> None:
    cluster = rds.create_db_cluster(DBClusterIdentifier="Prod", **BASE)["DBCluster"]
    assert cluster["DBClusterIdentifier"] == "prod"
    assert cluster["Status"] == "creating"
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"] == "15.4"
    assert cluster["Port"] == 5432
    assert cluster["DBClusterParameterGroup"] == "default.aurora-postgresql15"
    assert cluster["DBSubnetGroup"] == "default"
    assert cluster["MasterUsername"] == "postgres"
    assert "MasterUserPassword" not in cluster
    assert re.fullmatch(r"cluster-[A-Z0-9]{26}", cluster["DbClusterResourceId"])
    h = acct.ids.endpoint_hash()
    assert re.fullmatch(r"[a-z0-9]{12}", h)
    assert cluster["Endpoint"] == f"prod.cluster-{h}.us-east-1.rds.amazonaws.com"
    assert cluster["ReaderEndpoint"] == f"prod.cluster-ro-{h}.us-east-1.rds.amazonaws.com"
    default_vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [default_vpc["VpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]
    assert cluster["VpcSecurityGroups"] == [
        {"VpcSecurityGroupId": default_sg["GroupId"], "Status": "active"}
    ]
    described = rds.describe_db_clusters(DBClusterIdentifier="prod")["DBClusters"][0]
    assert described["Status"] == "available"
    assert described["Endpoint"] == cluster["Endpoint"]


def test_default_engine_version(rds: RdsClient) -> None:
    params = {k: v for k, v in BASE.items() if k != "EngineVersion"}
    cluster = rds.create_db_cluster(DBClusterIdentifier="c", **params)["DBCluster"]
    assert cluster["EngineVersion"] == "16.4"


def test_security_groups_round_trip(rds: RdsClient, ec2: Ec2Client) -> None:
    vpc, subnets = make_vpc(ec2)
    rds.create_db_subnet_group(
        DBSubnetGroupName="sub", DBSubnetGroupDescription="d", SubnetIds=subnets
    )
    sg1 = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
    sg2 = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
    created = rds.create_db_cluster(
        DBClusterIdentifier="c", DBSubnetGroupName="sub", VpcSecurityGroupIds=[sg1, sg2], **BASE
    )["DBCluster"]
    expected = [{"VpcSecurityGroupId": g, "Status": "active"} for g in (sg1, sg2)]
    assert created["VpcSecurityGroups"] == expected
    assert rds.describe_db_clusters()["DBClusters"][0]["VpcSecurityGroups"] == expected
    modified = rds.modify_db_cluster(DBClusterIdentifier="c", VpcSecurityGroupIds=[sg2])[
        "DBCluster"
    ]
    assert modified["VpcSecurityGroups"] == expected[1:]
    rds.create_db_instance(
        DBInstanceIdentifier="i1",
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    instance = rds.describe_db_instances(DBInstanceIdentifier="i1")["DBInstances"][0]
    assert instance["VpcSecurityGroups"] == expected[1:]
    assert instance["DBSubnetGroup"]["VpcId"] == vpc


def test_security_group_must_exist_and_share_the_vpc(rds: RdsClient, ec2: Ec2Client) -> None:
    vpc, _ = make_vpc(ec2)
    other_sg = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(
            DBClusterIdentifier="c", VpcSecurityGroupIds=["sg-0123456789abcdef0"], **BASE
        )
    assert err.value.code == "InvalidParameterValue"
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", VpcSecurityGroupIds=[other_sg], **BASE)
    assert err.value.code == "InvalidParameterCombination"
    assert err.value.message.startswith(
        "The DB instance and EC2 security group are in different VPCs."
    )
    assert rds.describe_db_clusters()["DBClusters"] == []


def test_security_group_in_use_cannot_be_deleted(rds: RdsClient, ec2: Ec2Client) -> None:
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    rds.create_db_cluster(DBClusterIdentifier="c", VpcSecurityGroupIds=[sg], **BASE)
    with pytest.raises(AwsError) as err:
        ec2.delete_security_group(GroupId=sg)
    assert err.value.code == "DependencyViolation"
    rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)
    ec2.delete_security_group(GroupId=sg)


@pytest.mark.parametrize(
    ("identifier", "ok"),
    [
        ("a", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("1a", False),
        ("a--b", False),
        ("a-", False),
        ("a_b", False),
        ("a-b-c", True),
    ],
)
def test_cluster_identifier_rules(rds: RdsClient, identifier: str, ok: bool) -> None:
    if ok:
        rds.create_db_cluster(DBClusterIdentifier=identifier, **BASE)
        return
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier=identifier, **BASE)
    assert err.value.message == (
        "The parameter DBClusterIdentifier is not a valid identifier. Identifiers must either be an "
        "ARN or begin with a letter; must contain only ASCII letters, digits, and hyphens; and must "
        "not end with a hyphen or contain two consecutive hyphens."
    )


@pytest.mark.parametrize("username", ["admin", "rdsadmin", "RDSADMIN"])
def test_reserved_master_usernames(rds: RdsClient, username: str) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "MasterUsername": username})
    assert (
        err.value.message
        == f"MasterUsername {username} cannot be used as it is a reserved word used by the engine"
    )


@pytest.mark.parametrize("username", ["1abc", "a_b", "a-b", "a" * 17, ""])
def test_bad_master_usernames(rds: RdsClient, username: str) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "MasterUsername": username})
    assert err.value.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("tiny7", "shorter than 8"),
        ("x" * 42, "longer than 41"),
        ("has space!", "printable ASCII"),
        ("with/slash", "printable ASCII"),
        ('quote"d12', "printable ASCII"),
        ("at@sign12", "printable ASCII"),
        ("ünïcode12", "printable ASCII"),
    ],
)
def test_bad_master_passwords_never_echo_the_password(
    rds: RdsClient, password: str, fragment: str
) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "MasterUserPassword": password})
    assert fragment in err.value.message
    assert password not in str(err.value)
    assert password not in repr(err.value)


def test_good_passwords(rds: RdsClient) -> None:
    for i, password in enumerate(["12345678", "x" * 41, "a'b!#$%^&*()-_=+[]{};:,.<>?~`|\\"]):
        rds.create_db_cluster(
            DBClusterIdentifier=f"c{i}", **{**BASE, "MasterUserPassword": password}
        )


def test_password_is_not_in_any_repr(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c", **BASE)
    cluster = acct.rds.clusters["c"]
    assert "correct-horse" not in repr(cluster)
    assert "correct-horse" not in repr(acct.rds.master_password("c"))
    assert acct.rds.master_password("c").reveal() == "correct-horse-battery"


def test_unknown_engine_version(rds: RdsClient) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "EngineVersion": "13.4"})
    assert (err.value.code, err.value.message) == (
        "InvalidParameterCombination",
        "Cannot find version 13.4 for aurora-postgresql",
    )


def test_other_engines_fail_loudly(rds: RdsClient) -> None:
    with pytest.raises(UnsupportedByEmulator):
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "Engine": "aurora-mysql"})
    with pytest.raises(AwsError):
        rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "Engine": "bogus"})
    with pytest.raises(UnsupportedByEmulator):
        rds.create_db_cluster(DBClusterIdentifier="c", GlobalClusterIdentifier="g", **BASE)


def test_duplicate_and_not_found(rds: RdsClient) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c", **BASE)
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="C", **BASE)
    assert err.value.code == "DBClusterAlreadyExistsFault"
    with pytest.raises(AwsError) as err:
        rds.describe_db_clusters(DBClusterIdentifier="nope")
    assert (err.value.code, err.value.message, err.value.http_status) == (
        "DBClusterNotFoundFault",
        "DBCluster nope not found.",
        404,
    )
    assert err.value.response["Error"]["Code"] == "DBClusterNotFoundFault"
    arn = rds.describe_db_clusters()["DBClusters"][0]["DBClusterArn"]
    assert (
        rds.describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"][0]["DBClusterIdentifier"]
        == "c"
    )


def test_cluster_parameter_group_must_exist_and_match_family(rds: RdsClient) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", DBClusterParameterGroupName="nope", **BASE)
    assert (err.value.code, err.value.message) == (
        "DBClusterParameterGroupNotFound",
        "DBClusterParameterGroup not found: nope",
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g14",
        DBParameterGroupFamily="aurora-postgresql14",
        Description="d",
    )
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", DBClusterParameterGroupName="g14", **BASE)
    assert err.value.code == "InvalidParameterCombination"
    assert "DBParameterGroupFamily aurora-postgresql15" in err.value.message


def test_subnet_group_rules(rds: RdsClient, ec2: Ec2Client) -> None:
    vpc, subnets = make_vpc(ec2)
    with pytest.raises(AwsError) as err:
        rds.create_db_subnet_group(
            DBSubnetGroupName="one", DBSubnetGroupDescription="d", SubnetIds=subnets[:1]
        )
    assert err.value.code == "DBSubnetGroupDoesNotCoverEnoughAZs"
    group = rds.create_db_subnet_group(
        DBSubnetGroupName="two", DBSubnetGroupDescription="d", SubnetIds=subnets[:2]
    )
    assert group["DBSubnetGroup"]["VpcId"] == vpc
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(DBClusterIdentifier="c", DBSubnetGroupName="missing", **BASE)
    assert err.value.code == "DBSubnetGroupNotFoundFault"
    cluster = rds.create_db_cluster(DBClusterIdentifier="c", DBSubnetGroupName="two", **BASE)[
        "DBCluster"
    ]
    own_default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert cluster["VpcSecurityGroups"][0]["VpcSecurityGroupId"] == own_default
    with pytest.raises(AwsError):
        rds.delete_db_subnet_group(DBSubnetGroupName="two")


def test_delete_rules(rds: RdsClient) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c", DeletionProtection=True, **BASE)
    with pytest.raises(AwsError) as err:
        rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)
    assert err.value.code == "InvalidParameterCombination"
    rds.modify_db_cluster(DBClusterIdentifier="c", DeletionProtection=False)
    rds.create_db_instance(
        DBInstanceIdentifier="i",
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    with pytest.raises(AwsError) as err:
        rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)
    assert (err.value.code, err.value.message) == (
        "InvalidDBClusterStateFault",
        "Cluster cannot be deleted, it still contains DB instances in non-deleting state.",
    )
    rds.delete_db_instance(DBInstanceIdentifier="i")
    with pytest.raises(AwsError):
        rds.delete_db_cluster(DBClusterIdentifier="c")
    deleted = rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)["DBCluster"]
    assert deleted["Status"] == "deleting"
    assert rds.describe_db_clusters()["DBClusters"] == []


def test_rename_moves_endpoints(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster(DBClusterIdentifier="old", **BASE)
    rds.create_db_instance(
        DBInstanceIdentifier="i",
        DBClusterIdentifier="old",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    cluster = rds.modify_db_cluster(DBClusterIdentifier="old", NewDBClusterIdentifier="new")[
        "DBCluster"
    ]
    assert cluster["Endpoint"].startswith("new.cluster-")
    assert acct.rds.resolve_endpoint(cluster["Endpoint"]) is not None
    assert acct.rds.resolve_endpoint(cluster["Endpoint"].replace("new.", "old.", 1)) is None
    assert rds.describe_db_instances()["DBInstances"][0]["DBClusterIdentifier"] == "new"


def test_engine_upgrade_rules(rds: RdsClient) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c", **BASE)
    with pytest.raises(AwsError) as err:
        rds.modify_db_cluster(DBClusterIdentifier="c", EngineVersion="16.4")
    assert err.value.code == "InvalidParameterCombination"
    upgraded = rds.modify_db_cluster(DBClusterIdentifier="c", EngineVersion="15.5")["DBCluster"]
    assert upgraded["EngineVersion"] == "15.5"


_ALLOWED = [chr(c) for c in range(0x20, 0x7F) if chr(c) not in '/"@ ']


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    password=st.text(alphabet=_ALLOWED, min_size=8, max_size=41),
    bad=st.sampled_from(list('/"@ \té\x7f')),
    where=st.integers(0, 8),
)
def test_password_alphabet(password: str, bad: str, where: int) -> None:
    rds = Account(seed=2).client("rds")
    rds.create_db_cluster(DBClusterIdentifier="ok", **{**BASE, "MasterUserPassword": password})
    broken = password[:where] + bad + password[where:]
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster(
            DBClusterIdentifier="bad", **{**BASE, "MasterUserPassword": broken[:41]}
        )
    assert err.value.code == "InvalidParameterValue"
    assert broken[:41] not in str(err.value)
