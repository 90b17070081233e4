"""Policy evaluation, table-driven from AWS's documented examples.

Sources (IAM User Guide unless noted): "Policy evaluation logic" and "Determining whether a
request is allowed or denied within an account"; "The difference between explicit and implicit
denies"; "Permissions boundaries for IAM entities" (effective permissions); "IAM JSON policy
elements: NotAction" / "NotResource" / "Action" / "Resource"; Amazon RDS User Guide,
"Identity-based policy examples for Amazon RDS" (engine/class conditions, tag conditions,
"prevent a user from deleting a DB instance").
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import ctx, decide, doc, policies, stmt

ACCT = "123456789012"
DB = f"arn:aws:rds:us-west-2:{ACCT}:db:my-mysql-instance"


def test_implicit_deny_without_any_policy() -> None:
    d = decide(policies(), "rds:DescribeDBInstances", DB)
    assert (d.decision, d.denied_by, d.matched) == ("implicitDeny", "identity", ())


def test_allow_statement_allows() -> None:
    d = decide(
        policies(doc(stmt("Allow", "rds:DescribeDBInstances", "*"))), "rds:DescribeDBInstances", DB
    )
    assert d.allowed and len(d.matched) == 1


def test_deny_trumps_allow() -> None:
    # "If policies that apply to a request include an Allow statement and a Deny statement, the
    # Deny statement trumps the Allow statement." (explicit vs implicit denies)
    # RDS: "Prevent a user from deleting a DB instance"
    ps = policies(
        doc(stmt("Allow", "rds:*", "*")),
        doc(stmt("Deny", "rds:DeleteDBInstance", DB)),
    )
    assert decide(ps, "rds:DeleteDBInstance", DB).decision == "explicitDeny"
    assert decide(ps, "rds:DeleteDBInstance", DB.replace("my-mysql", "other")).allowed
    assert decide(ps, "rds:RebootDBInstance", DB).allowed


def test_an_allow_whose_condition_fails_is_not_a_deny() -> None:
    ps = policies(
        doc(stmt("Allow", "rds:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
        doc(stmt("Allow", "rds:*", "*")),
    )
    assert decide(ps, "rds:DescribeDBClusters", "*", ctx({"aws:SecureTransport": "true"})).allowed


def test_a_deny_whose_condition_fails_does_not_apply() -> None:
    ps = policies(
        doc(
            stmt("Allow", "rds:*", "*"),
            stmt("Deny", "rds:*", "*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        )
    )
    assert decide(ps, "rds:DescribeDBClusters", "*", ctx({"aws:SourceIp": "198.51.100.1"})).allowed
    assert (
        decide(ps, "rds:DescribeDBClusters", "*", ctx({"aws:SourceIp": "203.0.113.1"})).decision
        == "explicitDeny"
    )


ACTION_ROWS: list[tuple[Any, str, bool]] = [
    ("rds:DescribeDBInstances", "rds:DescribeDBInstances", True),
    ("rds:describedbinstances", "rds:DescribeDBInstances", True),  # actions: case-insensitive
    ("RDS:Describe*", "rds:DescribeDBClusters", True),
    ("rds:Describe*", "rds:CreateDBCluster", False),
    ("rds:*Cluster", "rds:RebootDBCluster", True),
    ("rds:Reboot?BCluster", "rds:RebootDBCluster", True),
    ("rds:Reboot?Cluster", "rds:RebootDBCluster", False),
    ("*", "iam:CreateUser", True),
    ("rds:*", "rds-db:connect", False),
    (["ec2:*", "rds:Create*"], "rds:CreateDBClusterParameterGroup", True),
]


@pytest.mark.parametrize(("action", "requested", "allowed"), ACTION_ROWS)
def test_action_matching(action: Any, requested: str, allowed: bool) -> None:
    assert decide(policies(doc(stmt("Allow", action, "*"))), requested, DB).allowed is allowed


RESOURCE_ROWS: list[tuple[Any, str, bool]] = [
    (f"arn:aws:rds:us-west-2:{ACCT}:db:my-mysql-instance", DB, True),
    (f"arn:aws:rds:us-west-2:{ACCT}:db:MY-MYSQL-INSTANCE", DB, False),  # resources: case-sensitive
    (f"arn:aws:rds:*:{ACCT}:db:*", DB, True),
    (f"arn:aws:rds:*:{ACCT}:db:my-????l-instance", DB, True),
    (f"arn:aws:rds:*:{ACCT}:cluster:*", DB, False),
    ("arn:aws:rds:*", DB, True),
    ("*", DB, True),
]


@pytest.mark.parametrize(("resource", "requested", "allowed"), RESOURCE_ROWS)
def test_resource_matching(resource: Any, requested: str, allowed: bool) -> None:
    assert (
        decide(
            policies(doc(stmt("Allow", "rds:*", resource))), "rds:DeleteDBInstance", requested
        ).allowed
        is allowed
    )


def test_not_action_with_allow_allows_everything_else() -> None:
    # NotAction docs: {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    ps = policies(doc(stmt("Allow", None, "*", NotAction="iam:*")))
    assert decide(ps, "rds:CreateDBCluster", "*").allowed
    assert not decide(ps, "iam:CreateUser", "*").allowed


def test_not_action_with_deny_and_mfa_condition() -> None:
    # NotAction docs: deny everything but the listed IAM actions when MFA is absent
    ps = policies(
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                None,
                "*",
                NotAction=["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser"],
                Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            ),
        )
    )
    assert decide(ps, "rds:CreateDBCluster", "*").decision == "explicitDeny"
    assert decide(ps, "iam:GetUser", "*").allowed
    assert decide(
        ps, "rds:CreateDBCluster", "*", ctx({"aws:MultiFactorAuthPresent": "true"})
    ).allowed


def test_not_resource_with_deny() -> None:
    # NotResource docs: deny s3:* on everything except the Payroll folder
    ps = policies(
        doc(
            stmt("Allow", "s3:*", "*"),
            stmt(
                "Deny",
                "s3:*",
                None,
                NotResource=["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            ),
        )
    )
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv").allowed
    assert decide(ps, "s3:GetObject", "arn:aws:s3:::HRBucket/Other").decision == "explicitDeny"


def test_not_resource_with_allow() -> None:
    ps = policies(
        doc(stmt("Allow", "rds:*", None, NotResource=f"arn:aws:rds:*:{ACCT}:cluster:prod"))
    )
    assert decide(ps, "rds:RebootDBCluster", f"arn:aws:rds:us-east-1:{ACCT}:cluster:dev").allowed
    assert not decide(
        ps, "rds:RebootDBCluster", f"arn:aws:rds:us-east-1:{ACCT}:cluster:prod"
    ).allowed


def test_permissions_boundary_limits_effective_permissions() -> None:
    # Permissions boundaries docs: the boundary allows s3, cloudwatch and ec2; the identity
    # policy allows iam:CreateUser; the user cannot create users.
    boundary = doc(stmt("Allow", ["s3:*", "cloudwatch:*", "ec2:*"], "*"))
    ps = policies(doc(stmt("Allow", "iam:CreateUser", "*")), boundary=[boundary])
    d = decide(ps, "iam:CreateUser", "*")
    assert (d.decision, d.denied_by, d.allowed_by_boundary) == ("implicitDeny", "boundary", False)
    # both must allow
    ps = policies(doc(stmt("Allow", "ec2:*", "*")), boundary=[boundary])
    d = decide(ps, "ec2:DescribeVpcs", "*")
    assert d.allowed and d.allowed_by_boundary is True
    # the boundary alone grants nothing
    ps = policies(boundary=[boundary])
    assert decide(ps, "ec2:DescribeVpcs", "*").denied_by == "identity"


def test_deny_in_boundary_is_explicit() -> None:
    boundary = doc(stmt("Allow", "*", "*"), stmt("Deny", "rds:Delete*", "*"))
    ps = policies(doc(stmt("Allow", "rds:*", "*")), boundary=[boundary])
    d = decide(ps, "rds:DeleteDBCluster", "*")
    assert (d.decision, d.denied_by) == ("explicitDeny", "boundary")


def test_identity_deny_is_reported_before_boundary_deny() -> None:
    boundary = doc(stmt("Deny", "*", "*"))
    ps = policies(doc(stmt("Deny", "rds:*", "*")), boundary=[boundary])
    assert decide(ps, "rds:DeleteDBCluster", "*").denied_by == "identity"


def test_rds_engine_and_class_conditions() -> None:
    # RDS docs: allow CreateDBInstance only for a given engine and class, on named resources
    policy = doc(
        stmt(
            "Allow",
            "rds:CreateDBInstance",
            [
                f"arn:aws:rds:*:{ACCT}:db:test*",
                f"arn:aws:rds:*:{ACCT}:pg:default*",
                f"arn:aws:rds:*:{ACCT}:subgrp:default",
            ],
            Condition={
                "StringEquals": {
                    "rds:DatabaseEngine": "aurora-postgresql",
                    "rds:DatabaseClass": "db.r6g.large",
                }
            },
        )
    )
    ps = policies(policy)
    good = ctx({"rds:DatabaseEngine": "aurora-postgresql", "rds:DatabaseClass": "db.r6g.large"})
    bad = ctx({"rds:DatabaseEngine": "aurora-postgresql", "rds:DatabaseClass": "db.r6g.xlarge"})
    res = f"arn:aws:rds:us-east-1:{ACCT}:db:test1"
    assert decide(ps, "rds:CreateDBInstance", res, good).allowed
    assert not decide(ps, "rds:CreateDBInstance", res, bad).allowed
    assert not decide(ps, "rds:CreateDBInstance", res.replace("test1", "prod1"), good).allowed


def test_rds_tag_conditions() -> None:
    # RDS docs: actions on DB instances tagged stage=development or stage=test
    ps = policies(
        doc(
            stmt(
                "Allow",
                "rds:*",
                "*",
                Condition={"StringEquals": {"rds:db-tag/stage": ["development", "test"]}},
            )
        )
    )
    assert decide(ps, "rds:RebootDBInstance", DB, ctx({"rds:db-tag/stage": "test"})).allowed
    assert not decide(
        ps, "rds:RebootDBInstance", DB, ctx({"rds:db-tag/stage": "production"})
    ).allowed
    assert not decide(ps, "rds:RebootDBInstance", DB).allowed


def test_policy_variable_in_resource() -> None:
    # "Allow users to manage their own credentials": Resource arn:aws:iam::*:user/${aws:username}
    ps = policies(doc(stmt("Allow", "iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")))
    own = f"arn:aws:iam::{ACCT}:user/alice"
    other = f"arn:aws:iam::{ACCT}:user/bob"
    assert decide(ps, "iam:CreateAccessKey", own, ctx({"aws:username": "alice"})).allowed
    assert not decide(ps, "iam:CreateAccessKey", other, ctx({"aws:username": "alice"})).allowed


def test_matched_and_missing_context() -> None:
    ps = policies(
        doc(
            stmt(
                "Allow",
                "rds:*",
                "*",
                Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            ),
            stmt("Deny", "ec2:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        )
    )
    d = decide(ps, "rds:DescribeDBClusters", "*")
    assert d.decision == "implicitDeny"
    assert d.missing_context == ("aws:RequestedRegion",)
    d = decide(ps, "rds:DescribeDBClusters", "*", ctx({"aws:RequestedRegion": "us-east-1"}))
    assert d.allowed and d.missing_context == ()
    assert [m.statement.index for m in d.matched] == [0]
