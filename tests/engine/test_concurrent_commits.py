"""Two sessions with overlapping explicit transactions, against real PostgreSQL 15 and 16.

(PostgreSQL 16 serialises GRANTs of one role: AddRoleMems locks the granted role, so two
transactions granting rds_password would wait for each other; the scenarios avoid that.)

On PostgreSQL (READ COMMITTED) transactions that write different rows of pg_authid and
pg_auth_members both commit. The emulator's transactions work on private catalogs; a COMMIT
that finds another session's commit since its BEGIN makes its statements again on the newer
catalog and commits that, when every statement answers there what it answered before
(``Session._replay``). Transactions that write the same rows make the second writer wait,
on both systems: tests/engine/test_row_locks.py compares those; the scenarios here are the
ones where PostgreSQL does not block.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

import aurora_sec
from aurora_sec.errors import PostgresError
from aurora_sec.testing.clusters import make_cluster
from tests.conformance.outcomes import text_value
from tests.oracle.servers import PgServer

#: (session 1 or 2, statement); both sessions run as rdsadmin in Aurora's role shape.
SCENARIOS: dict[str, list[tuple[int, str]]] = {
    "disjoint creates and grants": [
        (1, "BEGIN"),
        (1, "CREATE ROLE cc_a LOGIN"),
        (2, "BEGIN"),
        (2, "CREATE ROLE cc_b"),
        (2, "GRANT rds_password TO cc_b"),
        (2, "DROP ROLE IF EXISTS cc_a"),
        (1, "ALTER ROLE cc_a CONNECTION LIMIT 3"),
        (1, "COMMIT"),
        (2, "COMMIT"),
        (1, "SELECT rolname, rolconnlimit FROM pg_roles WHERE rolname = 'cc_a'"),
        (1, "SELECT pg_has_role('cc_b', 'rds_password', 'MEMBER')"),
    ],
    "a rolled-back savepoint and a password": [
        (1, "CREATE ROLE cc_c LOGIN"),
        (1, "BEGIN"),
        (1, "ALTER ROLE cc_c PASSWORD 'first-password' VALID UNTIL '2031-01-01'"),
        (2, "BEGIN"),
        (2, "CREATE ROLE cc_d"),
        (2, "SAVEPOINT s"),
        (2, "CREATE ROLE cc_e"),
        (2, "ROLLBACK TO s"),
        (2, "GRANT cc_d TO cc_c"),
        (1, "COMMIT"),
        (2, "COMMIT"),
        (1, "SELECT pg_has_role('cc_c', 'cc_d', 'MEMBER')"),
        (1, "SELECT rolname, rolvaliduntil IS NOT NULL FROM pg_roles WHERE rolname = 'cc_c'"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_e'"),
    ],
    # READ COMMITTED: each statement of a block sees what others committed before it began
    "each statement sees what was committed before it": [
        (1, "BEGIN"),
        (1, "CREATE ROLE cc_h"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_f'"),
        (2, "CREATE ROLE cc_f"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_f'"),
        (1, "ALTER ROLE cc_f LOGIN CONNECTION LIMIT 4"),
        (1, "SAVEPOINT s"),
        (2, "BEGIN"),
        (2, "CREATE ROLE cc_g"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_g'"),
        (2, "COMMIT"),
        (1, "GRANT cc_g TO cc_f"),
        (1, "SELECT pg_has_role('cc_f', 'cc_g', 'MEMBER')"),
        (1, "ROLLBACK TO s"),
        (1, "SELECT pg_has_role('cc_f', 'cc_g', 'MEMBER')"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname IN ('cc_g', 'cc_h') ORDER BY 1"),
        (1, "GRANT cc_h TO cc_g"),
        (1, "COMMIT"),
        (2, "SELECT rolname, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = 'cc_f'"),
        (2, "SELECT pg_has_role('cc_g', 'cc_h', 'MEMBER')"),
    ],
    "a block sees a drop committed after its BEGIN": [
        (2, "CREATE ROLE cc_i"),
        (1, "BEGIN"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_i'"),
        (2, "DROP ROLE cc_i"),
        (1, "SELECT rolname FROM pg_roles WHERE rolname = 'cc_i'"),
        (1, "ALTER ROLE cc_i LOGIN"),
        (1, "ROLLBACK"),
    ],
}
CLEANUP = "DROP ROLE IF EXISTS cc_a, cc_b, cc_c, cc_d, cc_e, cc_f, cc_g, cc_h, cc_i"


def _outcome_real(conn: psycopg.Connection[Any], sql: str) -> tuple[str, Any]:
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            if cur.description is None:
                return ("ok", cur.statusmessage)
            return ("ok", [[text_value(v) for v in row] for row in cur.fetchall()])
    except psycopg.Error as err:
        return ("error", err.sqlstate)


def _outcome_emulated(session: aurora_sec.Session, sql: str) -> tuple[str, Any]:
    try:
        result = session.execute(sql)
    except PostgresError as err:
        return ("error", err.sqlstate)
    if result.rows is not None:
        return ("ok", [list(r) for r in result.rows])
    return ("ok", result.tag)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_overlapping_transactions_commit_as_on_postgres(pg: PgServer, name: str) -> None:
    steps = SCENARIOS[name]
    real = {i: pg.connect("rdsadmin") for i in (1, 2)}
    for conn in real.values():
        conn.autocommit = True
        # a scenario that would make PostgreSQL wait is a wrong scenario: fail, never hang
        conn.execute("SET lock_timeout = '5s'")
    try:
        want = [_outcome_real(real[i], sql) for i, sql in steps]
    finally:
        _outcome_real(real[1], CLEANUP)
        for conn in real.values():
            conn.close()
    acct = aurora_sec.Account(seed=3)
    make_cluster(
        acct,
        engine_version=f"{pg.major}.4",
        parameters={},
        security_group_cidrs=[],
        instance_class="db.r6g.large",
        identifier="cc",
    )
    emulated = {i: acct.session("cc", "rdsadmin") for i in (1, 2)}
    have = [_outcome_emulated(emulated[i], sql) for i, sql in steps]
    for (i, sql), w, h in zip(steps, want, have, strict=True):
        assert h == w, f"session {i}: {sql}"
