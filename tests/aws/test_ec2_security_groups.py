"""EC2 security groups: creation, rules in and out, deletion, AWS's texts and response shapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.backend import ERRORS
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.errors import AwsError
from tests.shape_check import assert_matches_output

TCP_5432 = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}


def error_of(call: Any, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(**params)
    return info.value


def make_vpc(ec2: Ec2Client, cidr: str = "10.0.0.0/16") -> str:
    vpc_id: str = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    return vpc_id


def make_group(ec2: Ec2Client, name: str = "db", vpc_id: str | None = None) -> str:
    params: dict[str, Any] = {"GroupName": name, "Description": f"{name} group"}
    if vpc_id is not None:
        params["VpcId"] = vpc_id
    group_id: str = ec2.create_security_group(**params)["GroupId"]
    return group_id


def describe(ec2: Ec2Client, group_id: str) -> dict[str, Any]:
    response = ec2.describe_security_groups(GroupIds=[group_id])
    assert_matches_output("ec2", "DescribeSecurityGroups", response)
    group: dict[str, Any] = response["SecurityGroups"][0]
    return group


# ------------------------------------------------------------------------- creation ---


def test_default_group_of_the_default_vpc(ec2: Ec2Client, acct: Account) -> None:
    response = ec2.describe_security_groups(GroupNames=["default"])
    assert_matches_output("ec2", "DescribeSecurityGroups", response)
    (group,) = response["SecurityGroups"]
    assert group["Description"] == "default VPC security group"
    assert group["VpcId"] == acct.ec2.default_vpc().vpc_id
    assert group["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"UserId": "123456789012", "GroupId": group["GroupId"]}],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]
    assert group["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]
    assert acct.ec2.default_security_group(group["VpcId"]).group_id == group["GroupId"]


def test_create_security_group(ec2: Ec2Client) -> None:
    created = ec2.create_security_group(
        GroupName="db",
        Description="database access",
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "team", "Value": "data"}]}
        ],
    )
    assert_matches_output("ec2", "CreateSecurityGroup", created)
    assert created["Tags"] == [{"Key": "team", "Value": "data"}]
    group = describe(ec2, created["GroupId"])
    assert group["IpPermissions"] == []
    assert [p["IpRanges"] for p in group["IpPermissionsEgress"]] == [[{"CidrIp": "0.0.0.0/0"}]]
    assert group["SecurityGroupArn"] == created["SecurityGroupArn"]
    assert (
        group["SecurityGroupArn"]
        == f"arn:aws:ec2:us-east-1:123456789012:security-group/{created['GroupId']}"
    )


@pytest.mark.parametrize(
    ("name", "description", "code", "message"),
    [
        (
            "default",
            "x",
            "InvalidParameterValue",
            "Cannot use reserved security group name: default",
        ),
        (
            "sg-web",
            "x",
            "InvalidParameterValue",
            "Value (sg-web) for parameter GroupName is invalid. "
            "Group names may not be in the format sg-*.",
        ),
        ("", "x", "MissingParameter", "The request must contain the parameter groupName"),
        ("web", "", "MissingParameter", "The request must contain the parameter groupDescription"),
    ],
)
def test_create_security_group_refusals(
    ec2: Ec2Client, name: str, description: str, code: str, message: str
) -> None:
    before = ec2.describe_security_groups()
    err = error_of(ec2.create_security_group, GroupName=name, Description=description)
    assert (err.code, err.message) == (code, message)
    assert ec2.describe_security_groups()["SecurityGroups"] == before["SecurityGroups"]


def test_group_names_are_unique_per_vpc(ec2: Ec2Client, acct: Account) -> None:
    make_group(ec2, "web")
    err = error_of(ec2.create_security_group, GroupName="web", Description="again")
    vpc_id = acct.ec2.default_vpc().vpc_id
    assert (err.code, err.message) == (
        "InvalidGroup.Duplicate",
        f"The security group 'web' already exists for VPC '{vpc_id}'",
    )
    make_group(ec2, "web", make_vpc(ec2))
    err = error_of(
        ec2.create_security_group, GroupName="x", Description="x", VpcId="vpc-0123456789abcdef0"
    )
    assert (err.code, err.message) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    )


def test_names_and_descriptions_are_checked(ec2: Ec2Client) -> None:
    assert (
        error_of(ec2.create_security_group, GroupName="café", Description="x").code
        == "InvalidParameterValue"
    )
    assert (
        error_of(ec2.create_security_group, GroupName="a%b", Description="x").code
        == "InvalidParameterValue"
    )
    assert (
        error_of(ec2.create_security_group, GroupName="a" * 256, Description="x").code
        == "InvalidParameterValue"
    )
    assert (
        error_of(ec2.create_security_group, GroupName="ok", Description="<tag>").code
        == "InvalidParameterValue"
    )
    make_group(ec2, "ok name-1_2.3:(x)#,@[]+=&;{}!$*")


# ---------------------------------------------------------------------- authorizing ---


def test_authorize_ingress_canonicalises_cidrs(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    response = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {**TCP_5432, "IpRanges": [{"CidrIp": "100.68.0.18/18", "Description": "vpn"}]}
        ],
    )
    assert_matches_output("ec2", "AuthorizeSecurityGroupIngress", response)
    assert response["Return"] is True
    (rule,) = response["SecurityGroupRules"]
    assert rule["CidrIpv4"] == "100.68.0.0/18"
    assert rule["IsEgress"] is False
    assert rule["Description"] == "vpn"
    assert rule["SecurityGroupRuleId"].startswith("sgr-")
    assert rule["GroupOwnerId"] == "123456789012"
    assert describe(ec2, gid)["IpPermissions"] == [
        {
            **TCP_5432,
            "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "100.68.0.0/18", "Description": "vpn"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]


def test_authorize_with_the_legacy_top_level_form(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8"
    )
    (perm,) = describe(ec2, gid)["IpPermissions"]
    assert (perm["IpProtocol"], perm["FromPort"], perm["ToPort"], perm["IpRanges"]) == (
        "tcp",
        22,
        22,
        [{"CidrIp": "10.0.0.0/8"}],
    )


def test_source_security_group_name_grants_icmp_tcp_and_udp(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    ec2.authorize_security_group_ingress(GroupName="db", SourceSecurityGroupName="default")
    perms = describe(ec2, gid)["IpPermissions"]
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in perms] == [
        ("icmp", -1, -1),
        ("tcp", 0, 65535),
        ("udp", 0, 65535),
    ]


def test_source_group_rules(ec2: Ec2Client, acct: Account) -> None:
    gid = make_group(ec2)
    app = make_group(ec2, "app")
    response = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {**TCP_5432, "UserIdGroupPairs": [{"GroupId": app, "Description": "from app"}]}
        ],
    )
    assert_matches_output("ec2", "AuthorizeSecurityGroupIngress", response)
    assert response["SecurityGroupRules"][0]["ReferencedGroupInfo"] == {
        "GroupId": app,
        "UserId": "123456789012",
    }
    (perm,) = describe(ec2, gid)["IpPermissions"]
    assert perm["UserIdGroupPairs"] == [
        {"UserId": "123456789012", "GroupId": app, "Description": "from app"}
    ]

    elsewhere = make_group(ec2, "other", make_vpc(ec2))
    err = error_of(
        ec2.authorize_security_group_ingress,
        GroupId=gid,
        IpPermissions=[{**TCP_5432, "UserIdGroupPairs": [{"GroupId": elsewhere}]}],
    )
    assert (err.code, err.message) == (
        "InvalidGroup.NotFound",
        "You have specified two resources that belong to different networks.",
    )
    err = error_of(
        ec2.authorize_security_group_ingress,
        GroupId=gid,
        IpPermissions=[{**TCP_5432, "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]}],
    )
    assert (err.code, err.message) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )


@pytest.mark.parametrize(
    ("permission", "code", "message"),
    [
        (
            {"IpProtocol": "all", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            "InvalidParameterValue",
            "Invalid value 'all' for IP protocol. Unknown protocol.",
        ),
        (
            {"IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            "InvalidParameterValue",
            "Invalid value 'null' for protocol. "
            "VPC security group rules must specify protocols explicitly.",
        ),
        (
            {"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            "InvalidParameterValue",
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.",
        ),
        (
            {"IpProtocol": "icmp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            "InvalidParameterValue",
            "Invalid value 'Must specify both from and to ports with ICMP.' for portRange.",
        ),
        (
            {"IpProtocol": "tcp", "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            "InvalidPermission.Malformed",
            "TCP/UDP port (-1) out of range",
        ),
        (
            {
                "IpProtocol": "udp",
                "FromPort": 1,
                "ToPort": 70000,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
            "InvalidPermission.Malformed",
            "TCP/UDP port (70000) out of range",
        ),
        (
            {**TCP_5432, "IpRanges": [{"CidrIp": "10.0.0.256/32"}]},
            "InvalidParameterValue",
            "CIDR block 10.0.0.256/32 is malformed",
        ),
        (
            {**TCP_5432, "IpRanges": [{"CidrIp": "::/0"}]},
            "InvalidParameterValue",
            "CIDR block ::/0 is malformed",
        ),
        (
            TCP_5432,
            "MissingParameter",
            "Missing source specification: include source security group or CIDR information",
        ),
        (
            {**TCP_5432, "UserIdGroupPairs": [{"GroupId": "web-servers"}]},
            "InvalidGroupId.Malformed",
            'Invalid id: "web-servers" (expecting "sg-...")',
        ),
        (
            {**TCP_5432, "UserIdGroupPairs": [{"GroupId": "sg-1, sg-2"}]},
            "InvalidGroupId.Malformed",
            'Invalid id: "sg-1, sg-2"',
        ),
    ],
)
def test_authorize_refusals_change_nothing(
    ec2: Ec2Client, permission: dict[str, Any], code: str, message: str
) -> None:
    gid = make_group(ec2)
    before = describe(ec2, gid)
    err = error_of(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[permission])
    assert (err.code, err.message, err.http_status) == (code, message, 400)
    assert describe(ec2, gid) == before


def test_protocol_names_and_numbers(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "TCP",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "17",
                "FromPort": 53,
                "ToPort": 53,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {"IpProtocol": "50", "FromPort": 1, "ToPort": 2, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {
                "IpProtocol": "-1",
                "FromPort": 0,
                "ToPort": 0,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )
    perms = describe(ec2, gid)["IpPermissions"]
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in perms] == [
        ("-1", None, None),
        ("50", None, None),
        ("tcp", 80, 80),
        ("udp", 53, 53),
    ]
    err = error_of(
        ec2.authorize_security_group_ingress,
        GroupId=gid,
        IpPermissions=[
            {"IpProtocol": "6", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    assert err.code == "InvalidPermission.Duplicate"


def test_duplicates(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    rule = {**TCP_5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[rule])
    err = error_of(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[rule])
    assert (err.code, err.message) == (
        "InvalidPermission.Duplicate",
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 5432, to port: 5432, ALLOW" '
        "already exists",
    )
    # A new description does not make a new rule.
    described = {**TCP_5432, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "everyone"}]}
    assert error_of(
        ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[described]
    ).code == ("InvalidPermission.Duplicate")
    # Egress of a fresh group already allows everything.
    err = error_of(
        ec2.authorize_security_group_egress,
        GroupId=gid,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    assert err.message == 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists'
    twice = {**TCP_5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "10.0.0.0/8"}]}
    err = error_of(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[twice])
    assert (err.code, err.message) == (
        "InvalidParameterValue",
        "The same permission must not appear multiple times",
    )


def test_unknown_and_malformed_groups(ec2: Ec2Client) -> None:
    err = error_of(
        ec2.authorize_security_group_ingress,
        GroupId="sg-0123456789abcdef0",
        IpPermissions=[{**TCP_5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    assert (err.code, err.message) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )
    err = error_of(ec2.describe_security_groups, GroupIds=["sg-0123456789abcdef0"])
    assert err.code == "InvalidGroup.NotFound"
    err = error_of(ec2.delete_security_group, GroupId="DSESecurityGroup")
    assert (err.code, err.message) == (
        "InvalidGroupId.Malformed",
        'Invalid id: "DSESecurityGroup" (expecting "sg-...")',
    )
    err = error_of(ec2.describe_security_groups, GroupNames=["nope"])
    assert err.code == "InvalidGroup.NotFound"
    assert err.message.startswith("The security group 'nope' does not exist in default VPC 'vpc-")


# ------------------------------------------------------------------------- revoking ---


def test_revoke_ingress(ec2: Ec2Client) -> None:
    gid = make_group(ec2, vpc_id=make_vpc(ec2))
    rule = {**TCP_5432, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
    added = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[rule])[
        "SecurityGroupRules"
    ]
    response = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[rule])
    assert_matches_output("ec2", "RevokeSecurityGroupIngress", response)
    assert response["Return"] is True
    assert [r["SecurityGroupRuleId"] for r in response["RevokedSecurityGroupRules"]] == [
        added[0]["SecurityGroupRuleId"]
    ]
    assert describe(ec2, gid)["IpPermissions"] == []
    err = error_of(ec2.revoke_security_group_ingress, GroupId=gid, IpPermissions=[rule])
    assert (err.code, err.message) == (
        "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group.",
    )


def test_revoke_of_a_missing_rule_in_the_default_vpc_reports_it(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    rule = {**TCP_5432, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
    response = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[rule])
    assert_matches_output("ec2", "RevokeSecurityGroupIngress", response)
    assert response["UnknownIpPermissions"][0]["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]
    assert response["RevokedSecurityGroupRules"] == []


def test_revoke_by_rule_id_and_egress(ec2: Ec2Client) -> None:
    gid = make_group(ec2, vpc_id=make_vpc(ec2))
    (egress_rule,) = list(ec2._account.ec2.security_groups[gid].rules("egress"))
    response = ec2.revoke_security_group_egress(
        GroupId=gid, SecurityGroupRuleIds=[egress_rule.rule_id]
    )
    assert_matches_output("ec2", "RevokeSecurityGroupEgress", response)
    assert describe(ec2, gid)["IpPermissionsEgress"] == []
    added = ec2.authorize_security_group_egress(
        GroupId=gid, IpPermissions=[{**TCP_5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
    )
    assert_matches_output("ec2", "AuthorizeSecurityGroupEgress", added)
    assert added["SecurityGroupRules"][0]["IsEgress"] is True
    err = error_of(
        ec2.revoke_security_group_egress,
        GroupId=gid,
        SecurityGroupRuleIds=["sgr-0123456789abcdef0"],
    )
    assert err.code == "InvalidSecurityGroupRuleId.NotFound"
    err = error_of(
        ec2.authorize_security_group_egress, GroupId=gid, CidrIp="10.0.0.0/8", IpPermissions=[]
    )
    assert err.code == "InvalidParameterCombination"


# ------------------------------------------------------------------------- deleting ---


def test_delete_rules(ec2: Ec2Client, acct: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    default_id = acct.ec2.default_security_group(acct.ec2.default_vpc().vpc_id).group_id
    err = error_of(ec2.delete_security_group, GroupId=default_id)
    assert (err.code, err.message) == (
        "CannotDelete",
        f'the specified group: "{default_id}" name: "default" cannot be deleted by a user',
    )
    db = make_group(ec2, "db")
    app = make_group(ec2, "app")
    ec2.authorize_security_group_ingress(
        GroupId=db, IpPermissions=[{**TCP_5432, "UserIdGroupPairs": [{"GroupId": app}]}]
    )
    err = error_of(ec2.delete_security_group, GroupId=app)
    assert (err.code, err.message) == (
        "DependencyViolation",
        f"resource {app} has a dependent object",
    )

    monkeypatch.setattr(acct.rds, "security_group_in_use", lambda group_id: group_id == db)
    assert error_of(ec2.delete_security_group, GroupId=db).code == "DependencyViolation"
    monkeypatch.undo()

    response = ec2.delete_security_group(GroupId=db)
    assert_matches_output("ec2", "DeleteSecurityGroup", response)
    assert response["GroupId"] == db
    assert response["Return"] is True
    ec2.delete_security_group(
        GroupName="app"
    )  # no longer referenced; names work in the default VPC
    assert error_of(ec2.describe_security_groups, GroupIds=[app]).code == "InvalidGroup.NotFound"


def test_a_group_that_references_itself_can_be_deleted(ec2: Ec2Client) -> None:
    gid = make_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=gid, IpPermissions=[{**TCP_5432, "UserIdGroupPairs": [{"GroupId": gid}]}]
    )
    ec2.delete_security_group(GroupId=gid)


# ------------------------------------------------------------------------ describing ---


def test_describe_filters(ec2: Ec2Client) -> None:
    db = make_group(ec2, "db")
    ec2.authorize_security_group_ingress(
        GroupId=db, IpPermissions=[{**TCP_5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    )
    make_group(ec2, "web")

    def names(*filters: dict[str, Any]) -> list[str]:
        return [
            g["GroupName"]
            for g in ec2.describe_security_groups(Filters=list(filters))["SecurityGroups"]
        ]

    assert names({"Name": "group-name", "Values": ["db", "web"]}) == ["db", "web"]
    assert names({"Name": "group-id", "Values": [db]}) == ["db"]
    assert names({"Name": "ip-permission.from-port", "Values": ["5432"]}) == ["db"]
    assert names({"Name": "ip-permission.cidr", "Values": ["10.*"]}) == ["db"]
    assert names({"Name": "description", "Values": ["*b group"]}) == ["db", "web"]
    err = error_of(ec2.describe_security_groups, Filters=[{"Name": "name", "Values": ["db"]}])
    assert (err.code, err.message) == ("InvalidParameterValue", "The filter 'name' is invalid")


def test_every_error_row_has_a_code_and_a_message() -> None:
    for key, (code, template) in ERRORS.items():
        assert code, key
        assert template, key


# ------------------------------------------------------------------------ properties ---

protocols = st.sampled_from(["tcp", "udp", "icmp", "-1", "50"])
cidrs = st.builds(
    lambda a, b, prefix: f"{a}.{b}.7.9/{prefix}",
    st.sampled_from([10, 100, 203]),
    st.integers(0, 3),
    st.integers(8, 32),
)


@st.composite
def permissions(draw: st.DrawFn) -> dict[str, Any]:
    protocol = draw(protocols)
    perm: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": draw(cidrs)}]}
    if protocol in ("tcp", "udp"):
        low = draw(st.integers(-2, 65536))
        perm.update(FromPort=low, ToPort=draw(st.integers(low, low + 3)))
    elif protocol == "icmp":
        perm.update(FromPort=draw(st.integers(-1, 3)), ToPort=-1)
    return perm


@settings(max_examples=60, deadline=None)
@given(st.lists(permissions(), min_size=1, max_size=10))
def test_a_refused_call_leaves_describe_unchanged(perms: list[dict[str, Any]]) -> None:
    ec2 = Account().client("ec2")
    gid = make_group(ec2, vpc_id=make_vpc(ec2))
    for perm in perms:
        before = describe(ec2, gid)
        call = (
            ec2.authorize_security_group_ingress
            if len(perm["IpRanges"][0]["CidrIp"]) % 2
            else ec2.revoke_security_group_ingress
        )
        try:
            call(GroupId=gid, IpPermissions=[perm])
        except AwsError:
            assert describe(ec2, gid) == before


@settings(max_examples=60, deadline=None)
@given(st.lists(permissions(), min_size=1, max_size=8, unique_by=lambda p: repr(p)), st.data())
def test_revoke_then_authorize_again_gives_the_same_description(
    perms: list[dict[str, Any]], data: st.DataObject
) -> None:
    ec2 = Account().client("ec2")
    gid = make_group(ec2, vpc_id=make_vpc(ec2))
    accepted = []
    for perm in perms:
        try:
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
        except AwsError:
            continue
        accepted.append(perm)
    if not accepted:
        return
    before = describe(ec2, gid)
    chosen = data.draw(st.sampled_from(accepted))
    ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[chosen])
    assert describe(ec2, gid) != before
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[chosen])
    assert describe(ec2, gid) == before
