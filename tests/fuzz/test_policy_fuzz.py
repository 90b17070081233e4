"""Fuzz the IAM policy parser: any text as a policy document, directly and through the client.

``parse_policy`` answers a compiled policy or ``AwsError("MalformedPolicyDocument")``; the
iam client's CreatePolicy, PutUserPolicy and SimulateCustomPolicy answer a response or an
:class:`AwsError` (or :class:`ParamValidationError`), and a refused call changes nothing. A
document that parses can be evaluated: the simulator answers a decision for any action.
"""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.aws.iam.policy import parse_policy
from aurora_sec.errors import AwsError, ParamValidationError
from tests.fuzz.strategies import POLICY_TEXT, POLICY_VALUES, fuzz_settings, wide_text
from tests.fuzz.world import world

ACTIONS = st.lists(
    st.one_of(
        st.sampled_from(["rds:CreateDBCluster", "rds:DescribeDBInstances", "rds-db:connect",
                         "ec2:AuthorizeSecurityGroupIngress", "iam:PassRole", "s3:GetObject"]),
        wide_text(max_size=12),
    ),
    min_size=1,
    max_size=3,
)  # fmt: skip
CONTEXT = st.lists(
    st.fixed_dictionaries(
        {
            "ContextKeyName": st.one_of(st.sampled_from(POLICY_VALUES), wide_text(max_size=10)),
            "ContextKeyValues": st.lists(
                st.one_of(st.sampled_from(POLICY_VALUES), wide_text(max_size=10)), max_size=2
            ),
            "ContextKeyType": st.sampled_from(
                ["string", "stringList", "numeric", "boolean", "ip", "date", "binary"]
            ),
        }
    ),
    max_size=2,
)


@fuzz_settings(300)
@given(document=POLICY_TEXT, kind=st.sampled_from(["identity", "trust"]))
def test_parse_policy_answers_a_policy_or_malformed(
    document: str, kind: Literal["identity", "trust"]
) -> None:
    try:
        policy = parse_policy(document, kind)
    except AwsError as err:
        assert err.code == "MalformedPolicyDocument", err
    else:
        assert policy.document == document


def _iam_call(operation: str, **kwargs: Any) -> None:
    acct = world().fresh()
    iam = acct.client("iam")
    before = acct.snapshot()
    try:
        getattr(iam, operation)(**kwargs)
    except (AwsError, ParamValidationError):
        assert acct.snapshot() == before, kwargs


@fuzz_settings(150)
@given(document=POLICY_TEXT, name=st.sampled_from(["p", "describe", "", "a" * 200, "bad name"]))
def test_create_policy_with_any_document(document: str, name: str) -> None:
    _iam_call("create_policy", PolicyName=name, PolicyDocument=document)


@fuzz_settings(100)
@given(document=POLICY_TEXT)
def test_put_user_policy_with_any_document(document: str) -> None:
    _iam_call("put_user_policy", UserName="alice", PolicyName="inline", PolicyDocument=document)


@fuzz_settings(100)
@given(document=POLICY_TEXT)
def test_create_policy_version_with_any_document(document: str) -> None:
    _iam_call(
        "create_policy_version",
        PolicyArn=world().names["policy_arn"],
        PolicyDocument=document,
        SetAsDefault=True,
    )


@fuzz_settings(150)
@given(
    documents=st.lists(POLICY_TEXT, min_size=1, max_size=2),
    actions=ACTIONS,
    resources=st.one_of(st.none(), st.lists(st.sampled_from(POLICY_VALUES), max_size=2)),
    context=CONTEXT,
)
def test_simulate_any_documents(
    documents: list[str], actions: list[str], resources: list[str] | None, context: list[Any]
) -> None:
    kwargs: dict[str, Any] = {
        "PolicyInputList": documents,
        "ActionNames": actions,
        "ContextEntries": context,
    }
    if resources is not None:
        kwargs["ResourceArns"] = resources
    _iam_call("simulate_custom_policy", **kwargs)
