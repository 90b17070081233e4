"""Hypothesis properties of the evaluator, and agreement of the simulator with enforcement."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.backend import IamBackend
from aurora_sec.aws.iam.conditions import OPERATORS, compile_clause
from aurora_sec.aws.iam.enforcement import call_contexts
from aurora_sec.errors import AwsError

from .helpers import decide, doc, policies

ACCT = "123456789012"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"

ACTIONS = [
    "rds:CreateDBCluster",
    "rds:DescribeDBClusters",
    "rds:ModifyDBClusterParameterGroup",
    "rds:RebootDBCluster",
    "rds:CreateDBClusterParameterGroup",
    "ec2:DescribeVpcs",
    "iam:CreateUser",
]
ACTION_PATTERNS = [
    *ACTIONS,
    "rds:*",
    "rds:Describe*",
    "*",
    "rds:Reboot?BCluster",
    "RDS:describedbclusters",
    "ec2:*",
]
RESOURCES = [
    f"arn:aws:rds:us-east-1:{ACCT}:cluster:prod",
    f"arn:aws:rds:us-east-1:{ACCT}:cluster:*",
    f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:secure",
    f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:default.aurora-postgresql16",
    f"arn:aws:rds:us-east-1:{ACCT}:subgrp:default",
    f"arn:aws:iam::{ACCT}:user/alice",
    "*",
]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "arn:aws:rds:*:*:cluster:*",
    f"arn:aws:rds:*:{ACCT}:cluster-pg:*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:rds:us-east-1:*:*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"StringNotEquals": {"aws:username": "bob"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
    {"Null": {"aws:RequestTag/env": "true"}},
    {"StringLike": {"aws:RequestTag/env": "prod*"}},
    {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
    {"StringEqualsIfExists": {"rds:DatabaseEngine": "aurora-postgresql"}},
]
CONTEXT_CHOICES: dict[str, list[Any]] = {
    "aws:requestedregion": ["us-east-1", "eu-west-1"],
    "aws:sourceip": ["203.0.113.9", "198.51.100.1"],
    "aws:securetransport": ["true", "false"],
    "aws:username": ["alice", "bob"],
    "aws:tagkeys": [["env"], ["env", "team"], ["owner"], []],
    "aws:requesttag/env": ["prod", "dev"],
    "aws:currenttime": ["2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"],
    "rds:databaseengine": ["aurora-postgresql", "aurora-mysql"],
}


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3))
    out["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))
    out["NotResource" if draw(st.integers(0, 4)) == 0 else "Resource"] = resources
    if draw(st.booleans()):
        condition: dict[str, Any] = {}
        for c in draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2)):
            for op, block in c.items():
                condition.setdefault(op, {}).update(block)
        out["Condition"] = condition
    return out


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_CHOICES)), unique=True))
    out: dict[str, tuple[str, ...]] = {}
    for key in keys:
        value = draw(st.sampled_from(CONTEXT_CHOICES[key]))
        out[key] = tuple(value) if isinstance(value, list) else (value,)
    return out


policy_docs = st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=0, max_size=3)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    docs=policy_docs,
    extra=statements(effect="Deny"),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    context=contexts(),
)
def test_adding_a_deny_never_allows(
    docs: list[list[dict[str, Any]]],
    extra: dict[str, Any],
    action: str,
    resource: str,
    context: dict[str, tuple[str, ...]],
) -> None:
    before = decide(policies(*(doc(*s) for s in docs)), action, resource, context)
    after = decide(policies(*(doc(*s) for s in docs), doc(extra)), action, resource, context)
    if not before.allowed:
        assert not after.allowed
    if after.allowed:
        assert before.allowed


@FAST
@given(
    docs=st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=1, max_size=3),
    pick=st.integers(0, 100),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    context=contexts(),
)
def test_removing_an_allow_never_allows(
    docs: list[list[dict[str, Any]]],
    pick: int,
    action: str,
    resource: str,
    context: dict[str, tuple[str, ...]],
) -> None:
    flat = [(i, j) for i, d in enumerate(docs) for j, s in enumerate(d) if s["Effect"] == "Allow"]
    before = decide(policies(*(doc(*s) for s in docs)), action, resource, context)
    if not flat:
        return
    i, j = flat[pick % len(flat)]
    smaller = [list(d) for d in docs]
    del smaller[i][j]
    after = decide(policies(*(doc(*s) for s in smaller if s)), action, resource, context)
    if not before.allowed:
        assert not after.allowed


@FAST
@given(
    actions=st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
)
def test_not_action_is_the_complement_of_action(
    actions: list[str], action: str, resource: str
) -> None:
    plain = decide(
        policies(doc({"Effect": "Allow", "Action": actions, "Resource": "*"})), action, resource
    )
    negated = decide(
        policies(doc({"Effect": "Allow", "NotAction": actions, "Resource": "*"})), action, resource
    )
    assert plain.allowed != negated.allowed


@FAST
@given(
    resources=st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3),
    resource=st.sampled_from(RESOURCES),
    context=contexts(),
)
def test_not_resource_is_the_complement_of_resource(
    resources: list[str], resource: str, context: dict[str, tuple[str, ...]]
) -> None:
    plain = decide(
        policies(doc({"Effect": "Allow", "Action": "*", "Resource": resources})),
        "rds:x",
        resource,
        context,
    )
    negated = decide(
        policies(doc({"Effect": "Allow", "Action": "*", "NotResource": resources})),
        "rds:x",
        resource,
        context,
    )
    assert plain.allowed != negated.allowed


@FAST
@given(
    docs=policy_docs,
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    context=contexts(),
)
def test_evaluation_is_total_and_consistent(
    docs: list[list[dict[str, Any]]],
    action: str,
    resource: str,
    context: dict[str, tuple[str, ...]],
) -> None:
    d = decide(policies(*(doc(*s) for s in docs)), action, resource, context)
    assert d.decision in ("allowed", "explicitDeny", "implicitDeny")
    if d.decision == "explicitDeny":
        assert d.matched and all(m.effect == "Deny" for m in d.matched)
    elif d.decision == "allowed":
        assert d.matched and all(m.effect == "Allow" for m in d.matched)
    else:
        assert d.matched == ()


# ----------------------------------------------------- simulate vs. the real call ----

CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("rds", "describe_db_clusters", {}),
    ("rds", "describe_db_clusters", {"DBClusterIdentifier": "prod"}),
    ("rds", "reboot_db_cluster", {"DBClusterIdentifier": "prod"}),
    (
        "rds",
        "create_db_cluster_parameter_group",
        {
            "DBClusterParameterGroupName": "g2",
            "DBParameterGroupFamily": "aurora-postgresql16",
            "Description": "d",
            "Tags": [{"Key": "env", "Value": "prod"}],
        },
    ),
    (
        "rds",
        "modify_db_cluster_parameter_group",
        {
            "DBClusterParameterGroupName": "secure",
            "Parameters": [
                {
                    "ParameterName": "rds.force_ssl",
                    "ParameterValue": "1",
                    "ApplyMethod": "pending-reboot",
                }
            ],
        },
    ),
    (
        "rds",
        "create_db_cluster",
        {
            "DBClusterIdentifier": "new",
            "Engine": "aurora-postgresql",
            "MasterUsername": "postgres",
            "MasterUserPassword": "correct-horse-battery",
        },
    ),
    ("ec2", "describe_vpcs", {}),
    ("iam", "create_user", {"UserName": "carol"}),
]


def _operation(client: Any, method: str) -> str:
    return str(getattr(type(client), method).operation_name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    statements_=st.lists(statements(), min_size=1, max_size=5),
    call=st.sampled_from(CALLS),
    source_ip=st.sampled_from([None, "203.0.113.9", "198.51.100.1"]),
)
def test_simulate_and_real_calls_agree(
    statements_: list[dict[str, Any]], call: tuple[str, str, dict[str, Any]], source_ip: str | None
) -> None:
    acct = Account(account_id=ACCT)
    root_rds = acct.client("rds")
    root_rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    root_rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="d",
    )
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements_}),
    )
    service, method, params = call
    client = acct.client(service, principal=ALICE, source_ip=source_ip)  # type: ignore[call-overload]
    operation = _operation(client, method)

    backend: IamBackend = acct.iam
    caller = backend.resolve(ALICE)
    assert caller is not None
    extra = {"aws:sourceip": (source_ip,)} if source_ip else None
    request, per_resource = call_contexts(acct, caller, service, operation, params, extra)
    expected = True
    for arn, ctx in per_resource:
        entries = [
            {"ContextKeyName": k, "ContextKeyValues": list(v), "ContextKeyType": "stringList"}
            for k, v in ctx.items()
        ]
        result = iam.simulate_principal_policy(
            PolicySourceArn=ALICE,
            ActionNames=[request.action],
            ResourceArns=[arn],
            ContextEntries=entries,
        )["EvaluationResults"][0]
        if result["EvalDecision"] != "allowed":
            expected = False
            break
    try:
        getattr(client, method)(**params)
        denied = False
    except AwsError as err:
        denied = err.code in ("AccessDenied", "UnauthorizedOperation")
    assert denied == (not expected)


# ------------------------------------------------------------- robustness, secrets ----

_OPERATORS = sorted(
    f"{prefix}{name}{suffix}"
    for name in OPERATORS
    for prefix in ("", "ForAllValues:", "ForAnyValue:")
    for suffix in ("", "IfExists")
)


@FAST
@given(
    operator=st.sampled_from(_OPERATORS),
    policy_values=st.lists(
        st.one_of(st.text(max_size=30), st.booleans(), st.integers()), max_size=3
    ),
    request_values=st.one_of(st.none(), st.lists(st.text(max_size=30), max_size=3)),
)
def test_conditions_never_raise(
    operator: str, policy_values: list[Any], request_values: list[str] | None
) -> None:
    clause = compile_clause(operator, "aws:Key", policy_values, variables=True)
    context = (
        {}
        if request_values is None
        else {"aws:key": tuple(request_values), "aws:username": ("a*",)}
    )
    assert clause.evaluate(context) in (True, False)


@settings(max_examples=40, deadline=None)
@given(
    # a fixed head keeps a short random password from being a word of the output by chance
    # (hypothesis once found "RetryAttempt", a part of "RetryAttempts")
    password=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=9, max_size=27
    ).map(lambda tail: "Pw~" + tail),
    wrong=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=30
    ),
)
def test_passwords_and_secrets_never_leak(password: str, wrong: str) -> None:
    acct = Account(account_id=ACCT)
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password=password)
    secret = iam.create_access_key(UserName="alice")["AccessKey"]["SecretAccessKey"]
    texts = [repr(acct.iam.__dict__), repr(iam), repr(iam.get_login_profile(UserName="alice"))]
    texts.append(repr(iam.list_access_keys(UserName="alice")))
    if wrong != password:
        try:
            acct.sign_in("alice", wrong)
        except AwsError as err:
            texts += [str(err), repr(err), repr(err.response)]
    bad = acct.client("rds", access_key_id="AKIAIOSFODNN7EXAMPLE", secret_access_key=secret)
    try:
        bad.describe_db_clusters()
    except AwsError as err:
        texts += [str(err), repr(err), repr(bad)]
    for text in texts:
        assert password not in text
        assert secret not in text
