"""IAM: one authorization with a 10-statement policy with conditions (issue 5: <= 20 us).

Three figures, measured in one run, in alternating rounds:

* ``evaluate``: the evaluator alone, :func:`aurora_sec.aws.iam.evaluate.evaluate` on a parsed
  10-statement policy (conditions on region, source IP, tags, time, engine, user name) and a
  15-key request context: the number the issue's target is about;
* ``authorize``: ``Account.authorize`` for ``rds:ModifyDBClusterParameterGroup`` by an IAM user
  with that policy: principal lookup (cached), resources and context built from the request,
  evaluation;
* ``moto``: the anchor, moto's ``IAMPolicy(document).is_action_permitted`` on the same document
  (moto only understands StringEquals, so it decides less; it is the speed of the only other
  Python evaluator a user could pick).

Run::

    python benchmarks/bench_iam.py [--rounds 7] [--n 20000]

Each figure is the median of per-round medians (per-call time = batch time / batch size).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from aurora_sec import Account
from aurora_sec.aws.iam.evaluate import PolicySet, Request, SourcedPolicy, evaluate
from aurora_sec.aws.iam.policy import parse_policy

ACCT = "123456789012"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
PG = f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:secure"

STATEMENTS: list[dict[str, Any]] = [
    {
        "Sid": "Describe",
        "Effect": "Allow",
        "Action": "rds:Describe*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
    },
    {
        "Sid": "Engines",
        "Effect": "Allow",
        "Action": ["rds:CreateDBCluster", "rds:CreateDBInstance"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"rds:DatabaseEngine": "aurora-postgresql"},
            "StringLike": {"rds:DatabaseClass": "db.r6g.*"},
        },
    },
    {
        "Sid": "Tagged",
        "Effect": "Allow",
        "Action": "rds:*",
        "Resource": f"arn:aws:rds:*:{ACCT}:cluster:*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:username}"}},
    },
    {
        "Sid": "Params",
        "Effect": "Allow",
        "Action": ["rds:ModifyDBClusterParameterGroup", "rds:ResetDBClusterParameterGroup"],
        "Resource": f"arn:aws:rds:*:{ACCT}:cluster-pg:*",
        "Condition": {
            "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]},
            "Bool": {"aws:SecureTransport": "true"},
        },
    },
    {
        "Sid": "Office",
        "Effect": "Allow",
        "Action": "rds:Reboot*",
        "Resource": "*",
        "Condition": {
            "DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
        },
    },
    {
        "Sid": "TagKeys",
        "Effect": "Allow",
        "Action": "rds:AddTagsToResource",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env", "owner"]}},
    },
    {
        "Sid": "NoProdDelete",
        "Effect": "Deny",
        "Action": "rds:Delete*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}},
    },
    {
        "Sid": "NoPlainText",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    {
        "Sid": "NoOtherRegions",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2", "eu-west-1"]}
        },
    },
    {
        "Sid": "Boundary",
        "Effect": "Deny",
        "Action": "rds:*",
        "Resource": "*",
        "Condition": {"Null": {"aws:username": "true"}},
    },
]
DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": STATEMENTS})
CONTEXT: dict[str, tuple[str, ...]] = {
    "aws:currenttime": ("2026-01-01T00:00:00Z",),
    "aws:epochtime": ("1767225600",),
    "aws:requestedregion": ("us-east-1",),
    "aws:securetransport": ("true",),
    "aws:sourceip": ("203.0.113.9",),
    "aws:principalaccount": (ACCT,),
    "aws:principalarn": (ALICE,),
    "aws:principaltype": ("User",),
    "aws:userid": ("AIDAEXAMPLEEXAMPLE123",),
    "aws:username": ("alice",),
    "aws:viaawsservice": ("false",),
    "aws:principalisawsservice": ("false",),
    "aws:resourcetag/team": ("alice",),
    "rds:cluster-pg-tag/team": ("alice",),
    "aws:resourcetag/env": ("dev",),
}
PARAMS = {
    "DBClusterParameterGroupName": "secure",
    "Parameters": [
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}
    ],
}


def _per_call(fn: Callable[[], Any], n: int) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        return (time.perf_counter_ns() - start) / n / 1000.0
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()

    policies = PolicySet((SourcedPolicy("p", "user", parse_policy(DOCUMENT)),))
    request = Request("rds:ModifyDBClusterParameterGroup", PG, CONTEXT)
    decision = evaluate(policies, request)
    assert decision.allowed, decision

    acct = Account(account_id=ACCT)
    acct.client("rds").create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="d",
        Tags=[{"Key": "team", "Value": "alice"}],
    )
    iam = acct.client("iam")
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=DOCUMENT)
    from aurora_sec.aws.iam.enforcement import authorize

    extra = {"aws:sourceip": ("203.0.113.9",)}
    authorize(acct, "rds", "ModifyDBClusterParameterGroup", PARAMS, ALICE, extra)

    runs: dict[str, Callable[[], Any]] = {
        "evaluate": lambda: evaluate(policies, request),
        "authorize": lambda: authorize(
            acct, "rds", "ModifyDBClusterParameterGroup", PARAMS, ALICE, extra
        ),
    }
    try:
        from moto.iam.access_control import IAMPolicy

        moto_policy = IAMPolicy(DOCUMENT)
        flat = {k: v[0] for k, v in CONTEXT.items()}
        runs["moto"] = lambda: moto_policy.is_action_permitted(
            "rds:ModifyDBClusterParameterGroup", PG, incoming_condition_values=flat
        )
    except ImportError:  # pragma: no cover - moto is an optional bench dependency
        pass

    medians: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, fn in runs.items():
            medians[name].append(_per_call(fn, args.n))
    print(
        f"IAM authorization, 10-statement policy with conditions ({args.rounds} rounds x {args.n})"
    )
    print(f"{'what':<10} {'median us':>10} {'ops/s':>12}   per-round medians (us)")
    for name, values in medians.items():
        med = statistics.median(values)
        rounds = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:<10} {med:>10.2f} {1e6 / med:>12,.0f}   {rounds}")
    if "moto" in medians:
        ratio = statistics.median(medians["moto"]) / statistics.median(medians["evaluate"])
        print(f"moto / evaluate: {ratio:.1f}x")
    target = statistics.median(medians["evaluate"])
    print(
        f"target <= 20 us for one evaluation: {'met' if target <= 20 else 'NOT met'} ({target:.2f} us)"
    )


if __name__ == "__main__":
    main()
