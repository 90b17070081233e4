"""The second writer of a row waits, against real PostgreSQL 15 and 16 (issue 8).

Two sessions, each driven by its own thread where a statement may block. A *holder* opens a
transaction block and writes; a *waiter* then runs a statement touching the same role. On
the real servers (tests/oracle) and on the emulator, the test records:

* whether the waiter blocked: on PostgreSQL its backend shows ``wait_event_type = 'Lock'``
  in ``pg_stat_activity``, in the emulator the cluster's lock table lists its wait (both
  polled; a waiter that finishes first did not block);
* how the holder ends (COMMIT, ROLLBACK, its connection closed, an error that aborts its
  block, ROLLBACK TO a savepoint) and every outcome after that: tag, or SQLSTATE, message
  and DETAIL (role oids in the texts written as role names, the two systems draw different
  oids), and the roles, memberships and role settings left.

Both must be equal. The deadlock case compares the 40P01 report (who is picked, DETAIL's
shape, HINT); ``lock_timeout`` is compared too. The emulator's own choice (a wait only the
same thread could end fails at once with 55P03) is tested on the emulator alone, and is
recorded in docs/fidelity.md ("Concurrency").
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import psycopg
import pytest

import aurora_sec
from aurora_sec.engine.database import Database
from aurora_sec.errors import PostgresError
from aurora_sec.testing.clusters import make_cluster
from tests.oracle.servers import PgServer

ROLES = ("r", "g", "a", "b", "m")
SETUP = ("CREATE ROLE r", "CREATE ROLE g", "CREATE ROLE a", "CREATE ROLE b", "CREATE ROLE m")
SETUP_GRANTS = ("GRANT g TO m",)
NAMES = (*ROLES, "r2", "x")
CLEANUP = "DROP ROLE IF EXISTS " + ", ".join(NAMES)
#: How long a poll for "is it waiting?" may last before the test gives up on it.
POLL_LIMIT = 10.0


@attrs.frozen
class Case:
    holder: str
    waiter: str
    #: majors where the case runs (others differ on purpose: see docs/fidelity.md)
    majors: tuple[int, ...] = (15, 16)


CASES: dict[str, Case] = {
    "create/create": Case("CREATE ROLE x", "CREATE ROLE x"),
    "alter/alter": Case("ALTER ROLE r LOGIN", "ALTER ROLE r CONNECTION LIMIT 3"),
    "alter unchanged/alter": Case("ALTER ROLE r NOLOGIN", "ALTER ROLE r CONNECTION LIMIT 3"),
    "alter/drop": Case("ALTER ROLE r LOGIN", "DROP ROLE r"),
    "drop/alter": Case("DROP ROLE r", "ALTER ROLE r LOGIN"),
    "drop/drop": Case("DROP ROLE r", "DROP ROLE r"),
    "rename/alter": Case("ALTER ROLE r RENAME TO r2", "ALTER ROLE r LOGIN"),
    "alter/rename": Case("ALTER ROLE r LOGIN", "ALTER ROLE r RENAME TO r2"),
    "rename/create": Case("ALTER ROLE r RENAME TO x", "CREATE ROLE x"),
    "create/rename": Case("CREATE ROLE x", "ALTER ROLE r RENAME TO x"),
    "grant/grant another member": Case("GRANT g TO a", "GRANT g TO b"),
    "grant/grant the same": Case("GRANT g TO a", "GRANT g TO a"),
    "grant/revoke": Case("GRANT g TO a", "REVOKE g FROM a"),
    "revoke/revoke": Case("REVOKE g FROM m", "REVOKE g FROM m"),
    "revoke/grant": Case("REVOKE g FROM m", "GRANT g TO m"),
    "revoke/drop member": Case("REVOKE g FROM m", "DROP ROLE m"),
    "drop member/grant": Case("DROP ROLE m", "GRANT g TO m"),
    "alter/grant": Case("ALTER ROLE g LOGIN", "GRANT g TO a"),
    "grant/alter": Case("GRANT g TO a", "ALTER ROLE g LOGIN"),
    # 15 takes no lock on the granted role: its DROP leaves the new row dangling there
    "grant/drop granted": Case("GRANT g TO a", "DROP ROLE g", majors=(16,)),
    # 16: CREATE ROLE ... IN ROLE and ALTER GROUP ... ADD/DROP USER lock the role they grant
    "grant/create in role": Case("GRANT g TO a", "CREATE ROLE x IN ROLE g"),
    "grant/alter group add": Case("GRANT g TO a", "ALTER GROUP g ADD USER b"),
    "revoke/alter group drop": Case("REVOKE g FROM m", "ALTER GROUP g DROP USER a"),
    "set/set": Case("ALTER ROLE r SET work_mem = '1MB'", "ALTER ROLE r SET work_mem = '2MB'"),
    "set/drop": Case("ALTER ROLE r SET work_mem = '1MB'", "DROP ROLE r"),
    "drop/set": Case("DROP ROLE r", "ALTER ROLE r SET work_mem = '2MB'"),
    "alter/set": Case("ALTER ROLE r LOGIN", "ALTER ROLE r SET work_mem = '2MB'"),
}

#: How the holder's transaction ends: its statements after the waiter started ("<close>"
#: closes its connection). The waiter's outcome is taken after the first of them.
ENDS: dict[str, tuple[str, ...]] = {
    "commit": ("COMMIT",),
    "rollback": ("ROLLBACK",),
}
#: More ways to end or shrink the holder's transaction, for a few cases.
MORE_ENDS: dict[str, tuple[str, ...]] = {
    "close": ("<close>",),
    "error aborts the block": ("ALTER ROLE no_such_role LOGIN", "ROLLBACK"),
    "rollback to savepoint": ("ROLLBACK TO SAVEPOINT s", "COMMIT"),
}
MORE_CASES = ("create/create", "alter/alter", "drop/drop", "set/set")


def _runs() -> Iterator[Any]:
    for major in (15, 16):
        for name, case in CASES.items():
            if major not in case.majors:
                continue
            ends = dict(ENDS)
            if name in MORE_CASES:
                ends.update(MORE_ENDS)
            blocks = (False, True) if name in ("create/create", "alter/alter") else (False,)
            for end in ends:
                for in_block in blocks:
                    label = f"pg{major}-{name}-{end}" + ("-waiter in a block" if in_block else "")
                    yield pytest.param(major, name, end, in_block, id=label)


# ------------------------------------------------------------------------- the two sides --


class Side:
    """One system under test: real PostgreSQL or the emulator, with the same verbs."""

    #: a connection for the setup and the final state
    admin: Any

    def connect(self) -> Any:
        raise NotImplementedError

    def run(self, conn: Any, sql: str) -> tuple[Any, ...]:
        raise NotImplementedError

    def close(self, conn: Any) -> None:
        raise NotImplementedError

    def deadlock_timeout(self, conn: Any, value: str) -> None:
        raise NotImplementedError

    def waiting(self, conn: Any) -> bool:
        raise NotImplementedError

    def backend(self, conn: Any) -> int:
        raise NotImplementedError

    def oids(self) -> dict[int, str]:
        raise NotImplementedError

    def state(self) -> tuple[Any, ...]:
        raise NotImplementedError


class Real(Side):
    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.admin = self._open()

    def _open(self) -> psycopg.Connection[Any]:
        conn = self.server.connect("rdsadmin")
        conn.autocommit = True
        return conn

    def connect(self) -> psycopg.Connection[Any]:
        return self._open()

    def deadlock_timeout(self, conn: psycopg.Connection[Any], value: str) -> None:
        conn.execute(f"SET deadlock_timeout = '{value}'")

    def run(self, conn: psycopg.Connection[Any], sql: str) -> tuple[Any, ...]:
        try:
            cur = conn.execute(sql)
        except psycopg.Error as err:
            diag = err.diag
            return (
                "error",
                err.sqlstate,
                diag.message_primary,
                diag.message_detail,
                diag.message_hint,
            )
        return ("ok", cur.statusmessage)

    def close(self, conn: psycopg.Connection[Any]) -> None:
        conn.close()

    def waiting(self, conn: psycopg.Connection[Any]) -> bool:
        row = self.admin.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
            (conn.info.backend_pid,),
        ).fetchone()
        return row is not None and row[0] == "Lock"

    def backend(self, conn: psycopg.Connection[Any]) -> int:
        return conn.info.backend_pid

    def oids(self) -> dict[int, str]:
        rows = self.admin.execute(
            "SELECT oid::int, rolname FROM pg_authid WHERE rolname = ANY(%s)", (list(NAMES),)
        ).fetchall()
        return {int(oid): str(name) for oid, name in rows}

    def state(self) -> tuple[Any, ...]:
        roles = self.admin.execute(
            "SELECT rolname, rolcanlogin, rolconnlimit FROM pg_roles"
            " WHERE rolname = ANY(%s) ORDER BY 1",
            (list(NAMES),),
        ).fetchall()
        members = self.admin.execute(
            "SELECT r.rolname, m.rolname FROM pg_auth_members am"
            " JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member"
            " WHERE r.rolname = ANY(%s) ORDER BY 1, 2",
            (list(NAMES),),
        ).fetchall()
        settings = self.admin.execute(
            "SELECT r.rolname, s.setconfig FROM pg_db_role_setting s"
            " JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = ANY(%s) ORDER BY 1",
            (list(NAMES),),
        ).fetchall()
        return (
            [(n, bool(login), int(limit)) for n, login, limit in roles],
            [tuple(row) for row in members],
            [(n, sorted(config)) for n, config in settings],
        )

    def reset(self) -> None:
        self.admin.execute(CLEANUP)


class Emulated(Side):
    def __init__(self, major: int, cidrs: tuple[str, ...] = ()) -> None:
        self.acct = aurora_sec.Account(seed=8)
        make_cluster(
            self.acct,
            engine_version=f"{major}.4",
            parameters={},
            security_group_cidrs=cidrs,
            instance_class="db.r6g.large",
            identifier="rl",
        )
        self.admin = self.connect()

    @property
    def database(self) -> Database:
        return self.acct.rds.database("rl")

    def connect(self) -> aurora_sec.Session:
        return self.acct.session("rl", "rdsadmin")

    def run(self, conn: aurora_sec.Session, sql: str) -> tuple[Any, ...]:
        try:
            result = conn.execute(sql)
        except PostgresError as err:
            return ("error", err.sqlstate, err.message, err.detail, err.hint)
        return ("ok", result.tag)

    def close(self, conn: aurora_sec.Session) -> None:
        conn.close()

    def deadlock_timeout(self, conn: aurora_sec.Session, value: str) -> None:
        """The emulator detects a cycle when it closes (no deadlock_timeout: fidelity.md)."""

    def waiting(self, conn: aurora_sec.Session) -> bool:
        waits = self.database.locks.waits
        return any(getattr(w, "session", w) is conn for w in list(waits))

    def backend(self, conn: aurora_sec.Session) -> int:
        return conn.backend

    def oids(self) -> dict[int, str]:
        catalog = self.database.catalog
        return {role.oid: role.name for n in NAMES if (role := catalog.get(n)) is not None}

    def state(self) -> tuple[Any, ...]:
        catalog = self.database.catalog
        roles = [
            (n, role.login, role.connection_limit)
            for n in sorted(NAMES)
            if (role := catalog.get(n)) is not None
        ]
        members = sorted(
            (catalog.role(g.role).name, catalog.role(g.member).name)
            for n in NAMES
            if (role := catalog.get(n)) is not None
            for g in catalog.grants_of_role(role.oid)
        )
        by_role: dict[str, list[str]] = {}
        for s in catalog.settings:
            if s.role in catalog.roles and catalog.role(s.role).name in NAMES:
                by_role.setdefault(catalog.role(s.role).name, []).append(f"{s.name}={s.value}")
        return (roles, members, sorted((n, sorted(v)) for n, v in by_role.items()))


def _named(outcome: tuple[Any, ...], oids: dict[int, str]) -> tuple[Any, ...]:
    """An outcome with the role oids in its texts replaced by the roles' names."""

    def name(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        return re.sub(r"\b\d{5,}\b", lambda m: oids.get(int(m.group()), m.group()), text)

    return tuple(name(part) for part in outcome)


class Background:
    """A statement run in its own thread (it may block)."""

    def __init__(self, action: Callable[[], tuple[Any, ...]]) -> None:
        self.result: tuple[Any, ...] | None = None
        self._thread = threading.Thread(target=self._go, args=(action,), daemon=True)
        self._thread.start()

    def _go(self, action: Callable[[], tuple[Any, ...]]) -> None:
        self.result = action()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> tuple[Any, ...]:
        self._thread.join(POLL_LIMIT)
        assert not self._thread.is_alive(), "the statement never returned"
        assert self.result is not None
        return self.result


def _blocked(side: Side, conn: Any, job: Background) -> bool:
    """Poll until the waiter either waits for a lock (True) or has returned (False)."""
    deadline = time.monotonic() + POLL_LIMIT
    while time.monotonic() < deadline:
        if job.done:
            return False
        if side.waiting(conn):
            return True
        time.sleep(0.002)
    raise AssertionError("the statement neither returned nor waited for a lock")


def _interleave(side: Side, case: Case, end: tuple[str, ...], in_block: bool) -> list[Any]:
    """Run one interleaving; everything a client would see, in order."""
    for sql in SETUP + SETUP_GRANTS:
        assert side.run(side.admin, sql)[0] == "ok", sql
    oids = side.oids()
    holder, waiter = side.connect(), side.connect()
    seen: list[Any] = [side.run(holder, "BEGIN")]
    if "ROLLBACK TO SAVEPOINT s" in end:
        seen.append(side.run(holder, "SAVEPOINT s"))
    seen.append(side.run(holder, case.holder))
    if in_block:
        seen.append(side.run(waiter, "BEGIN"))
    job = Background(lambda: side.run(waiter, case.waiter))
    seen.append(("blocked", _blocked(side, waiter, job)))
    for i, sql in enumerate(end):
        if sql == "<close>":
            side.close(holder)
            seen.append(("closed",))
        else:
            seen.append(side.run(holder, sql))
        if i == 0:
            seen.append(("waiter", *_named(job.join(), oids)))
    job.join()
    if in_block:
        seen.append(side.run(waiter, "COMMIT"))
    seen.append(("state", side.state()))
    if "<close>" not in end:
        side.close(holder)
    side.close(waiter)
    return seen


@pytest.fixture(scope="module")
def real_sides(pg15: PgServer, pg16: PgServer) -> dict[int, Real]:
    return {15: Real(pg15), 16: Real(pg16)}


def _on_both(
    real_sides: dict[int, Real], major: int, scenario: Callable[[Side], list[Any]]
) -> tuple[list[Any], list[Any]]:
    """``scenario`` on the real server (then put back as it was) and on the emulator."""
    real = real_sides[major]
    try:
        want = scenario(real)
    finally:
        real.reset()
    return want, scenario(Emulated(major))


@pytest.mark.parametrize(("major", "name", "end", "in_block"), list(_runs()))
def test_the_second_writer_waits_as_on_postgres(
    real_sides: dict[int, Real], major: int, name: str, end: str, in_block: bool
) -> None:
    case = CASES[name]
    steps = {**ENDS, **MORE_ENDS}[end]
    want, have = _on_both(real_sides, major, lambda side: _interleave(side, case, steps, in_block))
    assert have == want


def _deadlock_shape(detail: str, pids: dict[int, str]) -> str:
    """40P01's DETAIL with the process ids named and the transaction ids numbered."""
    xids: dict[str, str] = {}
    detail = re.sub(r"[Pp]rocess (\d+)", lambda m: m[0].replace(m[1], pids[int(m[1])]), detail)
    return re.sub(
        r"transaction (\d+)",
        lambda m: "transaction " + xids.setdefault(m[1], f"<xid{len(xids) + 1}>"),
        detail,
    )


def _deadlock(side: Side) -> list[Any]:
    """Two blocks each update a role, then the other's: the first to wait is picked."""
    for sql in SETUP:
        assert side.run(side.admin, sql)[0] == "ok", sql
    first, second = side.connect(), side.connect()
    # PostgreSQL checks for a cycle deadlock_timeout after a wait begins: the first waiter's
    # check runs first (well after the second waits), as with the default of 1s
    side.deadlock_timeout(first, "200ms")
    side.deadlock_timeout(second, "10s")
    pids = {side.backend(first): "<first>", side.backend(second): "<second>"}
    seen: list[Any] = [
        side.run(first, "BEGIN"),
        side.run(first, "ALTER ROLE r LOGIN"),
        side.run(second, "BEGIN"),
        side.run(second, "ALTER ROLE a LOGIN"),
    ]
    job1 = Background(lambda: side.run(first, "ALTER ROLE a CONNECTION LIMIT 1"))
    seen.append(("first blocked", _blocked(side, first, job1)))
    job2 = Background(lambda: side.run(second, "ALTER ROLE r CONNECTION LIMIT 1"))
    outcome1, outcome2 = job1.join(), job2.join()
    for outcome in (outcome1, outcome2):
        if outcome[0] == "error" and outcome[3] is not None:
            # process ids and transaction ids differ: keep who is who and the shape
            outcome = (*outcome[:3], _deadlock_shape(outcome[3], pids), *outcome[4:])
        seen.append(outcome)
    seen += [side.run(first, "COMMIT"), side.run(second, "COMMIT"), ("state", side.state())]
    side.close(first)
    side.close(second)
    return seen


@pytest.mark.parametrize("major", [15, 16])
def test_a_deadlock_fails_the_first_waiter_and_the_other_goes_on(
    real_sides: dict[int, Real], major: int
) -> None:
    want, have = _on_both(real_sides, major, _deadlock)
    assert have == want
    assert want[5][:3] == ("error", "40P01", "deadlock detected")  # the case is the case


def _lock_timeout(side: Side) -> list[Any]:
    for sql in SETUP:
        assert side.run(side.admin, sql)[0] == "ok", sql
    holder, waiter = side.connect(), side.connect()
    seen: list[Any] = [
        side.run(holder, "BEGIN"),
        side.run(holder, "ALTER ROLE r LOGIN"),
        side.run(waiter, "SET lock_timeout = '100ms'"),
        side.run(waiter, "SHOW lock_timeout"),
        Background(lambda: side.run(waiter, "ALTER ROLE r CONNECTION LIMIT 1")).join(),
        side.run(waiter, "BEGIN"),
        Background(lambda: side.run(waiter, "DROP ROLE r")).join(),
        side.run(waiter, "SELECT 1"),
        side.run(waiter, "ROLLBACK"),
        side.run(holder, "COMMIT"),
        ("state", side.state()),
    ]
    side.close(holder)
    side.close(waiter)
    return seen


@pytest.mark.parametrize("major", [15, 16])
def test_lock_timeout_ends_a_wait(real_sides: dict[int, Real], major: int) -> None:
    want, have = _on_both(real_sides, major, _lock_timeout)
    assert have == want
    assert want[4][:3] == ("error", "55P03", "canceling statement due to lock timeout")


# ------------------------------------------------------------- the emulator's own choices --


def test_a_wait_only_the_same_thread_could_end_fails_at_once() -> None:
    """One thread driving both sessions: on a real server the second would wait for ever
    (the thread that must end the first is the one waiting). The emulator answers 55P03
    at once, as if lock_timeout had passed, and the failed statement aborts its block
    (docs/fidelity.md, "Concurrency")."""
    side = Emulated(15)
    for sql in SETUP:
        side.run(side.admin, sql)
    holder, waiter = side.connect(), side.connect()
    side.run(holder, "BEGIN")
    side.run(holder, "ALTER ROLE r LOGIN")
    timeout = ("error", "55P03", "canceling statement due to lock timeout", None, None)
    assert side.run(waiter, "ALTER ROLE r CONNECTION LIMIT 1") == timeout
    assert side.run(waiter, "BEGIN; DROP ROLE r") == timeout
    assert side.run(waiter, "SELECT 1")[1] == "25P02"
    assert side.run(waiter, "COMMIT") == ("ok", "ROLLBACK")
    # a statement that needs nothing the holder holds runs
    assert side.run(waiter, "ALTER ROLE a LOGIN") == ("ok", "ALTER ROLE")
    assert side.run(holder, "COMMIT") == ("ok", "COMMIT")
    assert side.run(waiter, "ALTER ROLE r CONNECTION LIMIT 1") == ("ok", "ALTER ROLE")
    role = side.database.catalog.get("r")
    assert role is not None and role.login and role.connection_limit == 1


def _held_then_released(side: Emulated, release: Callable[[], object], holder: Any) -> None:
    """``holder`` (a session or a client connection) holds r; a waiter in another thread
    waits for it until ``release()``, then goes on as if the holder had rolled back."""
    holder.execute("BEGIN; ALTER ROLE r CONNECTION LIMIT 7")
    waiter = side.connect()
    job = Background(lambda: side.run(waiter, "ALTER ROLE r LOGIN"))
    assert _blocked(side, waiter, job)
    release()
    assert job.join() == ("ok", "ALTER ROLE")
    role = side.database.catalog.get("r")
    assert role is not None and role.login and role.connection_limit == -1
    assert not side.database.locks.holders


def _client_world() -> tuple[Emulated, aurora_sec.Client, str]:
    side = Emulated(15, cidrs=("203.0.113.0/24",))
    for sql in SETUP:
        side.run(side.admin, sql)
    side.run(side.acct.session("rl"), "ALTER ROLE postgres PASSWORD 'held-then-released'")
    endpoint = side.acct.client("rds").describe_db_clusters(DBClusterIdentifier="rl")["DBClusters"][
        0
    ]["Endpoint"]
    client = aurora_sec.Client(side.acct, ip="203.0.113.10", driver="libpq", driver_version=15)
    return side, client, str(endpoint)


def test_closing_a_connection_releases_what_its_transaction_holds() -> None:
    side, client, endpoint = _client_world()
    conn = client.connect(
        f"host={endpoint} dbname=postgres user=postgres password=held-then-released sslmode=require"
    )
    _held_then_released(side, conn.close, conn)


def test_a_reboot_releases_what_its_sessions_hold() -> None:
    side, client, endpoint = _client_world()
    conn = client.connect(
        f"host={endpoint} dbname=postgres user=postgres password=held-then-released sslmode=require"
    )
    rds = side.acct.client("rds")
    _held_then_released(side, lambda: rds.reboot_db_instance(DBInstanceIdentifier="rl-1"), conn)
    assert not conn.session.in_transaction


def test_a_restored_snapshot_releases_what_open_transactions_hold() -> None:
    side = Emulated(15)
    for sql in SETUP:
        side.run(side.admin, sql)
    snapshot = side.acct.snapshot()
    holder = side.connect()
    _held_then_released(side, lambda: side.acct.restore(snapshot), holder)
    assert not holder.in_transaction


def test_closing_a_waiting_session_ends_its_statement() -> None:
    """A session closed (its connection gone) while its statement waits: the statement fails
    with FATAL 57P01 and the holder keeps what it holds (docs/fidelity.md)."""
    side = Emulated(16)
    for sql in SETUP:
        side.run(side.admin, sql)
    holder, waiter = side.connect(), side.connect()
    side.run(holder, "BEGIN")
    side.run(holder, "DROP ROLE r")
    side.run(waiter, "BEGIN")
    side.run(waiter, "ALTER ROLE a LOGIN")
    job = Background(lambda: side.run(waiter, "ALTER ROLE r SET work_mem = '2MB'"))
    assert _blocked(side, waiter, job)
    side.close(waiter)
    assert job.join() == (
        "error",
        "57P01",
        "terminating connection due to administrator command",
        None,
        None,
    )
    assert not waiter.in_transaction
    assert [type(h).__name__ for h in side.database.locks.holders] == ["_Tx"]
    assert side.run(holder, "COMMIT") == ("ok", "COMMIT")
    catalog = side.database.catalog
    assert catalog.get("r") is None
    role = catalog.get("a")
    assert role is not None and not role.login  # the closed block's write is gone
