"""The policy simulator: ``SimulatePrincipalPolicy`` and ``SimulateCustomPolicy`` results.

The simulator runs the very evaluator enforcement runs (:func:`~aurora_sec.aws.iam.evaluate.
evaluate`), on the context the caller supplies in ``ContextEntries`` (as AWS's simulator, it
does not fill in context keys by itself; the keys a matching statement tested but that were
not supplied are listed in ``MissingContextValues``).

Result shape (AWS CLI examples and recorded responses): one ``EvaluationResult`` per action, or
per (action, resource) when ``ResourceArns`` is given, each then with one
``ResourceSpecificResults`` entry; ``MatchedStatements`` are the statements that decided (the
denying ones for ``explicitDeny``, the allowing identity statements for ``allowed``, none for
``implicitDeny``), with ``SourcePolicyId`` the inline policy's name, the managed policy's ARN, or
``PolicyInputList.N``; positions are 1-based line/column of the statement's braces (end: just
after the closing brace). ``PermissionsBoundaryDecisionDetail`` appears when a boundary took
part. UNCONFIRMED: recent responses carry ``"SourcePolicyType": "IAM Policy"`` for input-list
policies, a value outside botocore's enum; we omit the type for them (as the AWS CLI
documentation's examples do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aurora_sec.aws.iam.evaluate import Decision, PolicySet, Request, SourcedPolicy, evaluate
from aurora_sec.aws.iam.policy import parse_policy

__all__ = ["context_from_entries", "input_policies", "simulate"]


def context_from_entries(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, tuple[str, ...]]:
    """``ContextEntries`` -> a request context (keys lower-cased, values as strings)."""
    ctx: dict[str, tuple[str, ...]] = {}
    for entry in entries or ():
        name = entry.get("ContextKeyName")
        if not name:
            continue
        ctx[str(name).lower()] = tuple(str(v) for v in entry.get("ContextKeyValues") or ())
    return ctx


def input_policies(documents: Sequence[str] | None, label: str) -> tuple[SourcedPolicy, ...]:
    """``PolicyInputList`` -> sourced policies ``PolicyInputList.1``, ``.2``..."""
    return tuple(
        SourcedPolicy(f"{label}.{i}", "none", parse_policy(doc))
        for i, doc in enumerate(documents or (), start=1)
    )


def _statements(decision: Decision) -> list[dict[str, Any]]:
    out = []
    for matched in decision.matched:
        item: dict[str, Any] = {"SourcePolicyId": matched.source.policy_id}
        if matched.source.policy_type != "none":
            item["SourcePolicyType"] = matched.source.policy_type
        item["StartPosition"] = matched.statement.start.as_dict()
        item["EndPosition"] = matched.statement.end.as_dict()
        out.append(item)
    return out


def simulate(
    policies: PolicySet,
    actions: Sequence[str],
    resources: Sequence[str] | None,
    context: Mapping[str, tuple[str, ...]],
) -> list[dict[str, Any]]:
    """``EvaluationResults`` for every action (and resource)."""
    results: list[dict[str, Any]] = []
    for action in actions:
        for resource in resources or ("*",):
            decision = evaluate(policies, Request(action, resource, context))
            result: dict[str, Any] = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision.decision,
                "MatchedStatements": _statements(decision),
                "MissingContextValues": list(decision.missing_context),
                "EvalDecisionDetails": {},
            }
            boundary: dict[str, Any] | None = None
            if decision.allowed_by_boundary is not None:
                boundary = {"AllowedByPermissionsBoundary": decision.allowed_by_boundary}
                result["PermissionsBoundaryDecisionDetail"] = boundary
            if resources:
                specific: dict[str, Any] = {
                    "EvalResourceName": resource,
                    "EvalResourceDecision": decision.decision,
                    "MatchedStatements": _statements(decision),
                    "MissingContextValues": list(decision.missing_context),
                    "EvalDecisionDetails": {},
                }
                if boundary is not None:
                    specific["PermissionsBoundaryDecisionDetail"] = dict(boundary)
                result["ResourceSpecificResults"] = [specific]
            results.append(result)
    return results
