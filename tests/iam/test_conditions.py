"""Condition operators, one row per documented behaviour.

Each row: (operator, key, policy value(s), request context, expected). Sources: IAM User Guide,
"IAM JSON policy elements: Condition operators", "Single-valued vs. multivalued context keys",
"Set operators for multivalued context keys", "IAM policy elements: Variables and tags".
"""

from __future__ import annotations

from typing import Any

import pytest

from aurora_sec.aws.iam.conditions import OPERATORS, compile_clause, parse_date, split_operator

from .helpers import ctx

# (operator, key, policy values, context, expected)
ROWS: list[tuple[str, str, Any, dict[str, Any], bool]] = [
    # String operators: exact and case-sensitive; IgnoreCase; Like with * and ?
    (
        "StringEquals",
        "aws:PrincipalTag/job-category",
        "iamuser-admin",
        {"aws:PrincipalTag/job-category": "iamuser-admin"},
        True,
    ),
    (
        "StringEquals",
        "aws:PrincipalTag/job-category",
        "iamuser-admin",
        {"aws:PrincipalTag/job-category": "IAMUser-Admin"},
        False,
    ),
    (
        "StringEqualsIgnoreCase",
        "aws:PrincipalTag/job-category",
        "iamuser-admin",
        {"aws:PrincipalTag/job-category": "IAMUser-Admin"},
        True,
    ),
    (
        "StringNotEquals",
        "aws:RequestedRegion",
        ["us-east-1", "us-west-2"],
        {"aws:RequestedRegion": "eu-west-1"},
        True,
    ),
    (
        "StringNotEquals",
        "aws:RequestedRegion",
        ["us-east-1", "us-west-2"],
        {"aws:RequestedRegion": "us-west-2"},
        False,
    ),
    ("StringNotEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "alice"}, False),
    ("StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/alice/notes"}, True),
    ("StringLike", "s3:prefix", "home/?", {"s3:prefix": "home/ab"}, False),
    ("StringLike", "s3:prefix", "home/??", {"s3:prefix": "home/ab"}, True),
    ("StringLike", "s3:prefix", "Home/*", {"s3:prefix": "home/x"}, False),
    ("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": "tmp/x"}, True),
    ("StringEquals", "s3:prefix", "a*b", {"s3:prefix": "axxb"}, False),  # no wildcards in Equals
    # the condition KEY is case-insensitive
    ("StringEquals", "AWS:SOURCEVPC", "vpc-1", {"aws:SourceVpc": "vpc-1"}, True),
    # multiple values for one key are ORed
    (
        "StringEquals",
        "aws:PrincipalTag/department",
        ["finance", "hr", "legal"],
        {"aws:PrincipalTag/department": "hr"},
        True,
    ),
    # a missing key: false, except for negated operators and ...IfExists
    ("StringEquals", "aws:SourceVpc", "vpc-1", {}, False),
    ("StringNotEquals", "aws:SourceVpc", "vpc-1", {}, True),
    ("StringNotLike", "aws:SourceVpc", "vpc-*", {}, True),
    ("StringEqualsIfExists", "ec2:InstanceType", ["t1.*", "t2.*"], {}, True),
    (
        "StringLikeIfExists",
        "ec2:InstanceType",
        ["t1.*", "t2.*"],
        {"ec2:InstanceType": "m5.large"},
        False,
    ),
    (
        "StringLikeIfExists",
        "ec2:InstanceType",
        ["t1.*", "t2.*"],
        {"ec2:InstanceType": "t2.micro"},
        True,
    ),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {}, True),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", {}, True),
    ("NumericLessThan", "s3:max-keys", "10", {}, False),
    ("Bool", "aws:SecureTransport", "true", {}, False),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", {}, False),
    # Numeric
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": "10"}, True),
    ("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "10"}, False),
    (
        "NumericGreaterThan",
        "aws:MultiFactorAuthAge",
        "3600",
        {"aws:MultiFactorAuthAge": "3601"},
        True,
    ),
    (
        "NumericGreaterThanEquals",
        "aws:MultiFactorAuthAge",
        "3600",
        {"aws:MultiFactorAuthAge": "3600"},
        True,
    ),
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "10.0"}, True),
    ("NumericNotEquals", "s3:max-keys", "10", {"s3:max-keys": "11"}, True),
    ("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "ten"}, False),
    ("NumericEquals", "s3:max-keys", "ten", {"s3:max-keys": "10"}, False),
    # Date: ISO 8601 and epoch seconds
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        "2020-04-01T00:00:00Z",
        {"aws:CurrentTime": "2020-06-30T00:00:00Z"},
        True,
    ),
    (
        "DateLessThan",
        "aws:CurrentTime",
        "2020-06-30T00:00:00Z",
        {"aws:CurrentTime": "2020-06-30T00:00:01Z"},
        False,
    ),
    (
        "DateLessThanEquals",
        "aws:CurrentTime",
        "2020-06-30T00:00:00Z",
        {"aws:CurrentTime": "2020-06-30T00:00:00Z"},
        True,
    ),
    (
        "DateEquals",
        "aws:CurrentTime",
        "1593475200",
        {"aws:CurrentTime": "2020-06-30T00:00:00Z"},
        True,
    ),
    (
        "DateNotEquals",
        "aws:CurrentTime",
        "2020-06-30",
        {"aws:CurrentTime": "2020-06-30T00:00:00Z"},
        False,
    ),
    (
        "DateGreaterThanEquals",
        "aws:EpochTime",
        "2020-01-01T00:00:00+01:00",
        {"aws:EpochTime": "1577833200"},
        True,
    ),
    # Bool: true/false, case-insensitive; a JSON boolean works too
    ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "true"}, True),
    ("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": "true"}, False),
    ("Bool", "aws:SecureTransport", True, {"aws:SecureTransport": "TRUE"}, True),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {}, True),
    (
        "BoolIfExists",
        "aws:MultiFactorAuthPresent",
        "false",
        {"aws:MultiFactorAuthPresent": "true"},
        False,
    ),
    # BinaryEquals: base64
    (
        "BinaryEquals",
        "key",
        "QmluYXJ5VmFsdWVJbkJhc2U2NA==",
        {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
        True,
    ),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": "b3RoZXI="}, False),
    # IP addresses: CIDR, IPv4 and IPv6
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"}, True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, False),
    (
        "IpAddress",
        "aws:SourceIp",
        ["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
        True,
    ),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", {"aws:SourceIp": "203.0.113.7"}, True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.9"}, False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "not-an-ip"}, False),
    # ARN operators: six components, each with wildcards; ArnEquals == ArnLike
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:*",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"},
        True,
    ),
    (
        "ArnEquals",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:*",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"},
        True,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:*",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:210987654321:topic"},
        False,
    ),
    (
        "ArnLike",
        "aws:PrincipalArn",
        "arn:aws:iam::*:role/admin-*",
        {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin-db"},
        True,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:rds:us-east-1:123456789012:cluster:*",
        {"aws:SourceArn": "arn:aws:rds:us-east-1:123456789012:cluster:prod"},
        True,
    ),
    (
        "ArnNotEquals",
        "aws:SourceArn",
        "arn:aws:sns:us-east-1:123456789012:topic",
        {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"},
        False,
    ),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:*", {"aws:SourceArn": "not:an:arn"}, False),
    # Null: true = the key is absent; false = it is present
    ("Null", "aws:TokenIssueTime", "true", {}, True),
    ("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, False),
    ("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, True),
    ("Null", "aws:RequestTag/env", False, {}, False),
    # ForAllValues: every request value matches; an absent key or empty set is true
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ["environment", "cost-center"],
        {"aws:TagKeys": ["environment", "cost-center"]},
        True,
    ),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ["environment", "cost-center"],
        {"aws:TagKeys": ["environment"]},
        True,
    ),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ["environment", "cost-center"],
        {"aws:TagKeys": ["environment", "cost-center", "owner"]},
        False,
    ),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment", "cost-center"], {}, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["environment"], {"aws:TagKeys": []}, True),
    ("ForAllValues:StringLike", "aws:TagKeys", ["key1*"], {"aws:TagKeys": ["key1", "key10"]}, True),
    # ForAnyValue: at least one request value matches; an absent key is false
    (
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        ["environment", "cost-center"],
        {"aws:TagKeys": ["environment", "owner"]},
        True,
    ),
    (
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        ["environment", "cost-center"],
        {"aws:TagKeys": ["owner"]},
        False,
    ),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["environment"], {}, False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["environment"], {"aws:TagKeys": []}, False),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["environment"], {}, True),
    # set operators with negated operators: a value matches when it equals no policy value
    (
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        ["owner"],
        {"aws:TagKeys": ["env", "team"]},
        True,
    ),
    (
        "ForAllValues:StringNotEquals",
        "aws:TagKeys",
        ["owner"],
        {"aws:TagKeys": ["env", "owner"]},
        False,
    ),
    (
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        ["owner"],
        {"aws:TagKeys": ["env", "owner"]},
        True,
    ),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["owner"], {"aws:TagKeys": ["owner"]}, False),
]


@pytest.mark.parametrize(("operator", "key", "values", "context", "expected"), ROWS)
def test_condition_operator(
    operator: str, key: str, values: Any, context: dict[str, Any], expected: bool
) -> None:
    clause = compile_clause(operator, key, values, variables=True)
    assert clause.evaluate(ctx(context)) is expected


VARIABLE_ROWS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("home/${aws:username}/*", "home/alice/x", {"aws:username": "alice"}, True),
    ("home/${aws:username}/*", "home/bob/x", {"aws:username": "alice"}, False),
    ("home/${aws:username}/*", "home/alice/x", {}, False),  # no value, no default
    ("home/${aws:username, 'nobody'}/*", "home/nobody/x", {}, True),
    ("home/${AWS:UserName}/*", "home/alice/x", {"aws:username": "alice"}, True),
    ("a${*}b", "a*b", {}, True),  # ${*}: a literal *
    ("a${*}b", "axxb", {}, False),
    ("a${?}b", "a?b", {}, True),
    ("price${$}", "price$", {}, True),
    ("team-${aws:PrincipalTag/team}-*", "team-blue-1", {"aws:PrincipalTag/team": "blue"}, True),
    ("x/${aws:username}", "x/a*", {"aws:username": "a*"}, True),  # the value is literal
    ("x/${aws:username}", "x/ab", {"aws:username": "a*"}, False),
]


@pytest.mark.parametrize(("pattern", "value", "context", "expected"), VARIABLE_ROWS)
def test_policy_variables_in_string_like(
    pattern: str, value: str, context: dict[str, Any], expected: bool
) -> None:
    clause = compile_clause("StringLike", "s3:prefix", pattern, variables=True)
    full = {**context, "s3:prefix": value}
    assert clause.evaluate(ctx(full)) is expected


def test_variables_only_in_2012_policies() -> None:
    clause = compile_clause("StringEquals", "s3:prefix", "${aws:username}", variables=False)
    assert clause.evaluate(ctx({"s3:prefix": "${aws:username}", "aws:username": "alice"}))


def test_the_operator_table_is_complete() -> None:
    expected = {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
    assert set(OPERATORS) == expected
    negated = {n for n, spec in OPERATORS.items() if spec.negated}
    assert negated == {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }


def test_split_operator() -> None:
    assert split_operator("ForAnyValue:StringLikeIfExists") == ("ForAnyValue", "StringLike", True)
    assert split_operator("ForAllValues:StringEquals") == ("ForAllValues", "StringEquals", False)
    assert split_operator("Bool") == (None, "Bool", False)


def test_parse_date() -> None:
    assert parse_date("1970-01-01T00:00:00Z") == 0
    assert parse_date("86400") == 86400
    assert parse_date("2020-06-30") == parse_date("2020-06-30T00:00:00Z")
    assert parse_date("not a date") is None
    assert parse_date("") is None
