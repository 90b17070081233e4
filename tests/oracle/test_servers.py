"""Smoke tests of the oracle harness against the real servers it starts (PG 15 and PG 16)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.oracle.servers import (
    MASTER_USER,
    SUPERUSER,
    CaseSetupError,
    OracleError,
    PgServer,
    check_statement,
    make_server,
    reap_stale_servers,
    redact,
    run_case,
)

VERSION_RANGES = {15: range(150000, 160000), 16: range(160000, 170000)}


def _scalar(server: PgServer, query: str) -> object:
    with server.connect(SUPERUSER) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _role_exists(server: PgServer, name: str) -> bool:
    with server.connect(SUPERUSER) as conn:
        row = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [name]).fetchone()
    assert row is not None
    return bool(row[0])


def test_server_version_is_the_right_major(pg: PgServer) -> None:
    version_num = int(str(_scalar(pg, "SHOW server_version_num")))
    assert version_num in VERSION_RANGES[pg.major]
    assert pg.version_num == version_num
    assert pg.version.startswith(f"{pg.major}.")
    assert pg.host == "127.0.0.1"
    assert _scalar(pg, "SHOW listen_addresses") == "127.0.0.1"
    assert _scalar(pg, "SELECT inet_server_addr()::text") == "127.0.0.1/32"


def test_superuser_connection_is_rdsadmin(pg: PgServer) -> None:
    with pg.connect(SUPERUSER) as conn:
        row = conn.execute(
            "SELECT current_user, session_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == ("rdsadmin", "rdsadmin", True)


def test_aurora_role_shape(pg: PgServer) -> None:
    with pg.connect(SUPERUSER) as conn:
        master = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,"
            " rolinherit, rolvaliduntil = 'infinity' FROM pg_roles WHERE rolname = %s",
            [MASTER_USER],
        ).fetchone()
        assert master == (False, True, True, True, False, True, True)
        nologin = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'rds%%' AND NOT rolcanlogin"
            " ORDER BY rolname"
        ).fetchall()
        assert [name for (name,) in nologin] == [
            "rds_ad",
            "rds_iam",
            "rds_password",
            "rds_replication",
            "rds_superuser",
        ]
        memberships = conn.execute(
            "SELECT pg_has_role('rds_superuser', 'rds_password', 'MEMBER'),"
            " pg_has_role('rds_superuser', 'rds_replication', 'MEMBER'),"
            " pg_has_role('rds_superuser', 'pg_monitor', 'MEMBER'),"
            " pg_has_role('rds_superuser', 'pg_signal_backend', 'MEMBER'),"
            " pg_has_role('postgres', 'rds_superuser', 'MEMBER'),"
            " pg_has_role('postgres', 'rds_password', 'USAGE')"
        ).fetchone()
        assert memberships == (True, True, True, True, True, True)


def test_run_case_runs_as_the_role_and_isolates_errors(pg: PgServer) -> None:
    outcomes = run_case(
        pg,
        setup=["CREATE ROLE oracle_dup"],
        as_role=MASTER_USER,
        statements=[
            "SELECT session_user, current_user",
            "CREATE ROLE oracle_dup",
            "CREATE ROLE oracle_new",
        ],
    )
    who, duplicate, created = outcomes
    assert who.ok
    assert who.rows == (("postgres", "postgres"),)
    assert not duplicate.ok
    assert duplicate.sqlstate == "42710"
    assert duplicate.severity == "ERROR"
    assert duplicate.message_primary == 'role "oracle_dup" already exists'
    assert duplicate.command_tag is None
    assert created.ok
    assert created.command_tag == "CREATE ROLE"
    assert created.sqlstate is None
    # Everything was rolled back: neither the setup's role nor the case's exists.
    assert not _role_exists(pg, "oracle_dup")
    assert not _role_exists(pg, "oracle_new")


def test_run_case_captures_notices(pg: PgServer) -> None:
    # The role is made by postgres itself, so on 16 it also holds ADMIN on it (rename allowed).
    create, rename = run_case(
        pg,
        setup=["SET password_encryption = 'md5'"],
        as_role=MASTER_USER,
        statements=[
            "CREATE ROLE oracle_md5 LOGIN PASSWORD 'not-a-secret'",
            "ALTER ROLE oracle_md5 RENAME TO oracle_md5_renamed",
        ],
    )
    assert create.ok
    assert create.notices == ()
    assert rename.ok
    assert rename.command_tag == "ALTER ROLE"
    assert [(n.severity, n.sqlstate, n.message) for n in rename.notices] == [
        ("NOTICE", "00000", "MD5 password cleared because of role rename")
    ]
    assert not _role_exists(pg, "oracle_md5_renamed")


def test_reserved_role_name(pg: PgServer) -> None:
    (outcome,) = run_case(pg, [], MASTER_USER, ["CREATE ROLE pg_x"])
    assert not outcome.ok
    assert outcome.sqlstate == "42939"
    assert outcome.message_primary == 'role name "pg_x" is reserved'
    assert outcome.detail == 'Role names starting with "pg_" are reserved.'


def test_syntax_error_position(pg: PgServer) -> None:
    (outcome,) = run_case(pg, [], MASTER_USER, ["CREATE ROLEE x"])
    assert (outcome.sqlstate, outcome.position) == ("42601", 8)
    assert outcome.message_primary == 'syntax error at or near "ROLEE"'


@pytest.mark.parametrize(
    "statement",
    ["COMMIT", "rollback", "SAVEPOINT s", "BEGIN", "SET SESSION AUTHORIZATION rdsadmin"],
)
def test_statements_that_would_break_the_case_are_refused(statement: str) -> None:
    with pytest.raises(ValueError, match="cannot"):
        check_statement(statement)


def test_transaction_block_only_statements_raise(pg15: PgServer) -> None:
    with pytest.raises(OracleError, match="inside a transaction block"):
        run_case(pg15, [], SUPERUSER, ["CREATE DATABASE oracle_db"])


def test_setup_failure_raises_without_the_password(pg15: PgServer) -> None:
    with pytest.raises(CaseSetupError) as info:
        run_case(pg15, ["CREATE ROLE oracle_x PASSWORD 'hunter2' BOGUS"], MASTER_USER, [])
    assert "hunter2" not in str(info.value)
    assert redact("ALTER ROLE a PASSWORD 'it''s' VALID UNTIL 'x'") == (
        "ALTER ROLE a PASSWORD '***' VALID UNTIL 'x'"
    )


def test_stop_leaves_no_server_behind() -> None:
    server = make_server(15)
    server.start()
    workdir = server.workdir
    assert workdir is not None
    pid = int((workdir / "data" / "postmaster.pid").read_text().split()[0])
    server.stop()
    server.stop()  # idempotent
    assert server.workdir is None
    assert not server.running
    assert not workdir.exists()
    assert _process_gone(pid)


def _process_gone(pid: int, timeout: float = 5.0) -> bool:
    """True once the process no longer runs (gone, or an exited zombie not yet reaped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_servers_of_a_killed_run_are_reaped() -> None:
    # A test run that dies without cleaning up (os._exit skips atexit) leaves its server; the
    # next start (or reap_stale_servers) stops it and removes its folder.
    script = (
        "import os, sys\n"
        "from tests.oracle.servers import start_server\n"
        "server = start_server(15)\n"
        "print(server.workdir, flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    workdir = Path(done.stdout.strip())
    pid = int((workdir / "data" / "postmaster.pid").read_text().split()[0])
    assert not _process_gone(pid, timeout=0.1)
    reap_stale_servers()  # (a concurrent test run's reaper may have been quicker: fine)
    assert not workdir.exists()
    assert _process_gone(pid)
