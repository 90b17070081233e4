"""EC2 VPCs and subnets: the default VPC, creation rules, AWS's error texts, describe shapes."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.errors import AwsError
from tests.shape_check import assert_matches_output


def error_of(call: Any, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(**params)
    return info.value


def test_default_vpc_and_its_subnets(ec2: Ec2Client) -> None:
    response = ec2.describe_vpcs()
    assert_matches_output("ec2", "DescribeVpcs", response)
    (vpc,) = response["Vpcs"]
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["IsDefault"] is True
    assert vpc["State"] == "available"
    assert vpc["InstanceTenancy"] == "default"
    assert vpc["OwnerId"] == "123456789012"
    assert vpc["VpcId"].startswith("vpc-")
    assert len(vpc["VpcId"]) == 21

    subnets = ec2.describe_subnets()
    assert_matches_output("ec2", "DescribeSubnets", subnets)
    blocks = [s["CidrBlock"] for s in subnets["Subnets"]]
    assert blocks == [f"172.31.{16 * i}.0/20" for i in range(6)]
    zones = [s["AvailabilityZone"] for s in subnets["Subnets"]]
    assert zones == [f"us-east-1{z}" for z in "abcdef"]
    first = subnets["Subnets"][0]
    assert first["AvailabilityZoneId"] == "use1-az1"
    assert first["DefaultForAz"] is True
    assert first["MapPublicIpOnLaunch"] is True
    assert first["AvailableIpAddressCount"] == 4096 - 5
    assert first["VpcId"] == vpc["VpcId"]
    assert first["SubnetArn"] == f"arn:aws:ec2:us-east-1:123456789012:subnet/{first['SubnetId']}"


def test_other_regions_get_their_zone_ids() -> None:
    acct = Account(region="ap-southeast-1")
    zones = [(s.availability_zone, s.availability_zone_id) for s in acct.ec2.subnets.values()]
    assert zones == [
        ("ap-southeast-1a", "apse1-az1"),
        ("ap-southeast-1b", "apse1-az2"),
        ("ap-southeast-1c", "apse1-az3"),
    ]


def test_create_vpc_answers_pending_then_describes_available(ec2: Ec2Client) -> None:
    created = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "prod"}]}],
    )
    assert_matches_output("ec2", "CreateVpc", created)
    vpc = created["Vpc"]
    assert vpc["State"] == "pending"
    assert vpc["IsDefault"] is False
    assert vpc["Tags"] == [{"Key": "Name", "Value": "prod"}]
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    described = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])
    assert_matches_output("ec2", "DescribeVpcs", described)
    assert described["Vpcs"][0]["State"] == "available"


def test_every_vpc_gets_its_own_default_security_group(ec2: Ec2Client) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    assert [(g["GroupName"], g["Description"]) for g in groups] == [
        ("default", "default VPC security group")
    ]
    (group,) = groups
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [
        {"UserId": "123456789012", "GroupId": group["GroupId"]}
    ]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]


def test_dedicated_tenancy(ec2: Ec2Client, acct: Account) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
    vpc = acct.ec2.get_vpc(vpc_id)
    assert vpc is not None
    assert vpc.instance_tenancy == "dedicated"
    err = error_of(ec2.create_vpc, CidrBlock="10.8.0.0/16", InstanceTenancy="host")
    assert err.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("cidr", "code", "message"),
    [
        ("10.0.0.0/8", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."),
        ("10.0.0.0/29", "InvalidVpc.Range", "The CIDR '10.0.0.0/29' is invalid."),
        (
            "not-a-cidr",
            "InvalidParameterValue",
            "Value (not-a-cidr) for parameter cidrBlock is invalid. "
            "This is not a valid CIDR block.",
        ),
        (
            "10.0.0.300/16",
            "InvalidParameterValue",
            "Value (10.0.0.300/16) for parameter cidrBlock is invalid. "
            "This is not a valid CIDR block.",
        ),
    ],
)
def test_create_vpc_refuses_bad_blocks(ec2: Ec2Client, cidr: str, code: str, message: str) -> None:
    before = ec2.describe_vpcs()["Vpcs"]
    err = error_of(ec2.create_vpc, CidrBlock=cidr)
    assert (err.code, err.message, err.http_status) == (code, message, 400)
    assert err.operation_name == "CreateVpc"
    assert ec2.describe_vpcs()["Vpcs"] == before


def test_describe_unknown_and_malformed_vpc_ids(ec2: Ec2Client) -> None:
    err = error_of(ec2.describe_vpcs, VpcIds=["vpc-0123456789abcdef0"])
    assert (err.code, err.message) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    )
    err = error_of(ec2.describe_vpcs, VpcIds=["not-an-id"])
    assert (err.code, err.message) == (
        "InvalidVpcID.Malformed",
        'Invalid id: "not-an-id" (expecting "vpc-...")',
    )
    assert str(err).startswith(
        "An error occurred (InvalidVpcID.Malformed) when calling the DescribeVpcs operation"
    )


def test_vpc_filters(ec2: Ec2Client) -> None:
    ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "env", "Value": "prod"}]}],
    )
    ec2.create_vpc(CidrBlock="10.2.0.0/16")

    def cidrs(*filters: dict[str, Any]) -> list[str]:
        return [v["CidrBlock"] for v in ec2.describe_vpcs(Filters=list(filters))["Vpcs"]]

    assert cidrs({"Name": "is-default", "Values": ["true"]}) == ["172.31.0.0/16"]
    assert cidrs({"Name": "is-default", "Values": ["false"]}) == ["10.1.0.0/16", "10.2.0.0/16"]
    assert cidrs({"Name": "tag:env", "Values": ["pr*"]}) == ["10.1.0.0/16"]
    assert cidrs({"Name": "tag-key", "Values": ["env"]}) == ["10.1.0.0/16"]
    assert cidrs(
        {"Name": "cidr", "Values": ["10.?.0.0/16"]}, {"Name": "is-default", "Values": ["false"]}
    ) == [
        "10.1.0.0/16",
        "10.2.0.0/16",
    ]
    assert cidrs({"Name": "state", "Values": ["pending"]}) == []
    err = error_of(ec2.describe_vpcs, Filters=[{"Name": "colour", "Values": ["red"]}])
    assert (err.code, err.message) == ("InvalidParameterValue", "The filter 'colour' is invalid")


def test_create_subnet_rules(ec2: Ec2Client) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    created = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b"
    )
    assert_matches_output("ec2", "CreateSubnet", created)
    subnet = created["Subnet"]
    assert subnet["AvailabilityZone"] == "us-east-1b"
    assert subnet["AvailabilityZoneId"] == "use1-az2"
    assert subnet["DefaultForAz"] is False
    assert subnet["MapPublicIpOnLaunch"] is False
    assert subnet["AvailableIpAddressCount"] == 251

    err = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.128/25")
    assert (err.code, err.message) == (
        "InvalidSubnet.Conflict",
        "The CIDR '10.0.1.128/25' conflicts with another subnet",
    )
    err = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.1.0.0/24")
    assert (err.code, err.message) == ("InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid.")
    err = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/29")
    assert (err.code, err.message) == ("InvalidSubnet.Range", "The CIDR '10.0.2.0/29' is invalid.")
    err = error_of(
        ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-2a"
    )
    assert err.code == "InvalidParameterValue"
    assert err.message == (
        "Value (us-east-2a) for parameter availabilityZone is invalid. "
        "Subnets can currently only be created in the following availability zones: "
        "us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f."
    )
    by_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZoneId="use1-az3")[
        "Subnet"
    ]
    assert by_id["AvailabilityZone"] == "us-east-1c"
    err = error_of(ec2.create_subnet, VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.3.0/24")
    assert err.code == "InvalidVpcID.NotFound"
    # The same block is fine in another VPC.
    other = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=other, CidrBlock="10.0.1.0/24")


def test_subnets_spread_over_zones_when_none_is_given(ec2: Ec2Client) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["AvailabilityZone"]
        for i in range(7)
    ]
    assert zones == [*(f"us-east-1{z}" for z in "abcdef"), "us-east-1a"]


def test_describe_subnets_by_id_and_filter(ec2: Ec2Client) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    assert [s["SubnetId"] for s in ec2.describe_subnets(SubnetIds=[sid])["Subnets"]] == [sid]
    only = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert [s["SubnetId"] for s in only] == [sid]
    err = error_of(ec2.describe_subnets, SubnetIds=["subnet-0123456789abcdef0"])
    assert (err.code, err.message) == (
        "InvalidSubnetID.NotFound",
        "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    )


def test_delete_subnet_and_vpc_dependencies(
    ec2: Ec2Client, acct: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    gid = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)["GroupId"]

    err = error_of(ec2.delete_vpc, VpcId=vpc_id)
    assert (err.code, err.message) == (
        "DependencyViolation",
        f"The vpc '{vpc_id}' has dependencies and cannot be deleted.",
    )
    monkeypatch.setattr(acct.rds, "subnet_in_use", lambda subnet_id: subnet_id == sid)
    err = error_of(ec2.delete_subnet, SubnetId=sid)
    assert (err.code, err.message) == (
        "DependencyViolation",
        f"The subnet '{sid}' has dependencies and cannot be deleted.",
    )
    monkeypatch.undo()

    assert_matches_output("ec2", "DeleteSubnet", ec2.delete_subnet(SubnetId=sid))
    assert error_of(ec2.delete_subnet, SubnetId=sid).code == "InvalidSubnetID.NotFound"
    assert error_of(ec2.delete_vpc, VpcId=vpc_id).code == "DependencyViolation"  # the app group
    ec2.delete_security_group(GroupId=gid)
    assert_matches_output("ec2", "DeleteVpc", ec2.delete_vpc(VpcId=vpc_id))
    assert error_of(ec2.describe_vpcs, VpcIds=[vpc_id]).code == "InvalidVpcID.NotFound"
    remaining = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert remaining["SecurityGroups"] == []


def test_without_a_default_vpc(ec2: Ec2Client, acct: Account) -> None:
    default = acct.ec2.default_vpc()
    for subnet in list(acct.ec2.subnets.values()):
        ec2.delete_subnet(SubnetId=subnet.subnet_id)
    ec2.delete_vpc(VpcId=default.vpc_id)
    err = error_of(ec2.create_security_group, GroupName="x", Description="x")
    assert (err.code, err.message) == ("VPCIdNotSpecified", "No default VPC for this user")
    err = error_of(ec2.describe_security_groups, GroupNames=["default"])
    assert err.code == "VPCIdNotSpecified"


def test_dry_run(ec2: Ec2Client) -> None:
    before = ec2.describe_vpcs()["Vpcs"]
    err = error_of(ec2.create_vpc, CidrBlock="10.0.0.0/16", DryRun=True)
    assert (err.code, err.http_status) == ("DryRunOperation", 412)
    assert err.message == "Request would have succeeded, but DryRun flag is set."
    assert ec2.describe_vpcs()["Vpcs"] == before


def test_paging(ec2: Ec2Client) -> None:
    for i in range(6):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    seen: list[str] = []
    page = ec2.describe_vpcs(MaxResults=5)
    seen += [v["VpcId"] for v in page["Vpcs"]]
    assert_matches_output("ec2", "DescribeVpcs", page)
    page = ec2.describe_vpcs(MaxResults=5, NextToken=page["NextToken"])
    seen += [v["VpcId"] for v in page["Vpcs"]]
    assert "NextToken" not in page
    assert seen == [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]


def test_same_seed_same_ids() -> None:
    def run() -> list[str]:
        ec2 = Account(seed=7).client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
        return [vpc, sub, sg]

    assert run() == run()
    assert Account(seed=7).ec2.default_vpc().vpc_id != Account(seed=8).ec2.default_vpc().vpc_id


def test_vpc_of_address(acct: Account) -> None:
    vpc = acct.ec2.vpc_of_address("172.31.40.2")
    assert vpc is not None
    assert vpc.is_default
    assert acct.ec2.vpc_of_address("203.0.113.5") is None


# ------------------------------------------------------------------------ properties ---

blocks = st.builds(
    lambda a, b, prefix: str(ipaddress.IPv4Network(f"10.{a}.{b}.0/{prefix}", strict=False)),
    st.integers(0, 3),
    st.integers(0, 255),
    st.integers(14, 30),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(blocks, min_size=1, max_size=8))
def test_refused_subnet_calls_change_nothing(cidrs: list[str]) -> None:
    """Any sequence of create_subnet calls: a refusal leaves describe output unchanged, and
    the accepted subnets never overlap and always lie inside the VPC."""
    ec2 = Account().client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for cidr in cidrs:
        before = ec2.describe_subnets()["Subnets"]
        code = None
        try:
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)
        except AwsError as err:
            code = err.code
        if code is not None:
            assert code in {"InvalidSubnet.Range", "InvalidSubnet.Conflict"}
            assert ec2.describe_subnets()["Subnets"] == before
    mine = [
        ipaddress.IPv4Network(s["CidrBlock"])
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    ]
    assert all(n.subnet_of(ipaddress.IPv4Network("10.0.0.0/16")) for n in mine)
    assert not any(a.overlaps(b) for i, a in enumerate(mine) for b in mine[i + 1 :])
