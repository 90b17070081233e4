"""The IAM decision for one request: explicit deny, then allow, then implicit deny.

:func:`evaluate` is a pure function of (the principal's policies, the request) and never raises.
It follows the IAM User Guide's "Policy evaluation logic" for a request made inside one account
by an IAM user or role, with no resource-based policy, SCP or session policy:

1. every statement of every identity-based policy (the user's inline and managed policies,
   those of its groups, or the role's) and of the permissions boundary is checked against the
   action, the resource and the request context;
2. an applicable ``Deny`` in any of them is an *explicit deny* ("Deny trumps Allow");
3. otherwise the request needs an applicable ``Allow`` in an identity-based policy, or it is an
   *implicit deny* ("no identity-based policy allows");
4. and, when the principal has a permissions boundary, an applicable ``Allow`` in the boundary
   too, or it is an implicit deny ("no permissions boundary allows").

An ``Allow`` whose condition fails simply does not apply: it is never a deny. The
:class:`Decision` names the statements that decided (the denying ones, or the allowing
identity statements), which the simulator reports as ``MatchedStatements``, and the condition
keys that were tested but absent from the context (``MissingContextValues``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from aurora_sec.aws.iam.conditions import Context
from aurora_sec.aws.iam.policy import Policy, Statement

__all__ = [
    "Decision",
    "MatchedStatement",
    "PolicySet",
    "Request",
    "SourcedPolicy",
    "evaluate",
]

EvalDecision = Literal["allowed", "explicitDeny", "implicitDeny"]
PolicySourceType = Literal["user", "group", "role", "aws-managed", "user-managed", "none"]
DenyReason = Literal["identity", "boundary"]


@attrs.frozen
class SourcedPolicy:
    """A policy and where it came from (its simulator ``SourcePolicyId`` / ``Type``)."""

    policy_id: str
    policy_type: PolicySourceType
    policy: Policy


@attrs.frozen
class PolicySet:
    """Everything that decides for one principal.

    ``boundary`` is None when the principal has no permissions boundary (an empty tuple would
    mean a boundary that allows nothing).
    """

    identity: tuple[SourcedPolicy, ...] = ()
    boundary: tuple[SourcedPolicy, ...] | None = None
    #: action (lower-cased) -> the statements whose Action/NotAction matches it.
    _by_action: dict[str, tuple[_Candidates, _Candidates]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )

    def candidates(self, action_lower: str) -> tuple[_Candidates, _Candidates]:
        """(identity, boundary) statements that match the action, computed once per action."""
        found = self._by_action.get(action_lower)
        if found is None:
            found = (
                _candidates(self.identity, action_lower),
                _candidates(self.boundary or (), action_lower),
            )
            if len(self._by_action) < 4096:
                self._by_action[action_lower] = found
        return found


_Candidates = tuple[tuple["SourcedPolicy", Statement], ...]


def _candidates(policies: tuple[SourcedPolicy, ...], action_lower: str) -> _Candidates:
    return tuple(
        (source, st)
        for source in policies
        for st in source.policy.statements
        if st.action.matches(action_lower) != st.action_negated
    )


@attrs.frozen
class Request:
    """One (action, resource) pair to decide, with its context (keys lower-cased)."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


@attrs.frozen
class MatchedStatement:
    """A statement that took part in the decision."""

    source: SourcedPolicy
    statement: Statement

    @property
    def effect(self) -> str:
        return self.statement.effect


@attrs.frozen
class Decision:
    """The outcome of :func:`evaluate`."""

    decision: EvalDecision
    #: Which policy type caused a deny: "identity" or "boundary" (None when allowed).
    denied_by: DenyReason | None
    matched: tuple[MatchedStatement, ...]
    missing_context: tuple[str, ...] = ()
    #: None without a boundary; else whether the boundary alone would allow.
    allowed_by_boundary: bool | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


def _scan(
    candidates: _Candidates,
    resource: str,
    ctx: Context,
    missing: dict[str, str],
) -> tuple[list[MatchedStatement], list[MatchedStatement]]:
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    for source, st in candidates:
        matcher = st.resource
        if matcher is not None and matcher.matches(resource, ctx) == st.resource_negated:
            continue
        holds = True
        for clause in st.conditions:
            if clause.key not in ctx:
                missing.setdefault(clause.key, clause.key_text)
            if holds and not clause.evaluate(ctx):
                holds = False
        if holds:
            (allows if st.effect == "Allow" else denies).append(MatchedStatement(source, st))
    return allows, denies


def evaluate(policies: PolicySet, request: Request) -> Decision:
    """Decide ``request`` for a principal whose policies are ``policies``. Never raises."""
    ctx = request.context
    missing: dict[str, str] = {}
    identity, bounds = policies.candidates(request.action.lower())
    allows, denies = _scan(identity, request.resource, ctx, missing)
    boundary_allows: list[MatchedStatement] = []
    boundary_denies: list[MatchedStatement] = []
    if policies.boundary is not None:
        boundary_allows, boundary_denies = _scan(bounds, request.resource, ctx, missing)
    missing_keys = tuple(sorted(missing.values(), key=str.lower))
    by_boundary = (
        None if policies.boundary is None else bool(boundary_allows) and not boundary_denies
    )
    if denies:
        return Decision("explicitDeny", "identity", tuple(denies), missing_keys, by_boundary)
    if boundary_denies:
        return Decision("explicitDeny", "boundary", tuple(boundary_denies), missing_keys, False)
    if not allows:
        return Decision("implicitDeny", "identity", (), missing_keys, by_boundary)
    if policies.boundary is not None and not boundary_allows:
        return Decision("implicitDeny", "boundary", (), missing_keys, False)
    return Decision("allowed", None, tuple(allows), missing_keys, by_boundary)
