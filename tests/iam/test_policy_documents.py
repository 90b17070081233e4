"""Policy documents: what IAM refuses (and with which message), what it accepts.

The invalid/valid tables restate what IAM answered to these documents as recorded against real
accounts by the getmoto/moto project (tests/test_iam/test_iam_policies.py) and in public issue
threads (see aurora_sec/aws/iam/policy.py for the sources).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aurora_sec.aws.iam.policy import parse_policy
from aurora_sec.errors import AwsError

V = "2012-10-17"
S3 = "arn:aws:s3:::example_bucket"


def _s(**kw: Any) -> dict[str, Any]:
    return {"Version": V, "Statement": kw}


INVALID: list[tuple[Any, str]] = [
    ("This is not a json document", "Syntax errors in policy."),
    ("null", "Syntax errors in policy."),
    (
        {"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3}},
        "Policy document must be version 2012-10-17 or greater.",
    ),
    (
        {
            "Version": "2008-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
        },
        "Policy document must be version 2012-10-17 or greater.",
    ),
    (
        {
            "Version": "2013-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
        },
        "Syntax errors in policy.",
    ),
    ({"Version": V}, "Syntax errors in policy."),
    ({"Version": V, "Statement": []}, "Syntax errors in policy."),
    ({"Version": V, "Statement": ["afd"]}, "Syntax errors in policy."),
    (
        {
            "Version": V,
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
            "Extra field": "value",
        },
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, **{"Extra field": "value"}),
        "Syntax errors in policy.",
    ),
    (
        {
            "Version": V,
            "Id": ["x"],
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
        },
        "Syntax errors in policy.",
    ),
    (_s(Effect="invalid", Action="s3:ListBucket", Resource=S3), "Syntax errors in policy."),
    (_s(Action="s3:ListBucket", Resource=S3), "Syntax errors in policy."),
    (_s(Effect="Allow", Action="s3:ListBucket", Resource={"a": S3}), "Syntax errors in policy."),
    (_s(Effect="Deny", Action="s3:ListBucket", Resource=["adfdf", {}]), "Syntax errors in policy."),
    (
        _s(Effect="Allow", NotAction="s3:ListBucket", Resource=S3, NotResource=[]),
        "Syntax errors in policy.",
    ),
    (_s(Effect="Deny", Action=[[]], Resource=S3), "Syntax errors in policy."),
    (
        _s(Effect="Allow", NotAction="s3s:ListBucket", Action=[], Resource=S3),
        "Syntax errors in policy.",
    ),
    (_s(Effect="Allow", Action={}, Resource=S3), "Syntax errors in policy."),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition=[]),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition="a"),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"a": "b"}),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"DateGreaterThan": "b"}),
        "Syntax errors in policy.",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateGreaterThan": {"a": {}}},
        ),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"x": {"a": "1"}}),
        "Syntax errors in policy.",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"ForAnyValue::StringEqualsIfExists": {"a": "asf"}},
        ),
        "Syntax errors in policy.",
    ),
    (_s(Sid={}, Effect="Allow", Action="s3:ListBucket", Resource=S3), "Syntax errors in policy."),
    (
        _s(Effect="Allow", NotAction="s3:ListBucket", Action="iam:dsf", Resource=S3),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, NotResource="*"),
        "Syntax errors in policy.",
    ),
    (
        _s(Effect="Allow", Action="invalid", Resource=S3),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        _s(Effect="Allow", NotAction="", Resource=S3),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (_s(Effect="Allow", Action="a a:ListBucket", Resource=S3), "Vendor a a is not valid"),
    (
        _s(Effect="Allow", Action="s3:List:Bucket", Resource=S3),
        "Actions/Condition can contain only one colon.",
    ),
    (
        {
            "Version": V,
            "Statement": [
                {"Effect": "Allow", "Action": "s3s:ListBucket", "Resource": S3},
                {"Effect": "Allow", "Action": "s:3s:ListBucket", "Resource": S3},
            ],
        },
        "Actions/Condition can contain only one colon.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="invalid resource"),
        'Resource invalid resource must be in ARN format or "*".',
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=""),
        'Resource  must be in ARN format or "*".',
    ),
    (
        _s(Effect="Allow", Action="s:3:ListBucket", Resource="sdfsadf"),
        'Resource sdfsadf must be in ARN format or "*".',
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=["adf"]),
        'Resource adf must be in ARN format or "*".',
    ),
    (
        _s(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:bsdfdsafsad"),
        'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
    ),
    (
        _s(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:b:cadfsdf"),
        'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
    ),
    (
        _s(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:b:c:d:e:f:g:h"),
        'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="aws:s3:::example_bucket"),
        'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"],
        ),
        'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
    ),
    (_s(Effect="Allow", Action="s3:ListBucket"), "Policy statement must contain resources."),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource=[]),
        "Policy statement must contain resources.",
    ),
    (_s(Effect="Allow", Action="invalid"), "Policy statement must contain resources."),
    (_s(Effect="Allow", Resource=S3), "Policy statement must contain actions."),
    (_s(Effect="Allow"), "Policy statement must contain actions."),
    (_s(Effect="Allow", Action=[], Resource=S3), "Policy statement must contain actions."),
    (
        {
            "Version": V,
            "Statement": [
                {"Effect": "Deny"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
            ],
        },
        "Policy statement must contain actions.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:::example_bucket"),
        'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, '
        "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
        "report/, access-report/.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s3::example_bucket"),
        "The policy failed legacy parsing",
    ),
    (_s(Effect="Allow", Resource="arn:aws:s3::example_bucket"), "The policy failed legacy parsing"),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws"),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    (
        _s(
            Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:us-east-1::example_bucket"
        ),
        "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s3:us-east-1::example_bucket"),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
    ),
    (
        {
            "Version": V,
            "Statement": [
                {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
                {"Sid": "sdf", "Effect": "Allow"},
            ],
        },
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (
        {
            "Statement": [
                {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": S3},
                {"Sid": "sdf", "Effect": "Allow"},
            ]
        },
        "Policy document must be version 2012-10-17 or greater.",
    ),
    (_s(Effect="denY", Action="s3:ListBucket", Resource=S3), "The policy failed legacy parsing"),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateGreaterThan": {"a": "sdfdsf"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(Effect="Allow", Condition={"DateGreaterThan": {"a": "sdfdsf"}}),
        "The policy failed legacy parsing",
    ),
    (
        _s(Effect="Allow", NotAction="s3:ListBucket", Resource="arn:aws::::example_bucket"),
        "The policy failed legacy parsing",
    ),
    (
        _s(Effect="allow", Resource="arn:aws:s3:us-east-1::example_bucket"),
        "The policy failed legacy parsing",
    ),
    (
        {
            "Version": V,
            "Statement": [
                {"Sid": "sdf", "Effect": "aLLow", "Action": "s3:ListBucket", "Resource": S3},
                {"Sid": "sdf", "Effect": "Allow"},
            ],
        },
        "The policy failed legacy parsing",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", NotResource="arn:aws:s3::example_bucket"),
        "The policy failed legacy parsing",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateLessThanEquals": {"a": "234-13"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Condition={"DateLessThan": {"a": "9223372036854775808"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource="arn:error:s3:::example_bucket",
            Condition={"DateGreaterThan": {"a": "sdfdsf"}},
        ),
        "The policy failed legacy parsing",
    ),
    (
        _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws::fdsasf"),
        "The policy failed legacy parsing",
    ),
    # identity policies name no principal (hashicorp/terraform#13449)
    (
        _s(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=S3,
            Principal={"AWS": "arn:aws:iam::123456789012:root"},
        ),
        "Policy document should not specify a principal.",
    ),
]

VALID: list[Any] = [
    _s(Effect="Allow", Action="s3:ListBucket", Resource=[S3]),
    _s(Effect="Allow", Action="iam: asdf safdsf af ", Resource=S3),
    _s(Effect="Allow", Action="s3:ListBucket", Resource=[S3, "*"]),
    _s(Effect="Allow", Action="*", Resource=S3),
    _s(
        Effect="Allow",
        Action="service-prefix:action-name",
        Resource="*",
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"},
        },
    ),
    _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:::user/example_bucket"),
    _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s33:::example_bucket"),
    _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:fdsasf"),
    _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={}),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}},
    ),
    _s(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:ec2:us-east-1::example_bucket"),
    _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"DateGreaterThan": {}}),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"DateGreaterThan": {"a": []}},
    ),
    _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"a": {}}),
    _s(Effect="Allow", Action="s3:ListBucket", Resource=S3, Condition={"x": {}, "y": {}}),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"DateGreaterThan": {"a": "01T"}},
    ),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"StringEqualsIfExists": {"a": "asf"}},
    ),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"ForAnyValue:StringEqualsIfExists": {"a": "asf"}},
    ),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}},
    ),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}},
    ),
    _s(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=S3,
        Condition={"DateLessThan": {"a": "-292275054"}},
    ),
    _s(Effect="Allow", NotAction="s3:ListBucket", NotResource="*"),
    _s(
        Effect="Deny",
        Action="s3:*",
        NotResource=["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
    ),
    {
        "Version": V,
        "Id": "sdfsdfsdf",
        "Statement": {"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": S3},
    },
    _s(Effect="Allow", Action="s3-s:ListBucket", Resource=S3),
    _s(Effect="Allow", Action="s3.s:ListBucket", Resource=S3),
    _s(Effect="Allow", Action="iam:ChangePassword", Resource="arn:aws:iam::*:user/${aws:username}"),
    _s(
        Effect="Deny",
        NotAction=["iam:GetUser"],
        Resource="*",
        Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    ),
    _s(
        Effect="Allow",
        Action="rds:*",
        Resource="*",
        Condition={"Bool": {"aws:SecureTransport": True}},
    ),
]


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


@pytest.mark.parametrize(("document", "message"), INVALID)
def test_invalid_documents_get_iams_message(document: Any, message: str) -> None:
    with pytest.raises(AwsError) as info:
        parse_policy(_text(document))
    assert info.value.code == "MalformedPolicyDocument"
    assert info.value.http_status == 400
    assert info.value.message == message


@pytest.mark.parametrize("document", VALID)
def test_valid_documents_parse(document: Any) -> None:
    policy = parse_policy(_text(document))
    assert policy.statements


TRUST = {
    "Version": V,
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}


def test_trust_policies() -> None:
    assert parse_policy(json.dumps(TRUST), "trust").statements[0].principal is not None
    # kubernetes-sigs/external-dns#3085: a Resource in a trust policy
    with_resource = {**TRUST, "Statement": {**TRUST["Statement"], "Resource": "*"}}  # type: ignore[dict-item]
    with pytest.raises(AwsError, match="Has prohibited field Resource"):
        parse_policy(json.dumps(with_resource), "trust")
    no_principal = {**TRUST, "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}
    with pytest.raises(AwsError, match="Missing required field Principal"):
        parse_policy(json.dumps(no_principal), "trust")
    wrong_action = {**TRUST, "Statement": {**TRUST["Statement"], "Action": "s3:GetObject"}}  # type: ignore[dict-item]
    with pytest.raises(AwsError, match="Trust Policy statement actions can only be"):
        parse_policy(json.dumps(wrong_action), "trust")
    # trust policies may still be written in the 2008 language
    old = {**TRUST, "Version": "2008-10-17"}
    assert parse_policy(json.dumps(old), "trust").version == "2008-10-17"


def test_statement_positions() -> None:
    # AWS CLI docs (simulate-custom-policy): a one-line document ends its statement at its length
    one_line = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    st = parse_policy(one_line).statements[0]
    assert (st.end.line, st.end.column) == (1, 167)
    # a pretty-printed document: statement from line 4 column 5 to line 8 column 6
    pretty = json.dumps(
        {"Version": V, "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
        indent=2,
    )
    st = parse_policy(pretty).statements[0]
    assert (st.start.line, st.start.column, st.end.line, st.end.column) == (4, 5, 8, 6)
    two = json.dumps(
        {
            "Version": V,
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
            ],
        }
    )
    a, b = parse_policy(two).statements
    assert two[a.start.column - 1] == "{" and two[b.start.column - 1] == "{"
    assert two[a.end.column - 2] == "}" and two[b.end.column - 2] == "}"


def test_policy_objects_are_frozen_and_keep_the_text() -> None:
    text = json.dumps(_s(Effect="Allow", Action="rds:*", Resource="*"))
    policy = parse_policy(text)
    assert policy.document == text
    with pytest.raises(AttributeError):
        policy.version = "x"  # type: ignore[misc]
