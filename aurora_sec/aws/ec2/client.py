"""The boto3-shaped EC2 client: request dicts in, response dicts out.

This room only translates. Each method has boto3's name and parameters, goes through
botocore-exact parameter validation (:func:`aurora_sec.aws.api.operation`), turns the request
into Python values for :class:`~aurora_sec.aws.ec2.backend.Ec2Backend`, and renders the
records it returns with the keys and value types of boto3's responses (checked against
botocore's output shapes in the tests). Rules and error texts live in the backend.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aurora_sec.aws._generated import ec2_shapes
from aurora_sec.aws.addresses import network_text
from aurora_sec.aws.api import BaseClient, Params, operation
from aurora_sec.aws.ec2.backend import Ec2Backend, ec2_error
from aurora_sec.aws.ec2.models import (
    Direction,
    Filter,
    GroupPairRequest,
    IpRangeRequest,
    Permission,
    PermissionRequest,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Tag,
    Vpc,
)

__all__ = ["Ec2Client"]

Response = dict[str, Any]
_OFF = {"InternetGatewayBlockMode": "off"}


class Ec2Client(BaseClient):
    """``acct.client("ec2")``: VPCs, subnets and security groups, as boto3's EC2 client."""

    service_name = "ec2"
    _shapes = ec2_shapes

    @property
    def _ec2(self) -> Ec2Backend:
        return self._account.ec2

    # ------------------------------------------------------------------- VPCs -----------

    @operation("CreateVpc")
    def create_vpc(self, p: Params) -> Response:
        _dry_run(p)
        vpc = self._ec2.create_vpc(
            p.get("CidrBlock"),
            instance_tenancy=p.get("InstanceTenancy", "default"),
            tags=_tags(p, "vpc"),
        )
        # The create call answers while the VPC is still being made.
        return {"Vpc": {**_vpc(vpc), "State": "pending", "Ipv6CidrBlockAssociationSet": []}}

    @operation("DescribeVpcs")
    def describe_vpcs(self, p: Params) -> Response:
        _dry_run(p)
        vpcs = self._ec2.describe_vpcs(p.get("VpcIds", ()), _filters(p))
        return _page(p, "Vpcs", [_vpc(v) for v in vpcs])

    @operation("DeleteVpc")
    def delete_vpc(self, p: Params) -> Response:
        _dry_run(p)
        self._ec2.delete_vpc(p["VpcId"])
        return {}

    # ---------------------------------------------------------------- subnets -----------

    @operation("CreateSubnet")
    def create_subnet(self, p: Params) -> Response:
        _dry_run(p)
        subnet = self._ec2.create_subnet(
            p["VpcId"],
            p.get("CidrBlock"),
            availability_zone=p.get("AvailabilityZone"),
            availability_zone_id=p.get("AvailabilityZoneId"),
            tags=_tags(p, "subnet"),
        )
        return {"Subnet": _subnet(subnet)}

    @operation("DescribeSubnets")
    def describe_subnets(self, p: Params) -> Response:
        _dry_run(p)
        subnets = self._ec2.describe_subnets(p.get("SubnetIds", ()), _filters(p))
        return _page(p, "Subnets", [_subnet(s) for s in subnets])

    @operation("DeleteSubnet")
    def delete_subnet(self, p: Params) -> Response:
        _dry_run(p)
        self._ec2.delete_subnet(p["SubnetId"])
        return {}

    # -------------------------------------------------------- security groups -----------

    @operation("CreateSecurityGroup")
    def create_security_group(self, p: Params) -> Response:
        _dry_run(p)
        group: SecurityGroup = self._ec2.create_security_group(
            p["GroupName"], p["Description"], vpc_id=p.get("VpcId"), tags=_tags(p, "security-group")
        )
        out: Response = {"GroupId": group.group_id}
        if group.tags:
            out["Tags"] = _tag_list(group.tags)
        out["SecurityGroupArn"] = group.arn
        return out

    @operation("DescribeSecurityGroups")
    def describe_security_groups(self, p: Params) -> Response:
        _dry_run(p)
        groups = self._ec2.describe_security_groups(
            p.get("GroupIds", ()), p.get("GroupNames", ()), _filters(p)
        )
        return _page(p, "SecurityGroups", [_group(g) for g in groups])

    @operation("DeleteSecurityGroup")
    def delete_security_group(self, p: Params) -> Response:
        _dry_run(p)
        group: SecurityGroup = self._ec2.delete_security_group(
            p.get("GroupId"), group_name=p.get("GroupName")
        )
        return {"Return": True, "GroupId": group.group_id}

    @operation("AuthorizeSecurityGroupIngress")
    def authorize_security_group_ingress(self, p: Params) -> Response:
        return self._add_rules(p, "ingress")

    @operation("AuthorizeSecurityGroupEgress")
    def authorize_security_group_egress(self, p: Params) -> Response:
        return self._add_rules(p, "egress")

    @operation("RevokeSecurityGroupIngress")
    def revoke_security_group_ingress(self, p: Params) -> Response:
        return self._remove_rules(p, "ingress")

    @operation("RevokeSecurityGroupEgress")
    def revoke_security_group_egress(self, p: Params) -> Response:
        return self._remove_rules(p, "egress")

    def _add_rules(self, p: Params, direction: Direction) -> Response:
        _dry_run(p)
        group = self._ec2.find_security_group(p.get("GroupId"), p.get("GroupName"))
        requests = _permission_requests(p, direction)
        rules: Sequence[SecurityGroupRule] = self._ec2.authorize(
            group.group_id, direction, requests
        )
        tags = _tag_list(_tags(p, "security-group-rule"))
        return {"Return": True, "SecurityGroupRules": [_rule(r, self._ec2, tags) for r in rules]}

    def _remove_rules(self, p: Params, direction: Direction) -> Response:
        _dry_run(p)
        group = self._ec2.find_security_group(p.get("GroupId"), p.get("GroupName"))
        rule_ids = tuple(p.get("SecurityGroupRuleIds", ()))
        has_values = bool(p.get("IpPermissions")) or any(k in p for k in _LEGACY)
        requests = _permission_requests(p, direction) if has_values or not rule_ids else ()
        result = self._ec2.revoke(group.group_id, direction, requests, rule_ids=rule_ids)
        out: Response = {"Return": True}
        if result.unknown:
            out["UnknownIpPermissions"] = [_permission(x) for x in result.unknown]
        out["RevokedSecurityGroupRules"] = [_revoked(r) for r in result.revoked]
        return out


# ----------------------------------------------------------------- request parsing ---

_LEGACY = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
)


def _dry_run(p: Params) -> None:
    if p.get("DryRun"):
        raise ec2_error("dry_run")


def _filters(p: Params) -> tuple[Filter, ...]:
    return tuple(
        Filter(f.get("Name", "null"), tuple(f.get("Values", ()))) for f in p.get("Filters", ())
    )


def _tags(p: Params, resource_type: str) -> tuple[Tag, ...]:
    out: list[Tag] = []
    for spec in p.get("TagSpecifications", ()):
        kind = spec.get("ResourceType", resource_type)
        if kind != resource_type:
            raise ec2_error("tag_resource_type", value=kind)
        out.extend(Tag(t.get("Key", ""), t.get("Value", "")) for t in spec.get("Tags", ()))
    return tuple(out)


def _permission_requests(p: Params, direction: Direction) -> tuple[PermissionRequest, ...]:
    """``IpPermissions``, or the older top-level form (ingress only, as AWS documents)."""
    legacy = [k for k in _LEGACY if k in p]
    items = p.get("IpPermissions", ())
    if legacy and direction == "egress":
        # [DOC] AuthorizeSecurityGroupEgress: CidrIp, FromPort, ... "Not supported. Use a set
        # of IP permissions". UNCONFIRMED which error AWS sends.
        raise ec2_error("parameter_combination", first=legacy[0], second="IpPermissions")
    if legacy and items:
        # UNCONFIRMED trigger; the text is what AWS answered a mix of both forms (boto3#1078).
        raise ec2_error("source_missing")
    if legacy:
        return _legacy_requests(p)
    if not items:
        if direction == "egress":
            raise ec2_error("missing_parameter", parameter="ipPermissions")
        raise ec2_error("source_missing")
    return tuple(_permission_request(item) for item in items)


def _permission_request(item: Mapping[str, Any]) -> PermissionRequest:
    return PermissionRequest(
        ip_protocol=item.get("IpProtocol"),
        from_port=item.get("FromPort"),
        to_port=item.get("ToPort"),
        ip_ranges=tuple(
            IpRangeRequest(r.get("CidrIp"), r.get("Description")) for r in item.get("IpRanges", ())
        ),
        ipv6_ranges=tuple(
            IpRangeRequest(r.get("CidrIpv6"), r.get("Description"))
            for r in item.get("Ipv6Ranges", ())
        ),
        group_pairs=tuple(
            GroupPairRequest(
                g.get("GroupId"), g.get("GroupName"), g.get("UserId"), g.get("Description")
            )
            for g in item.get("UserIdGroupPairs", ())
        ),
        prefix_list_ids=tuple(x.get("PrefixListId", "") for x in item.get("PrefixListIds", ())),
    )


def _legacy_requests(p: Params) -> tuple[PermissionRequest, ...]:
    """The top-level ``IpProtocol``/``FromPort``/``ToPort``/``CidrIp`` form.

    [DOC] ``SourceSecurityGroupName`` "can't be combined with" the CIDR, ports or protocol
    and "creates rules that grant full ICMP, UDP, and TCP access".
    """
    name = p.get("SourceSecurityGroupName")
    if name is not None:
        for other in ("CidrIp", "IpProtocol", "FromPort", "ToPort"):
            if other in p:
                raise ec2_error(
                    "parameter_combination", first="SourceSecurityGroupName", second=other
                )
        pair = (GroupPairRequest(group_name=name, user_id=p.get("SourceSecurityGroupOwnerId")),)
        return (
            PermissionRequest("icmp", -1, -1, group_pairs=pair),
            PermissionRequest("tcp", 0, 65535, group_pairs=pair),
            PermissionRequest("udp", 0, 65535, group_pairs=pair),
        )
    cidr = p.get("CidrIp")
    return (
        PermissionRequest(
            ip_protocol=p.get("IpProtocol"),
            from_port=p.get("FromPort"),
            to_port=p.get("ToPort"),
            ip_ranges=(IpRangeRequest(cidr),) if cidr is not None else (),
        ),
    )


def _page(p: Params, key: str, items: list[Response]) -> Response:
    """``MaxResults``/``NextToken`` paging over ``items`` (token: an opaque offset)."""
    start = 0
    token = p.get("NextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError):
            raise ec2_error("next_token_invalid", value=token) from None
    size = p.get("MaxResults")
    if size is None:
        return {key: items[start:]}
    out: Response = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
    return out


# -------------------------------------------------------------------- rendering ---


def _tag_list(tags: Sequence[Tag]) -> list[Response]:
    return [{"Key": t.key, "Value": t.value} for t in tags]


def _vpc(vpc: Vpc) -> Response:
    cidr = network_text(vpc.cidr_block)
    out: Response = {
        "OwnerId": vpc.owner_id,
        "InstanceTenancy": vpc.instance_tenancy,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": vpc.cidr_association_id,
                "CidrBlock": cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": vpc.is_default,
        "BlockPublicAccessStates": dict(_OFF),
        "VpcId": vpc.vpc_id,
        "State": vpc.state,
        "CidrBlock": cidr,
        "DhcpOptionsId": vpc.dhcp_options_id,
    }
    if vpc.tags:
        out["Tags"] = _tag_list(vpc.tags)
    return out


def _subnet(subnet: Subnet) -> Response:
    out: Response = {
        "AvailabilityZoneId": subnet.availability_zone_id,
        "MapCustomerOwnedIpOnLaunch": False,
        "OwnerId": subnet.owner_id,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "SubnetArn": subnet.arn,
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "BlockPublicAccessStates": dict(_OFF),
        "SubnetId": subnet.subnet_id,
        "State": subnet.state,
        "VpcId": subnet.vpc_id,
        "CidrBlock": network_text(subnet.cidr_block),
        "AvailableIpAddressCount": subnet.available_ip_address_count,
        "AvailabilityZone": subnet.availability_zone,
        "DefaultForAz": subnet.default_for_az,
        "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
    }
    if subnet.tags:
        out["Tags"] = _tag_list(subnet.tags)
    return out


def _described(text: str | None, item: Response) -> Response:
    if text is not None:
        item["Description"] = text
    return item


def _permission(perm: Permission) -> Response:
    out: Response = {"IpProtocol": perm.ip_protocol}
    if perm.from_port is not None:
        out["FromPort"] = perm.from_port
        out["ToPort"] = perm.to_port
    out["UserIdGroupPairs"] = [
        _described(g.description, {"UserId": g.user_id, "GroupId": g.group_id})
        for g in perm.group_pairs
    ]
    out["IpRanges"] = [
        _described(r.description, {"CidrIp": network_text(r.cidr)}) for r in perm.ip_ranges
    ]
    out["Ipv6Ranges"] = [
        _described(r.description, {"CidrIpv6": network_text(r.cidr)}) for r in perm.ipv6_ranges
    ]
    out["PrefixListIds"] = []
    return out


def _group(group: SecurityGroup) -> Response:
    out: Response = {
        "GroupId": group.group_id,
        "IpPermissionsEgress": [_permission(p) for p in group.egress],
    }
    if group.tags:
        out["Tags"] = _tag_list(group.tags)
    out.update(
        {
            "VpcId": group.vpc_id,
            "SecurityGroupArn": group.arn,
            "OwnerId": group.owner_id,
            "GroupName": group.group_name,
            "Description": group.description,
            "IpPermissions": [_permission(p) for p in group.ingress],
        }
    )
    return out


def _ports(rule: SecurityGroupRule) -> tuple[int, int]:
    # The rule-level view shows -1/-1 for protocols without ports.
    return (
        -1 if rule.from_port is None else rule.from_port,
        -1 if rule.to_port is None else rule.to_port,
    )


def _source(rule: SecurityGroupRule, kind: Literal["info", "id"]) -> Response:
    if rule.cidr_ipv4 is not None:
        return {"CidrIpv4": network_text(rule.cidr_ipv4)}
    if rule.cidr_ipv6 is not None:
        return {"CidrIpv6": network_text(rule.cidr_ipv6)}
    if kind == "id":
        return {"ReferencedGroupId": rule.referenced_group_id}
    return {
        "ReferencedGroupInfo": {
            "GroupId": rule.referenced_group_id,
            "UserId": rule.referenced_user_id,
        }
    }


def _rule(rule: SecurityGroupRule, ec2: Ec2Backend, tags: list[Response]) -> Response:
    low, high = _ports(rule)
    out: Response = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": rule.group_id,
        "GroupOwnerId": rule.owner_id,
        "IsEgress": rule.is_egress,
        "IpProtocol": rule.ip_protocol,
        "FromPort": low,
        "ToPort": high,
        **_source(rule, "info"),
    }
    if rule.description is not None:
        out["Description"] = rule.description
    out["Tags"] = tags
    out["SecurityGroupRuleArn"] = ec2.arn("security-group-rule", rule.rule_id)
    return out


def _revoked(rule: SecurityGroupRule) -> Response:
    low, high = _ports(rule)
    out: Response = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": rule.group_id,
        "IsEgress": rule.is_egress,
        "IpProtocol": rule.ip_protocol,
        "FromPort": low,
        "ToPort": high,
        **_source(rule, "id"),
    }
    if rule.description is not None:
        out["Description"] = rule.description
    return out
