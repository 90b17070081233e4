"""Resource bounds: AWS's quotas where it has them, and big inputs that stay cheap and exact.

* Security groups: 60 inbound rules per group by default, counted per address family (a rule
  naming a group counts in both), RulesPerSecurityGroupLimitExceeded past it (the text AWS
  users report: aws-samples/aws-cloudfront-samples#39 and #53, dan-v/awslambdaproxy#25); the
  quota may be raised while rules x groups per interface stays at most 1,000 (VPC quotas).
  A cluster behind 5 groups of 200 rules (1,000 rules) still answers each connection.
* A 10,000-statement script runs as one implicit transaction: every statement's result, and
  one failing statement at the end leaves nothing behind.
* Statements at and over PostgreSQL's limits (63-byte names, int4 connection limits, a
  100 kB password, unit parameters, 1,000-role lists) are in the conformance corpus (case
  ``limits``), compared with the real servers.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

import aurora_sec
from aurora_sec.aws.quotas import Quotas
from aurora_sec.errors import AwsError, ConnectionFailed, PostgresError
from aurora_sec.testing.clusters import make_cluster


def _group(acct: aurora_sec.Account, name: str = "db") -> str:
    ec2 = acct.client("ec2")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    group_id: str = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)[
        "GroupId"
    ]
    return group_id


def _ipv4(cidrs: list[str]) -> list[dict[str, Any]]:
    ranges = [{"CidrIp": c} for c in cidrs]
    return [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": ranges}]


def test_the_61st_inbound_rule_is_refused_and_changes_nothing() -> None:
    acct = aurora_sec.Account(seed=1)
    ec2 = acct.client("ec2")
    sg = _group(acct)
    ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=_ipv4([f"10.0.{i}.0/24" for i in range(60)])
    )
    before = acct.snapshot()
    with pytest.raises(AwsError) as refused:
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=_ipv4(["10.1.0.0/24"]))
    assert refused.value.code == "RulesPerSecurityGroupLimitExceeded"
    assert refused.value.message == (
        "The maximum number of rules per security group has been reached."
    )
    assert refused.value.http_status == 400
    assert acct.snapshot() == before


def test_one_call_over_the_quota_adds_none_of_its_rules() -> None:
    acct = aurora_sec.Account(seed=1)
    ec2 = acct.client("ec2")
    sg = _group(acct)
    before = acct.snapshot()
    with pytest.raises(AwsError, match="RulesPerSecurityGroupLimitExceeded"):
        ec2.authorize_security_group_ingress(
            GroupId=sg, IpPermissions=_ipv4([f"10.0.{i}.0/24" for i in range(61)])
        )
    assert acct.snapshot() == before


def test_families_are_counted_apart_and_group_references_count_in_both() -> None:
    acct = aurora_sec.Account(seed=1)
    ec2 = acct.client("ec2")
    sg, other = _group(acct, "db"), _group(acct, "app")
    ipv6 = [{"CidrIpv6": f"2001:db8:{i:x}::/48"} for i in range(59)]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            *_ipv4([f"10.0.{i}.0/24" for i in range(59)]),
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": ipv6},
        ],
    )
    # 59 + 59: one group reference brings both families to 60 ...
    pair = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{**pair, "UserIdGroupPairs": [{"GroupId": other}]}]
    )
    # ... so neither an IPv4 nor an IPv6 range fits any more
    with pytest.raises(AwsError, match="RulesPerSecurityGroupLimitExceeded"):
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=_ipv4(["10.9.0.0/24"]))
    with pytest.raises(AwsError, match="RulesPerSecurityGroupLimitExceeded"):
        ec2.authorize_security_group_ingress(
            GroupId=sg,
            IpPermissions=[{**pair, "Ipv6Ranges": [{"CidrIpv6": "2001:db8:ffff::/48"}]}],
        )
    # outbound rules have their own 60 (the default egress rule is one of them)
    ec2.authorize_security_group_egress(
        GroupId=sg, IpPermissions=_ipv4([f"10.8.{i}.0/24" for i in range(59)])
    )
    with pytest.raises(AwsError, match="RulesPerSecurityGroupLimitExceeded"):
        ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=_ipv4(["10.9.0.0/24"]))


def test_quotas_keep_rules_times_groups_at_most_1000() -> None:
    assert Quotas().rules_per_security_group == 60
    assert Quotas().security_groups_per_network_interface == 5
    Quotas(rules_per_security_group=200, security_groups_per_network_interface=5)
    with pytest.raises(ValueError, match="at most 1000"):
        Quotas(rules_per_security_group=201, security_groups_per_network_interface=5)
    with pytest.raises(ValueError, match="positive integer"):
        Quotas(rules_per_security_group=0)


def test_a_cluster_behind_1000_rules_answers_each_client_exactly() -> None:
    quotas = Quotas(rules_per_security_group=200, security_groups_per_network_interface=5)
    acct = aurora_sec.Account(seed=2, quotas=quotas)
    handle = make_cluster(
        acct,
        engine_version="15.4",
        parameters={},
        security_group_cidrs=[],
        instance_class="db.r6g.large",
        identifier="big",
    )
    ec2, rds = acct.client("ec2"), acct.client("rds")
    groups = [_group(acct, f"g{g}") for g in range(5)]
    for g, group_id in enumerate(groups):
        ec2.authorize_security_group_ingress(
            GroupId=group_id, IpPermissions=_ipv4([f"10.{g}.{i}.0/24" for i in range(200)])
        )
    rds.modify_db_cluster(
        DBClusterIdentifier="big", VpcSecurityGroupIds=groups, ApplyImmediately=True
    )
    endpoint = handle.endpoint
    dsn = f"host={endpoint} user=postgres password={handle.master_password} sslmode=require"
    # the last rule of the last group lets its client in ...
    connection = aurora_sec.Client(acct, ip="10.4.199.7").connect(dsn)
    assert connection.execute("SELECT current_user").rows == (("postgres",),)
    trace = acct.reachability("10.4.199.7", endpoint, 5432)
    assert trace.reachable
    assert trace.matched is not None and trace.matched.group_id == groups[4]
    # ... and a client none of the 1,000 rules names times out as dropped packets do
    with pytest.raises(ConnectionFailed, match="timeout expired"):
        aurora_sec.Client(acct, ip="192.0.2.1").connect(dsn + " connect_timeout=2")


def test_a_10000_statement_script_is_one_transaction() -> None:
    acct = aurora_sec.Account(seed=3)
    make_cluster(
        acct,
        engine_version="15.4",
        parameters={},
        security_group_cidrs=[],
        instance_class="db.r6g.large",
        identifier="bulk",
    )
    session = acct.session("bulk")
    script = "\n".join(f"CREATE ROLE u{i} LOGIN; GRANT rds_password TO u{i};" for i in range(5000))
    before = acct.snapshot()
    tracemalloc.start()
    try:
        with pytest.raises(PostgresError) as failed:
            session.execute(script + "\nCREATE ROLE u17;")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failed.value.sqlstate == "42710"
    assert acct.snapshot() == before  # the 10,000 statements before it are rolled back
    assert session.catalog.get("u17") is None
    assert peak < 64 * 1024 * 1024, peak
    result = session.execute(script)
    assert len(result.results) == 10_000
    assert [r.tag for r in result.results[:2]] == ["CREATE ROLE", "GRANT ROLE"]
    member = session.execute("SELECT pg_has_role('u4999', 'rds_password', 'MEMBER')")
    assert member.rows == (("t",),)
