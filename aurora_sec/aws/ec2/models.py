"""The EC2 value objects: VPCs, subnets, security groups and their rules.

This room holds data only. Every record is a frozen ``attrs`` class; the backend changes state
by building a new record (``attrs.evolve``) and putting it in place of the old one, so a
snapshot of the EC2 state is a shallow copy of three dictionaries.

Security group rules are kept the way ``DescribeSecurityGroups`` shows them: a
:class:`Permission` is one (protocol, port range) with the sources it allows. Each source
(:class:`IpRange`, :class:`Ipv6Range`, :class:`GroupPair`) is one AWS *security group rule*
and carries its ``sgr-`` id; :meth:`SecurityGroup.rules` gives the flat, one-rule-per-row
view that ``SecurityGroupRules`` responses use.

The ``*Request`` classes are what a caller asks for (raw, unvalidated values, as boto3
passes them); the backend checks them against AWS's rules and turns them into records.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Literal

import attrs

__all__ = [
    "Direction",
    "Filter",
    "GroupPair",
    "GroupPairRequest",
    "IpRange",
    "IpRangeRequest",
    "Ipv6Range",
    "Permission",
    "PermissionRequest",
    "RevokeResult",
    "SecurityGroup",
    "SecurityGroupRule",
    "Subnet",
    "Tag",
    "Tenancy",
    "Vpc",
]

Tenancy = Literal["default", "dedicated"]
Direction = Literal["ingress", "egress"]


@attrs.frozen
class Tag:
    """One resource tag."""

    key: str
    value: str


@attrs.frozen
class Vpc:
    """A VPC: one IPv4 CIDR block, its tenancy, and whether it is the account's default VPC."""

    vpc_id: str
    cidr_block: ipaddress.IPv4Network
    owner_id: str
    dhcp_options_id: str
    cidr_association_id: str
    instance_tenancy: Tenancy = "default"
    is_default: bool = False
    state: Literal["pending", "available"] = "available"
    tags: tuple[Tag, ...] = ()


@attrs.frozen
class Subnet:
    """A subnet of a VPC, in one availability zone."""

    subnet_id: str
    vpc_id: str
    cidr_block: ipaddress.IPv4Network
    availability_zone: str
    availability_zone_id: str
    owner_id: str
    arn: str
    default_for_az: bool = False
    map_public_ip_on_launch: bool = False
    state: Literal["pending", "available"] = "available"
    tags: tuple[Tag, ...] = ()

    @property
    def available_ip_address_count(self) -> int:
        """Addresses left for use: AWS reserves five addresses in every subnet."""
        return self.cidr_block.num_addresses - 5


@attrs.frozen
class IpRange:
    """An IPv4 source (ingress) or destination (egress), with its rule id."""

    cidr: ipaddress.IPv4Network
    rule_id: str = ""
    description: str | None = None


@attrs.frozen
class Ipv6Range:
    """An IPv6 source or destination, with its rule id (kept as data; reachability is IPv4)."""

    cidr: ipaddress.IPv6Network
    rule_id: str = ""
    description: str | None = None


@attrs.frozen
class GroupPair:
    """A security group as source (ingress) or destination (egress), with its rule id."""

    group_id: str
    user_id: str
    rule_id: str = ""
    description: str | None = None


@attrs.frozen
class Permission:
    """One protocol and port range, and every source it allows (``IpPermissions[]`` item).

    ``ip_protocol`` is ``"tcp"``, ``"udp"``, ``"icmp"``, ``"icmpv6"``, ``"-1"`` (all traffic)
    or another protocol number as a string. ``from_port``/``to_port`` are ``None`` when the
    protocol has no ports (``-1`` and protocol numbers other than tcp/udp/icmp): traffic on all
    ports is allowed. For ICMP they are the ICMP type and code, ``-1`` meaning all.
    """

    ip_protocol: str
    from_port: int | None = None
    to_port: int | None = None
    ip_ranges: tuple[IpRange, ...] = ()
    ipv6_ranges: tuple[Ipv6Range, ...] = ()
    group_pairs: tuple[GroupPair, ...] = ()

    @property
    def cidrs(self) -> tuple[ipaddress.IPv4Network, ...]:
        """The IPv4 CIDR blocks this permission names."""
        return tuple(r.cidr for r in self.ip_ranges)

    @property
    def source_group_ids(self) -> tuple[str, ...]:
        """The security groups this permission names."""
        return tuple(p.group_id for p in self.group_pairs)

    @property
    def is_empty(self) -> bool:
        """True when no source is left (the permission disappears from describe output)."""
        return not (self.ip_ranges or self.ipv6_ranges or self.group_pairs)

    def allows_tcp_port(self, port: int) -> bool:
        """Does this permission let TCP traffic to ``port`` through (ignoring the source)?"""
        if self.ip_protocol == "-1":
            return True
        if self.ip_protocol != "tcp":
            return False
        if self.from_port is None or self.to_port is None:
            return True
        return self.from_port <= port <= self.to_port


@attrs.frozen
class SecurityGroupRule:
    """One security group rule, flat: the row ``SecurityGroupRules`` responses show."""

    rule_id: str
    group_id: str
    owner_id: str
    is_egress: bool
    ip_protocol: str
    from_port: int | None
    to_port: int | None
    cidr_ipv4: ipaddress.IPv4Network | None = None
    cidr_ipv6: ipaddress.IPv6Network | None = None
    referenced_group_id: str | None = None
    referenced_user_id: str | None = None
    description: str | None = None


@attrs.frozen
class SecurityGroup:
    """A VPC security group: inbound and outbound allow rules, no deny rules."""

    group_id: str
    group_name: str
    description: str
    vpc_id: str
    owner_id: str
    arn: str
    ingress: tuple[Permission, ...] = ()
    egress: tuple[Permission, ...] = ()
    tags: tuple[Tag, ...] = ()

    @property
    def is_default(self) -> bool:
        """The VPC's own ``default`` group (no other group may carry that name)."""
        return self.group_name == "default"

    def permissions(self, direction: Direction) -> tuple[Permission, ...]:
        """The inbound or outbound permissions."""
        return self.ingress if direction == "ingress" else self.egress

    def rules(self, direction: Direction | None = None) -> tuple[SecurityGroupRule, ...]:
        """Every rule, one per source, in describe order (inbound first when ``None``)."""
        directions: tuple[Direction, ...] = (
            ("ingress", "egress") if direction is None else (direction,)
        )
        return tuple(rule for d in directions for rule in self._rules(d))

    def _rules(self, direction: Direction) -> Iterator[SecurityGroupRule]:
        is_egress = direction == "egress"
        for perm in self.permissions(direction):
            # rule_id comes first; then group, owner, direction, protocol and ports
            head = (
                self.group_id,
                self.owner_id,
                is_egress,
                perm.ip_protocol,
                perm.from_port,
                perm.to_port,
            )
            for r in perm.ip_ranges:
                yield SecurityGroupRule(
                    r.rule_id, *head, cidr_ipv4=r.cidr, description=r.description
                )
            for r6 in perm.ipv6_ranges:
                yield SecurityGroupRule(
                    r6.rule_id, *head, cidr_ipv6=r6.cidr, description=r6.description
                )
            for g in perm.group_pairs:
                yield SecurityGroupRule(
                    g.rule_id,
                    *head,
                    referenced_group_id=g.group_id,
                    referenced_user_id=g.user_id,
                    description=g.description,
                )


@attrs.frozen
class RevokeResult:
    """What a revoke call removed, and (default VPC only) the rules it did not find."""

    revoked: tuple[SecurityGroupRule, ...] = ()
    unknown: tuple[Permission, ...] = ()


# ---------------------------------------------------------------------------- requests ---


@attrs.frozen
class IpRangeRequest:
    """An ``IpRanges[]`` / ``Ipv6Ranges[]`` item as given (the CIDR is not yet checked)."""

    cidr: str | None
    description: str | None = None


@attrs.frozen
class GroupPairRequest:
    """A ``UserIdGroupPairs[]`` item as given."""

    group_id: str | None = None
    group_name: str | None = None
    user_id: str | None = None
    description: str | None = None


@attrs.frozen
class PermissionRequest:
    """An ``IpPermissions[]`` item as given: protocol, ports and sources, all unchecked."""

    ip_protocol: str | None
    from_port: int | None = None
    to_port: int | None = None
    ip_ranges: tuple[IpRangeRequest, ...] = ()
    ipv6_ranges: tuple[IpRangeRequest, ...] = ()
    group_pairs: tuple[GroupPairRequest, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()


@attrs.frozen
class Filter:
    """A ``Filters[]`` item of a ``Describe*`` call."""

    name: str
    values: tuple[str, ...] = ()
