"""Reachability: client firewall, routing, security groups and the listener, as a pure function."""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.backend import Ec2Backend
from aurora_sec.aws.ec2.models import GroupPairRequest, IpRangeRequest, PermissionRequest
from aurora_sec.aws.network import (
    Firewall,
    FirewallRule,
    NetworkTarget,
    Reachability,
    can_reach,
    reach,
)
from aurora_sec.errors import AwsError

HOST = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"


def tcp(
    port: int, cidr: str | None = None, group: str | None = None, to_port: int | None = None
) -> PermissionRequest:
    return PermissionRequest(
        "tcp",
        port,
        port if to_port is None else to_port,
        ip_ranges=(IpRangeRequest(cidr),) if cidr else (),
        group_pairs=(GroupPairRequest(group_id=group),) if group else (),
    )


@attrs.frozen
class World:
    ec2: Ec2Backend
    vpc_id: str
    db: str  # the database's security group
    app: str  # a client group in the same VPC

    def target(self, *groups: str, public: bool = False, **kw: Any) -> NetworkTarget:
        return NetworkTarget(
            host=HOST,
            port=5432,
            vpc_id=self.vpc_id,
            security_group_ids=groups or (self.db,),
            publicly_accessible=public,
            **kw,
        )

    def allow(self, group: str, *perms: PermissionRequest) -> None:
        self.ec2.authorize(group, "ingress", perms)


def world() -> World:
    ec2 = Account().ec2
    vpc = ec2.create_vpc("10.0.0.0/16")
    db = ec2.create_security_group("db", "database", vpc_id=vpc.vpc_id).group_id
    app = ec2.create_security_group("app", "application", vpc_id=vpc.vpc_id).group_id
    return World(ec2, vpc.vpc_id, db, app)


def go(
    w: World, client_ip: str, target: NetworkTarget | None = None, port: int = 5432, **kw: Any
) -> Reachability:
    return reach(w.ec2, client_ip=client_ip, target=target or w.target(), port=port, **kw)


# ---------------------------------------------------------------------- the stages ---


def test_no_rule_means_no_entry() -> None:
    w = world()
    result = go(w, "10.0.1.5")
    assert not result.reachable
    assert (result.stage, result.failure, result.route) == ("security-group", "timeout", "private")
    assert result.reason == f"no inbound rule of {w.db} allows tcp/5432 from 10.0.1.5"
    assert result.matched is None


def test_a_cidr_rule_lets_a_vpc_client_in() -> None:
    w = world()
    w.allow(w.db, tcp(5432, "10.0.1.0/24"))
    result = go(w, "10.0.1.5")
    assert result.reachable
    assert result.stage is None
    assert result.failure is None
    assert result.route == "private"
    assert result.matched is not None
    assert result.matched.group_id == w.db
    assert result.matched.permission.cidrs == (ipaddress.IPv4Network("10.0.1.0/24"),)
    assert (
        result.reason
        == f"{w.db}: tcp port 5432 from 10.0.1.0/24 allows tcp/5432 from 10.0.1.5 (private route)"
    )
    assert not go(w, "10.0.2.5").reachable


def test_outside_clients_need_a_publicly_accessible_endpoint() -> None:
    w = world()
    w.allow(w.db, tcp(5432, "0.0.0.0/0"))
    hidden = go(w, "203.0.113.5")
    assert (hidden.reachable, hidden.stage, hidden.failure, hidden.route) == (
        False,
        "routing",
        "timeout",
        "public",
    )
    assert "not publicly accessible" in hidden.reason
    assert "10.0.0.0/16" in hidden.reason
    public = go(w, "203.0.113.5", w.target(public=True, public_ip="198.51.100.7"))
    assert public.reachable
    assert public.route == "public"
    assert public.address == "198.51.100.7"


def test_source_group_rules_match_members_on_private_addresses_only() -> None:
    w = world()
    w.allow(w.db, tcp(5432, group=w.app))
    inside = go(w, "10.0.3.3", client_groups=frozenset({w.app}))
    assert inside.reachable
    assert inside.matched is not None
    assert inside.matched.permission.source_group_ids == (w.app,)
    assert not go(w, "10.0.3.3").reachable  # not a member
    outside = go(w, "203.0.113.5", w.target(public=True), client_groups=frozenset({w.app}))
    assert (outside.reachable, outside.stage) == (False, "security-group")


def test_the_default_group_lets_its_own_members_in() -> None:
    w = world()
    default = w.ec2.default_security_group(w.vpc_id).group_id
    target = w.target(default)
    assert go(w, "10.0.9.9", target, client_groups=frozenset({default})).reachable
    assert not go(w, "10.0.9.9", target).reachable


def test_a_wrong_port_is_refused_only_when_groups_let_it_through() -> None:
    w = world()
    w.allow(w.db, tcp(5000, "10.0.0.0/16", to_port=6000))
    refused = go(w, "10.0.1.5", port=5433)
    assert (refused.reachable, refused.stage, refused.failure) == (False, "listener", "refused")
    assert refused.matched is not None
    assert "listens on 5432" in refused.reason
    dropped = go(w, "10.0.1.5", port=7000)
    assert (dropped.stage, dropped.failure) == ("security-group", "timeout")


def test_all_traffic_rules_and_other_protocols() -> None:
    w = world()
    w.ec2.authorize(
        w.db,
        "ingress",
        [PermissionRequest("udp", 5432, 5432, ip_ranges=(IpRangeRequest("10.0.0.0/16"),))],
    )
    assert not go(w, "10.0.1.5").reachable  # udp is not tcp
    w.ec2.authorize(
        w.db, "ingress", [PermissionRequest("-1", ip_ranges=(IpRangeRequest("10.0.1.0/24"),))]
    )
    assert go(w, "10.0.1.5").reachable


def test_without_groups_nothing_gets_in() -> None:
    w = world()
    target = NetworkTarget(host=HOST, port=5432, vpc_id=w.vpc_id)
    result = go(w, "10.0.1.5", target)
    assert result.stage == "security-group"
    assert (
        result.reason
        == f"no security group is attached to {HOST}, so all inbound traffic is denied"
    )


def test_client_groups_must_let_the_traffic_out() -> None:
    w = world()
    w.allow(w.db, tcp(5432, group=w.app))
    members = frozenset({w.app})
    assert go(w, "10.0.3.3", client_groups=members).reachable  # default egress: all to 0.0.0.0/0
    (everything,) = w.ec2.security_groups[w.app].rules("egress")
    w.ec2.revoke(w.app, "egress", rule_ids=[everything.rule_id])
    blocked = go(w, "10.0.3.3", client_groups=members)
    assert (blocked.stage, blocked.failure) == ("security-group", "timeout")
    assert blocked.reason.startswith(f"no outbound rule of {w.app} allows tcp/5432 to {HOST}")
    w.ec2.authorize(w.app, "egress", [tcp(5432, group=w.db)])
    assert go(w, "10.0.3.3", client_groups=members).reachable
    # A CIDR egress rule needs a known address, or must cover the whole VPC.
    w.ec2.revoke(w.app, "egress", [tcp(5432, group=w.db)])
    w.ec2.authorize(w.app, "egress", [tcp(5432, "10.0.4.0/24")])
    assert not go(w, "10.0.3.3", client_groups=members).reachable
    assert go(w, "10.0.3.3", w.target(private_ip="10.0.4.20"), client_groups=members).reachable


def test_unknown_vpc() -> None:
    w = world()
    target = NetworkTarget(
        host=HOST, port=5432, vpc_id="vpc-0123456789abcdef0", security_group_ids=(w.db,)
    )
    result = go(w, "10.0.1.5", target)
    assert (result.stage, result.failure) == ("routing", "timeout")


def test_bad_inputs_are_value_errors() -> None:
    w = world()
    with pytest.raises(ValueError, match="not a TCP port"):
        go(w, "10.0.1.5", port=70000)
    with pytest.raises(ValueError, match="client_ip is not an IPv4 address"):
        go(w, "10.0.1.500")
    with pytest.raises(ValueError, match="not a TCP port"):
        NetworkTarget(host=HOST, port=-1, vpc_id=w.vpc_id)


# ------------------------------------------------------------------------ firewall ---


def test_the_firewall_comes_first() -> None:
    w = world()
    w.allow(w.db, tcp(5432, "0.0.0.0/0"))
    target = w.target(public=True, public_ip="198.51.100.7")
    denied = go(w, "203.0.113.5", target, firewall=Firewall.deny_all())
    assert (denied.reachable, denied.stage, denied.failure) == (False, "firewall", "timeout")
    assert denied.reason.endswith("its default action (deny)")
    assert go(w, "203.0.113.5", target, firewall=Firewall.allow_all()).reachable
    # The firewall is checked even when later stages would fail too.
    assert go(w, "203.0.113.5", w.target(), firewall=Firewall.deny_all()).stage == "firewall"


def test_firewall_rules_first_match_wins() -> None:
    w = world()
    w.allow(w.db, tcp(5432, "0.0.0.0/0"))
    target = w.target(public=True, public_ip="198.51.100.7")
    fw = Firewall(
        (
            FirewallRule.deny("*.rds.amazonaws.com", 5432, "no databases"),
            FirewallRule.allow("198.51.100.0/24"),
        ),
        default="deny",
    )
    result = go(w, "203.0.113.5", target, firewall=fw)
    assert result.stage == "firewall"
    assert result.firewall_rule == fw.rules[0]
    assert "deny tcp port 5432 to *.rds.amazonaws.com" in result.reason
    reordered = Firewall((fw.rules[1], fw.rules[0]), default="deny")
    assert go(w, "203.0.113.5", target, firewall=reordered).reachable
    # A CIDR rule cannot match an address nobody knows.
    unknown_address = w.target(public=True)
    assert (
        go(
            w, "203.0.113.5", unknown_address, firewall=Firewall((FirewallRule.allow("0.0.0.0/0"),))
        ).stage
        == "firewall"
    )


def test_firewall_rule_validation() -> None:
    assert FirewallRule.allow("10.1.2.3/8").destination == "10.0.0.0/8"
    assert FirewallRule.allow("*.Example.COM").destination == "*.example.com"
    with pytest.raises(ValueError, match="both from_port and to_port"):
        FirewallRule("allow", "0.0.0.0/0", 10, None)
    with pytest.raises(ValueError, match="greater than"):
        FirewallRule("allow", "0.0.0.0/0", 10, 5)
    with pytest.raises(ValueError, match="'action' must be in"):
        FirewallRule("permit")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="neither a CIDR block nor a host pattern"):
        FirewallRule.allow("bad host")
    assert (
        str(FirewallRule("deny", "10.0.0.0/8", 1, 1024, "-1"))
        == "deny all protocols ports 1-1024 to 10.0.0.0/8"
    )


# ---------------------------------------------------------------------- properties ---

octet = st.integers(0, 255)
client_ips = st.builds(
    lambda b, c, d: f"10.{b}.{c}.{d}", st.sampled_from([0, 1]), octet, octet
) | st.builds(lambda c, d: f"203.0.{c}.{d}", st.integers(113, 114), octet)
prefixes = st.integers(0, 32)


@st.composite
def rules(draw: st.DrawFn, groups: tuple[str, ...]) -> PermissionRequest:
    low = draw(st.integers(5400, 5460))
    high = draw(st.integers(low, 5470))
    protocol = draw(st.sampled_from(["tcp", "tcp", "-1", "udp"]))
    if draw(st.booleans()) and groups:
        source: dict[str, Any] = {
            "group_pairs": (GroupPairRequest(group_id=draw(st.sampled_from(groups))),)
        }
    else:
        net = ipaddress.IPv4Network(f"{draw(client_ips)}/{draw(prefixes)}", strict=False)
        source = {"ip_ranges": (IpRangeRequest(str(net)),)}
    if protocol == "-1":
        return PermissionRequest("-1", **source)
    return PermissionRequest(protocol, low, high, **source)


def add(ec2: Ec2Backend, group: str, perm: PermissionRequest) -> None:
    code = None
    try:
        ec2.authorize(group, "ingress", [perm])
    except AwsError as err:
        code = err.code
    assert code in (None, "InvalidPermission.Duplicate")


@settings(max_examples=150, deadline=None)
@given(st.data(), client_ips, st.integers(5400, 5470), st.booleans())
def test_adding_an_allow_rule_never_cuts_anyone_off(
    data: st.DataObject, ip: str, port: int, public: bool
) -> None:
    w = world()
    members = frozenset(data.draw(st.sets(st.sampled_from([w.app, w.db]))))
    for perm in data.draw(st.lists(rules((w.app, w.db)), max_size=4)):
        add(w.ec2, w.db, perm)
    target = attrs.evolve(w.target(public=public), port=port)
    before = reach(w.ec2, client_ip=ip, client_groups=members, target=target, port=port)
    add(w.ec2, w.db, data.draw(rules((w.app, w.db))))
    after = reach(w.ec2, client_ip=ip, client_groups=members, target=target, port=port)
    if before.reachable:
        assert after.reachable
    assert (
        can_reach(w.ec2, client_ip=ip, client_groups=members, target=target, port=port)
        == after.reachable
    )


@settings(max_examples=150, deadline=None)
@given(st.data(), client_ips, st.integers(5400, 5470), st.booleans())
def test_several_groups_act_as_the_union_of_their_rules(
    data: st.DataObject, ip: str, port: int, public: bool
) -> None:
    w = world()
    members = frozenset(data.draw(st.sets(st.sampled_from([w.app]))))
    for group in (w.db, w.app):
        for perm in data.draw(st.lists(rules((w.app,)), max_size=3)):
            add(w.ec2, group, perm)

    def ok(*groups: str) -> bool:
        target = attrs.evolve(w.target(*groups, public=public), port=port)
        return can_reach(w.ec2, client_ip=ip, client_groups=members, target=target, port=port)

    assert ok(w.db, w.app) == (ok(w.db) or ok(w.app))
    assert ok(w.db, w.app) == ok(w.app, w.db)


firewall_rules = st.builds(
    FirewallRule,
    st.sampled_from(["allow", "deny"]),
    st.sampled_from(
        ["0.0.0.0/0", "198.51.100.0/24", "10.0.0.0/8", "*.rds.amazonaws.com", "*.example.com"]
    ),
    st.none(),
    st.none(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(firewall_rules, max_size=5), st.sampled_from(["allow", "deny"]))
def test_the_firewall_is_first_match_wins(rules_: list[FirewallRule], default: str) -> None:
    fw = Firewall(tuple(rules_), default)  # type: ignore[arg-type]
    allowed, rule = fw.decide(HOST, "198.51.100.7", 5432)
    first = next((r for r in rules_ if r.matches(HOST, "198.51.100.7", 5432)), None)
    assert rule == first
    assert allowed == ((first.action if first is not None else default) == "allow")
