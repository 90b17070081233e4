"""Fuzz the SQL plane: any text to ``classify`` and to a session's ``execute``.

``classify`` answers statements or a :class:`PostgresError`, never anything else; a session
answers a result, a :class:`PostgresError` or, for a statement the emulator does not model,
:class:`UnsupportedByEmulator`. A string that fails commits nothing: the account's snapshot
is the one before (unless the string itself ended its transaction with COMMIT before the
failing statement, which PostgreSQL commits too).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import aurora_sec
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.errors import PostgresError
from aurora_sec.sql import TransactionControl
from tests.fuzz.strategies import SQL_TEXT, fuzz_settings
from tests.fuzz.world import world

FUZZ = fuzz_settings(150)
MAJORS = st.sampled_from([None, 11, 13, 14, 15, 16, 17, "15.4"])


def _controls_transactions(sql: str) -> bool:
    """Does ``sql`` hold COMMIT, ROLLBACK, BEGIN...? Then its first statements may commit
    before a later one fails, as on PostgreSQL."""
    try:
        statements = aurora_sec.classify(sql, 15)
    except PostgresError:
        return False
    return any(isinstance(s, TransactionControl) for s in statements)


@FUZZ
@given(sql=SQL_TEXT, major=MAJORS)
def test_classify_answers_statements_or_a_postgres_error(sql: str, major: int | str | None) -> None:
    try:
        statements = aurora_sec.classify(sql, major)
    except PostgresError as err:
        assert err.sqlstate and err.message
    else:
        assert isinstance(statements, tuple)
        for statement in statements:
            assert isinstance(statement.tag, str)


def run(user: str, script: list[str]) -> None:
    """Run each string of ``script`` in one session; check what an error leaves."""
    acct = world().fresh()
    session = acct.session("prod", user)
    for sql in script:
        before = acct.snapshot()
        try:
            session.execute(sql)
        except (PostgresError, UnsupportedByEmulator):
            if not _controls_transactions(sql):
                assert acct.snapshot() == before, sql
    if session.in_transaction:
        session.execute("ROLLBACK")


@FUZZ
@given(user=st.sampled_from(["postgres", "app"]), script=st.lists(SQL_TEXT, min_size=1, max_size=4))
def test_execute_raises_only_documented_errors(user: str, script: list[str]) -> None:
    run(user, script)
