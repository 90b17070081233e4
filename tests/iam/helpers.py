"""Small builders shared by the IAM tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aurora_sec.aws.iam.evaluate import Decision, PolicySet, Request, SourcedPolicy, evaluate
from aurora_sec.aws.iam.policy import parse_policy

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def stmt(
    effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any
) -> dict[str, Any]:
    """One statement; pass NotAction=/NotResource= via ``extra`` with action/resource=None."""
    out: dict[str, Any] = {"Effect": effect}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def doc(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def policies(*documents: str, boundary: Sequence[str] | None = None) -> PolicySet:
    identity = tuple(
        SourcedPolicy(f"p{i}", "user", parse_policy(d)) for i, d in enumerate(documents)
    )
    bound = None
    if boundary is not None:
        bound = tuple(
            SourcedPolicy(f"b{i}", "user-managed", parse_policy(d)) for i, d in enumerate(boundary)
        )
    return PolicySet(identity, bound)


def ctx(values: Mapping[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """{"aws:SourceIp": "1.2.3.4", "aws:TagKeys": ["a", "b"]} -> a request context."""
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (values or {}).items():
        out[key.lower()] = tuple(value) if isinstance(value, list | tuple) else (str(value),)
    return out


def decide(
    policy_set: PolicySet,
    action: str,
    resource: str = "*",
    context: Mapping[str, tuple[str, ...]] | None = None,
) -> Decision:
    return evaluate(policy_set, Request(action, resource, dict(context or {})))
