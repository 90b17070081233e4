"""Grammar gates: syntax that pglast's PostgreSQL 18 grammar accepts but an older major lacks.

pglast 8 parses with the PostgreSQL 18 grammar. When the engine's major predates a construct,
the server rejects the whole query string with 42601 ``syntax error at or near "TOKEN"``,
where TOKEN is the first token its own grammar cannot shift. Each :class:`GrammarGate` names
the construct, the first major that has it (read from :data:`aurora_sec.versions.RULES`, rule
``grammar.<gate_id>``, so the one table of per-version behaviour stays the only source) and
which token the older grammar fails on. The detection code lives in ``classify.py``; this
module is the data, so tests and docs can enumerate it::

    >>> [g.gate_id for g in closed_gates(13)]

Each token rule was checked against PostgreSQL 15.18 (a real server) and the 11-17 grammars
(src/backend/parser/gram.y of each major).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from aurora_sec.versions import RULES

__all__ = ["GATES", "GrammarGate", "closed_gates", "first_major", "gate_open"]


@attrs.frozen
class GrammarGate:
    """A construct missing from the grammar of majors before :attr:`first_major`."""

    gate_id: str
    error_token: str
    source: str

    @property
    def rule_id(self) -> str:
        return f"grammar.{self.gate_id}"

    @property
    def first_major(self) -> int:
        return first_major(self.gate_id)

    @property
    def summary(self) -> str:
        return RULES[self.rule_id].summary


def _gate(gate_id: str, error_token: str, source: str) -> tuple[str, GrammarGate]:
    return gate_id, GrammarGate(gate_id, error_token, source)


#: Every gate, by id. ``error_token`` says where the older grammar fails.
GATES: Mapping[str, GrammarGate] = dict(
    [
        _gate(
            "rolespec_current_role",
            "the CURRENT_ROLE keyword (a reserved word, not a RoleSpec, before 14)",
            "gram.y RoleSpec: the CURRENT_ROLE alternative is in 14.13, not in 13.1",
        ),
        _gate(
            "grant_role_option_list",
            "after WITH: the option name unless it is the ADMIN keyword; else the token after "
            "ADMIN unless it is OPTION; else a following ','. "
            "15.18: 'WITH INHERIT TRUE' -> \"INHERIT\", 'WITH ADMIN TRUE' -> \"TRUE\", "
            "'WITH ADMIN OPTION, INHERIT TRUE' -> \",\"",
            "gram.y GrantRoleStmt: opt_grant_admin_option (<=15) vs grant_role_opt_list (16)",
        ),
        _gate(
            "revoke_role_option_for",
            "the OPTION token after a name other than the ADMIN keyword (the name itself parses "
            "as a role in REVOKE privilege_list FROM ...). 15.18: 'REVOKE INHERIT OPTION FOR a "
            'FROM b\' -> "OPTION"',
            "gram.y RevokeRoleStmt: REVOKE ADMIN OPTION FOR (<=15) vs REVOKE ColId OPTION FOR (16)",
        ),
        _gate(
            "transaction_chain",
            "the AND token",
            "gram.y TransactionStmt: opt_transaction_chain added in 12",
        ),
        _gate(
            "grant_privileges_granted_by",
            "the GRANTED token",
            "gram.y GrantStmt/RevokeStmt: opt_granted_by added in 14",
        ),
        _gate(
            "merge",
            "the first token of the statement (MERGE is not a keyword before 15)",
            "gram.y MergeStmt added in 15",
        ),
    ]
)


def first_major(gate_id: str) -> int:
    """The first major whose grammar has the construct (from RULES)."""
    for major, value in RULES[f"grammar.{gate_id}"].since:
        if value:
            return major
    raise ValueError(f"gate {gate_id} is never open")  # pragma: no cover - table error


_FIRST: Mapping[str, int] = {gate_id: first_major(gate_id) for gate_id in GATES}

#: The newest major any gate is closed for: from this major + 1 on, no gate applies.
LAST_GATED_MAJOR: int = max(_FIRST.values()) - 1


def gate_open(gate_id: str, major: int) -> bool:
    """Whether the grammar of ``major`` has the construct ``gate_id``."""
    return major >= _FIRST[gate_id]


def closed_gates(major: int) -> tuple[GrammarGate, ...]:
    """The gates whose construct the grammar of ``major`` lacks."""
    return tuple(g for g in GATES.values() if major < _FIRST[g.gate_id])
