"""The hand-written recognizer in front of pglast gives exactly pglast's classification.

Differential: whatever text the recognizer accepts, ``_classify_pglast`` (the pglast path alone)
must build the very same statements (attrs equality: every field, locations, spans, redacted
text, prechecks, secrets); a text pglast rejects must not be accepted. Texts: the generated
role statements of :mod:`aurora_sec.testing.strategies`, the whole conformance corpus, and texts
drawn from the recognizer's own shapes with perturbations (case, blanks, separators, stray
tokens) so that both its accepting and its refusing paths are exercised.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.errors import PostgresError
from aurora_sec.sql import classify
from aurora_sec.sql._recognize import recognize
from aurora_sec.sql.classify import _classify_pglast
from aurora_sec.testing.strategies import role_statements
from aurora_sec.versions import MAJORS
from tests.conformance.corpus import CASES

_MAJORS = st.sampled_from(MAJORS)


def _same_as_pglast(sql: str, major: int) -> bool:
    """Assert the recognizer agrees with pglast on ``sql``; return whether it recognised it."""
    recognized = recognize(sql, major)
    try:
        expected = _classify_pglast(sql, major)
    except PostgresError as error:
        assert recognized is None, (sql, major, error)
        return False
    if recognized is not None:
        assert recognized == expected, (sql, major)
        assert [s.redacted for s in recognized] == [s.redacted for s in expected]
        assert [s.text for s in recognized] == [s.text for s in expected]
    return recognized is not None


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(sql=role_statements(), major=_MAJORS)
def test_generated_role_statements(sql: str, major: int) -> None:
    _same_as_pglast(sql, major)


@pytest.mark.parametrize("major", MAJORS)
def test_conformance_corpus(major: int) -> None:
    texts = sorted({s for case in CASES for s in (*case["setup"], *case["statements"])})
    recognized = sum(_same_as_pglast(text, major) for text in texts)
    assert recognized > 50  # the corpus is mostly role DDL: the fast path is really taken


_NAMES = st.sampled_from(
    ["r", "alice", "R2", "pg_x", "a$b", "_u", "public", "none", "user", "login", "x" * 63, "y" * 64]
)
_WORDS = st.sampled_from(
    [
        "LOGIN",
        "nologin",
        "SuperUser",
        "NOSUPERUSER",
        "CREATEDB",
        "NOCREATEDB",
        "createrole",
        "NOCREATEROLE",
        "REPLICATION",
        "NOREPLICATION",
        "BYPASSRLS",
        "NOBYPASSRLS",
        "INHERIT",
        "NOINHERIT",
        "PASSWORD 'hunter2'",
        "PASSWORD 'it''s'",
        "ENCRYPTED PASSWORD 'md5abc'",
        "PASSWORD NULL",
        "ENCRYPTED PASSWORD NULL",
        "PASSWORD E'x'",
        "PASSWORD 'a\\b'",
        "PASSWORD ''",
        "VALID UNTIL '2030-01-01'",
        "VALID UNTIL 'infinity'",
        "CONNECTION LIMIT 5",
        "CONNECTION LIMIT -1",
        "CONNECTION LIMIT -7",
        "CONNECTION LIMIT 0x10",
        "CONNECTION LIMIT 99999999999",
        "SYSID 5",
        "IN ROLE r",
        "CREATEUSER",
        "WITH",
        ",",
        "frobnicate",
    ]
)
_SELECTED = [
    *("1", "0", "007", "-1", "1.5", "1e3", "1234567890", "x", "'a'", "TRUE", "1, 2", "1 AS a"),
    *("current_user", "Session_User", "CURRENT_ROLE", "user", "current_user()"),
]
_BLANKS = st.sampled_from([" ", "  ", "\n", "\t", " \r\n "])


def _join(parts: list[str], blanks: list[str]) -> str:
    out = parts[0]
    for index, part in enumerate(parts[1:]):
        out += blanks[index % len(blanks)] + part
    return out


@st.composite
def _shaped(draw: st.DrawFn) -> str:
    shape = draw(
        st.sampled_from(["create", "alter", "rename", "grant", "revoke", "drop", "select"])
    )
    names = draw(st.lists(_NAMES, min_size=1, max_size=3))
    options = draw(st.lists(_WORDS, max_size=4))
    kind = draw(st.sampled_from(["ROLE", "USER", "GROUP", "role"]))
    if shape == "create":
        parts = ["CREATE", kind, names[0], *options]
    elif shape == "alter":
        parts = ["ALTER", kind, names[0], *options]
    elif shape == "rename":
        parts = ["ALTER", kind, names[0], "RENAME", "TO", names[-1]]
    elif shape in ("grant", "revoke"):
        parts = [
            shape.upper(),
            ", ".join(names),
            draw(st.sampled_from(["TO", "FROM", "to", "from"])),
            ",".join(reversed(names)),
        ]
    elif shape == "select":
        what = draw(st.sampled_from(_SELECTED))
        parts = ["SELECT", what]
    else:
        exists = draw(st.sampled_from([[], ["IF", "EXISTS"], ["IF"]]))
        parts = ["DROP", kind, *exists, ", ".join(names)]
    if draw(st.booleans()):
        parts = [part.lower() for part in parts]
    sql = _join(parts, draw(st.lists(_BLANKS, min_size=1, max_size=3)))
    return (
        draw(st.sampled_from(["", " ", "\n"]))
        + sql
        + draw(st.sampled_from(["", ";", " ; ", ";\n", "; SELECT 1", ";;", " --c", " /*c*/"]))
    )


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(sql=_shaped(), major=_MAJORS)
def test_shaped_texts(sql: str, major: int) -> None:
    _same_as_pglast(sql, major)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE r LOGIN CREATEDB",
        "ALTER ROLE myrole WITH PASSWORD 'hunter2hunter2' VALID UNTIL '2030-01-01'",
        "GRANT rds_password TO alice",
        "ALTER ROLE a RENAME TO b",
        "REVOKE a FROM b;",
        "DROP ROLE IF EXISTS a, b",
        "SELECT 1",
        "SELECT current_user",
    ],
)
@pytest.mark.parametrize("major", MAJORS)
def test_common_forms_take_the_fast_path(sql: str, major: int) -> None:
    assert _same_as_pglast(sql, major)
    assert classify(sql, major) == _classify_pglast(sql, major)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE public",
        "CREATE ROLE none",
        "GRANT a TO b WITH ADMIN OPTION",
        "CREATE ROLE r PASSWORD 'a'\n'b'",
        'CREATE ROLE "Quoted"',
        "CREATE ROLE r; CREATE ROLE s",
        "ALTER ROLE CURRENT_USER LOGIN",
        "CREATE ROLE " + "y" * 64,
    ],
)
def test_unusual_texts_go_to_pglast(sql: str) -> None:
    assert recognize(sql, 16) is None


_LITERALS = st.sampled_from(
    ["'hunter2hunter2'", "''", "'it''s'", "'md5abc'", "'a\\b'", "E'x'", "'2030-01-01'", "'x'y"]
)


@st.composite
def _password_rotations(draw: st.DrawFn) -> str:
    """``ALTER ROLE|USER name [WITH] [ENCRYPTED] PASSWORD '...' [VALID UNTIL '...']`` (the
    recognizer's whole-statement shape for it), with perturbations around its edges."""
    parts = ["ALTER", draw(st.sampled_from(["ROLE", "USER", "GROUP", "role"])), draw(_NAMES)]
    if draw(st.booleans()):
        parts.append("WITH")
    if draw(st.booleans()):
        parts.append("ENCRYPTED")
    parts += ["PASSWORD", draw(_LITERALS)]
    if draw(st.booleans()):
        parts += ["VALID", "UNTIL", draw(_LITERALS)]
    if draw(st.booleans()):
        parts = [part.lower() for part in parts]
    sql = _join(parts, draw(st.lists(_BLANKS, min_size=1, max_size=3)))
    return sql + draw(st.sampled_from(["", ";", " ; ", "\n;\n", " LOGIN", "; SELECT 1", " --c"]))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(sql=_password_rotations(), major=_MAJORS)
def test_password_rotations(sql: str, major: int) -> None:
    _same_as_pglast(sql, major)
