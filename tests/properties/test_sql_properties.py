"""Properties of the SQL plane, driven by hypothesis.

* A statement that fails leaves the catalog exactly as it was (snapshots compare equal), and
  a failed implicit transaction (a multi-statement string) leaves nothing of any statement.
* Any text at all gives a result or a PostgresError: never another exception.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from tests.conformance.corpus import CASES, WORLD
from tests.conformance.emulated import new_session

STATEMENTS = sorted({s for case in CASES for s in case["statements"]})
ROLES = ["cr", "plain", "su", "postgres", "rdsadmin", "repl"]


def _world(major: int, role: str) -> Session:
    session = new_session(major)
    for statement in WORLD:
        session.execute(statement)
    session.execute(f'SET SESSION AUTHORIZATION "{role}"')
    return session


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    major=st.sampled_from([15, 16]),
    role=st.sampled_from(ROLES),
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=8),
)
def test_failed_statements_change_nothing(major: int, role: str, statements: list[str]) -> None:
    session = _world(major, role)
    for statement in statements:
        before = session.catalog
        try:
            session.execute(statement)
        except PostgresError:
            assert session.catalog == before, statement
        except UnsupportedByEmulator:
            assert session.catalog == before, statement


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    major=st.sampled_from([15, 16]),
    statements=st.lists(st.sampled_from(STATEMENTS), min_size=2, max_size=5),
)
def test_failed_implicit_transaction_leaves_nothing(major: int, statements: list[str]) -> None:
    session = _world(major, "cr")
    before = session.catalog
    script = "; ".join(statements)
    try:
        session.execute(script)
    except (PostgresError, UnsupportedByEmulator):
        assert session.catalog == before


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_gives_a_result_or_a_postgres_error(text: str) -> None:
    session = _world(16, "plain")
    before = session.catalog
    try:
        session.execute(text)
    except PostgresError:
        assert session.catalog == before
    except UnsupportedByEmulator:
        assert session.catalog == before
