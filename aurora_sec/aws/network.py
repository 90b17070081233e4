"""The network between a client and an endpoint: can a TCP connection be opened?

This room answers one question as a pure function of the EC2 state: :func:`reach` looks at
the client's own firewall, at routing (is the client inside the endpoint's VPC, or does the
endpoint accept traffic from outside?), at the security groups on both ends, and at the port
the server listens on. It returns a :class:`Reachability` that says how far the packets got,
why they stopped, and which rule let them through. It changes nothing.

The stages, in the order a SYN packet meets them:

1. ``firewall``: the client network's egress firewall (:class:`Firewall`), if any. A denied
   packet is dropped: the client sees a *timeout*.
2. ``routing``: a client whose address is inside the target VPC's CIDR block reaches the
   endpoint's private address; any other client needs a publicly accessible endpoint (its
   name then resolves to a public address). A private address is not routable from outside:
   *timeout*.
3. ``security-group``: the client's own groups (when it is in any) must allow the traffic
   out, and the target's groups must allow it in. Security groups only have allow rules and
   deny everything else; several attached groups act as the union of their rules [DOC VPC
   user guide]. Rules naming a *source group* match clients in that group, and only over
   private addresses. A drop is a *timeout*.
4. ``listener``: the packets arrive, but if the port is not the one the server listens on,
   the host answers with a reset: *connection refused*.

``client_ip`` is the address the server sees (after any NAT on the client's side). IPv4 only.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import attrs

from aurora_sec.aws.addresses import ipv4_address, ipv4_network
from aurora_sec.aws.ec2.models import GroupPair, IpRange, Permission, SecurityGroup

if TYPE_CHECKING:
    from aurora_sec.aws.ec2.backend import Ec2Backend

__all__ = [
    "Failure",
    "Firewall",
    "FirewallRule",
    "NetworkTarget",
    "Reachability",
    "Route",
    "RuleMatch",
    "Stage",
    "can_reach",
    "reach",
]

Stage = Literal["firewall", "routing", "security-group", "listener"]
Failure = Literal["timeout", "refused"]
Route = Literal["private", "public"]
Action = Literal["allow", "deny"]
FirewallProtocol = Literal["tcp", "udp", "-1"]


def _port(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ValueError(f"not a TCP port: {value!r}")


def _group_ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _rules(value: Iterable[FirewallRule]) -> tuple[FirewallRule, ...]:
    return tuple(value)


def _optional_ip(value: str | None) -> None:
    if value is not None:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"not an IPv4 address: {value!r}") from None


@attrs.frozen
class NetworkTarget:
    """Where a client wants to connect: an endpoint, as the RDS side resolves it.

    ``private_ip`` / ``public_ip`` are the addresses the endpoint name resolves to inside and
    outside the VPC, when the caller knows them; firewall and egress rules written with CIDR
    blocks can only match a known address.
    """

    host: str
    port: int = attrs.field(validator=lambda _i, _a, v: _port(v))
    vpc_id: str
    security_group_ids: tuple[str, ...] = attrs.field(converter=_group_ids, default=())
    publicly_accessible: bool = False
    private_ip: str | None = attrs.field(default=None, validator=lambda _i, _a, v: _optional_ip(v))
    public_ip: str | None = attrs.field(default=None, validator=lambda _i, _a, v: _optional_ip(v))


def _destination(value: str) -> str:
    """A CIDR block (canonical, as a string) or a host-name pattern (lower case)."""
    try:
        return str(ipv4_network(value))
    except ValueError:
        pass
    if not value or any(c.isspace() for c in value):
        raise ValueError(
            f"firewall destination is neither a CIDR block nor a host pattern: {value!r}"
        )
    return value.lower()


@attrs.frozen
class FirewallRule:
    """One rule of a client network's egress firewall.

    ``destination`` is an IPv4 CIDR block (matched against the address the client connects
    to) or a host-name pattern with ``*`` and ``?`` wildcards, case-insensitive (matched
    against the endpoint name, like an FQDN rule). ``from_port``/``to_port`` ``None`` means
    every port; ``protocol`` ``"-1"`` means every protocol.
    """

    action: Action = attrs.field(validator=attrs.validators.in_(("allow", "deny")))
    destination: str = attrs.field(default="0.0.0.0/0", converter=_destination)
    from_port: int | None = None
    to_port: int | None = None
    protocol: FirewallProtocol = attrs.field(
        default="tcp", validator=attrs.validators.in_(("tcp", "udp", "-1"))
    )
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.from_port is None) != (self.to_port is None):
            raise ValueError("give both from_port and to_port, or neither (every port)")
        if self.from_port is not None and self.to_port is not None:
            _port(self.from_port)
            _port(self.to_port)
            if self.from_port > self.to_port:
                raise ValueError(
                    f"from_port {self.from_port} is greater than to_port {self.to_port}"
                )

    @classmethod
    def allow(
        cls, destination: str = "0.0.0.0/0", port: int | None = None, description: str = ""
    ) -> FirewallRule:
        """Allow TCP to ``destination`` (on one ``port``, or on every port)."""
        return cls("allow", destination, port, port, "tcp", description)

    @classmethod
    def deny(
        cls, destination: str = "0.0.0.0/0", port: int | None = None, description: str = ""
    ) -> FirewallRule:
        """Deny TCP to ``destination`` (on one ``port``, or on every port)."""
        return cls("deny", destination, port, port, "tcp", description)

    @property
    def is_cidr(self) -> bool:
        return self.destination[:1].isdigit() and "/" in self.destination

    def matches(self, host: str, address: str | None, port: int, protocol: str = "tcp") -> bool:
        """Does this rule apply to a connection to ``host`` (at ``address``) on ``port``?"""
        if self.protocol != "-1" and self.protocol != protocol:
            return False
        if (
            self.from_port is not None
            and self.to_port is not None
            and not self.from_port <= port <= self.to_port
        ):
            return False
        if self.is_cidr:
            return address is not None and ipv4_address(address) in ipv4_network(self.destination)
        return fnmatch.fnmatchcase(host.lower(), self.destination)

    def __str__(self) -> str:
        ports = "all ports" if self.from_port is None else _port_text(self.from_port, self.to_port)
        protocol = "all protocols" if self.protocol == "-1" else self.protocol
        return f"{self.action} {protocol} {ports} to {self.destination}"


@attrs.frozen
class Firewall:
    """A client network's egress firewall: ordered rules, first match wins, else the default.

    This is the semantics of a typical corporate firewall or cloud network ACL evaluated
    top-down: the first rule whose protocol, port range and destination match decides;
    when none matches, ``default`` decides.
    """

    rules: tuple[FirewallRule, ...] = attrs.field(default=(), converter=_rules)
    default: Action = attrs.field(default="deny", validator=attrs.validators.in_(("allow", "deny")))

    @classmethod
    def allow_all(cls) -> Firewall:
        """No rules, default allow: every connection goes out."""
        return cls((), "allow")

    @classmethod
    def deny_all(cls) -> Firewall:
        """No rules, default deny: nothing goes out."""
        return cls((), "deny")

    def decide(
        self, host: str, address: str | None, port: int, protocol: str = "tcp"
    ) -> tuple[bool, FirewallRule | None]:
        """``(allowed, the rule that decided or None for the default)``."""
        for rule in self.rules:
            if rule.matches(host, address, port, protocol):
                return rule.action == "allow", rule
        return self.default == "allow", None


@attrs.frozen
class RuleMatch:
    """The security group rule that let the connection in.

    ``permission`` is narrowed to the one source that matched (a CIDR block or a group).
    """

    group_id: str
    permission: Permission

    def __str__(self) -> str:
        perm = self.permission
        protocol = "all traffic" if perm.ip_protocol == "-1" else perm.ip_protocol
        ports = "" if perm.from_port is None else " " + _port_text(perm.from_port, perm.to_port)
        source = str(perm.ip_ranges[0].cidr) if perm.ip_ranges else perm.group_pairs[0].group_id
        return f"{self.group_id}: {protocol}{ports} from {source}"


@attrs.frozen
class Reachability:
    """The answer of :func:`reach`.

    ``stage`` is where the packets stopped (``None`` when they got through), ``failure``
    what the client sees then (``"timeout"`` for dropped packets, ``"refused"`` for a port
    nothing listens on), ``reason`` a sentence for humans, ``matched`` the inbound rule that
    allowed the traffic (also set when only the listener refused), ``route`` whether the
    client used the private or the public address, and ``address`` that address if known.
    """

    reachable: bool
    stage: Stage | None
    reason: str
    matched: RuleMatch | None = None
    failure: Failure | None = None
    route: Route | None = None
    address: str | None = None
    firewall_rule: FirewallRule | None = None


def reach(
    ec2: Ec2Backend,
    *,
    client_ip: str,
    client_groups: frozenset[str] = frozenset(),
    target: NetworkTarget,
    port: int,
    firewall: Firewall | None = None,
) -> Reachability:
    """Can a client at ``client_ip`` (in ``client_groups``) open TCP to ``target`` on ``port``?"""
    try:
        client = ipv4_address(client_ip)
    except ValueError:
        raise ValueError(f"client_ip is not an IPv4 address: {client_ip!r}") from None
    _port(port)
    vpc = ec2.get_vpc(target.vpc_id)
    inside = vpc is not None and client in vpc.cidr_block
    route: Route = "private" if inside else "public"
    address = target.private_ip if inside else target.public_ip
    where = f"tcp/{port} to {target.host}" + (f" ({address})" if address else "")

    if firewall is not None:
        allowed, rule = firewall.decide(target.host, address, port)
        if not allowed:
            why = f"rule '{rule}'" if rule is not None else "its default action (deny)"
            return Reachability(
                False,
                "firewall",
                f"the client's firewall drops {where}: {why}",
                failure="timeout",
                route=route,
                address=address,
                firewall_rule=rule,
            )

    if vpc is None:
        return Reachability(
            False,
            "routing",
            f"the VPC {target.vpc_id} of {target.host} does not exist",
            failure="timeout",
        )
    if not inside and not target.publicly_accessible:
        return Reachability(
            False,
            "routing",
            f"{client_ip} is outside {vpc.vpc_id} ({vpc.cidr_block}) and {target.host} is not "
            "publicly accessible: its name resolves to a private address",
            failure="timeout",
            route=route,
        )

    own_groups = [
        g for g in (ec2.get_security_group(gid) for gid in sorted(client_groups)) if g is not None
    ]
    if own_groups and not any(
        _egress_allows(perm, port, address, inside, target, vpc.cidr_block)
        for group in own_groups
        for perm in group.egress
    ):
        names = ", ".join(g.group_id for g in own_groups)
        return Reachability(
            False,
            "security-group",
            f"no outbound rule of {names} allows {where}",
            failure="timeout",
            route=route,
            address=address,
        )

    groups = [
        g
        for g in (ec2.get_security_group(gid) for gid in target.security_group_ids)
        if g is not None
    ]
    matched = _first_inbound_match(groups, port, client, client_groups if inside else frozenset())
    if matched is None:
        if groups:
            names = ", ".join(g.group_id for g in groups)
            why = f"no inbound rule of {names} allows tcp/{port} from {client_ip}"
        else:
            why = (
                f"no security group is attached to {target.host}, so all inbound traffic is denied"
            )
        return Reachability(
            False, "security-group", why, failure="timeout", route=route, address=address
        )

    if port != target.port:
        return Reachability(
            False,
            "listener",
            f"{matched} lets tcp/{port} in, but the server at {target.host} listens on "
            f"{target.port}: connection refused",
            matched=matched,
            failure="refused",
            route=route,
            address=address,
        )
    return Reachability(
        True,
        None,
        f"{matched} allows tcp/{port} from {client_ip} ({route} route)",
        matched=matched,
        route=route,
        address=address,
    )


def can_reach(
    ec2: Ec2Backend,
    *,
    client_ip: str,
    client_groups: frozenset[str] = frozenset(),
    target: NetworkTarget,
    port: int,
    firewall: Firewall | None = None,
) -> bool:
    """``reach(...).reachable``."""
    return reach(
        ec2,
        client_ip=client_ip,
        client_groups=client_groups,
        target=target,
        port=port,
        firewall=firewall,
    ).reachable


# ----------------------------------------------------------------------- internals ---


def _port_text(low: int | None, high: int | None) -> str:
    return f"port {low}" if low == high else f"ports {low}-{high}"


def _first_inbound_match(
    groups: Iterable[SecurityGroup],
    port: int,
    client: ipaddress.IPv4Address,
    member_of: frozenset[str],
) -> RuleMatch | None:
    """The first inbound rule (group order, then rule order) that lets the client in."""
    address = int(client)
    for group in groups:
        for perm, ranges in _compiled_ingress(group):
            if not perm.allows_tcp_port(port):
                continue
            for network, mask, r in ranges:
                if address & mask == network:
                    return RuleMatch(group.group_id, _narrow(perm, ip_range=r))
            for pair in perm.group_pairs:
                if pair.group_id in member_of:
                    return RuleMatch(group.group_id, _narrow(perm, pair=pair))
    return None


_CompiledIngress = tuple[tuple[Permission, tuple[tuple[int, int, IpRange], ...]], ...]
#: id(group) -> (group, its inbound CIDR rules as integers); a group record is immutable, so
#: the entry holds while ``cached[0] is group``. Bounded: cleared when it grows past 4,096.
_INGRESS_CACHE: dict[int, tuple[SecurityGroup, _CompiledIngress]] = {}


def _compiled_ingress(group: SecurityGroup) -> _CompiledIngress:
    """The group's inbound permissions with each IPv4 range as (network, netmask) integers,
    so that matching a client against 1,000 rules costs integer compares, not ipaddress
    objects."""
    cached = _INGRESS_CACHE.get(id(group))
    if cached is not None and cached[0] is group:
        return cached[1]
    compiled = tuple(
        (
            perm,
            tuple((int(r.cidr.network_address), int(r.cidr.netmask), r) for r in perm.ip_ranges),
        )
        for perm in group.ingress
    )
    if len(_INGRESS_CACHE) >= 4096:
        _INGRESS_CACHE.clear()
    _INGRESS_CACHE[id(group)] = (group, compiled)
    return compiled


def _narrow(
    perm: Permission, *, ip_range: IpRange | None = None, pair: GroupPair | None = None
) -> Permission:
    return attrs.evolve(
        perm,
        ip_ranges=(ip_range,) if ip_range is not None else (),
        ipv6_ranges=(),
        group_pairs=(pair,) if pair is not None else (),
    )


def _egress_allows(
    perm: Permission,
    port: int,
    address: str | None,
    inside: bool,
    target: NetworkTarget,
    vpc_block: ipaddress.IPv4Network,
) -> bool:
    """Does an outbound permission of the client's group cover the connection?

    With the endpoint's address unknown, a CIDR rule counts only if it covers every address
    the endpoint could have: the whole VPC block (private route) or everything (public).
    """
    if not perm.allows_tcp_port(port):
        return False
    for r in perm.ip_ranges:
        if address is not None:
            if ipv4_address(address) in r.cidr:
                return True
        elif (inside and vpc_block.subnet_of(r.cidr)) or r.cidr.prefixlen == 0:
            return True
    return inside and any(g in target.security_group_ids for g in perm.source_group_ids)
