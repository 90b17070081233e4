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
        conn = self._open()
        conn.execute("SET deadlock_timeout = '50ms'")
        return conn

    def run(self, conn: psycopg.Connection[Any], sql: str) -> tuple[Any, ...]:
        try:
            cur = conn.execute(sql)
        except psycopg.Error as err:
            return ("error", err.sqlstate, err.diag.message_primary, err.diag.message_detail)
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
    def __init__(self, major: int) -> None:
        self.acct = aurora_sec.Account(seed=8)
        make_cluster(
            self.acct,
            engine_version=f"{major}.4",
            parameters={},
            security_group_cidrs=[],
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
            return ("error", err.sqlstate, err.message, err.detail)
        return ("ok", result.tag)

    def close(self, conn: aurora_sec.Session) -> None:
        conn.close()

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


@pytest.mark.parametrize(("major", "name", "end", "in_block"), list(_runs()))
def test_the_second_writer_waits_as_on_postgres(
    real_sides: dict[int, Real], major: int, name: str, end: str, in_block: bool
) -> None:
    case = CASES[name]
    steps = {**ENDS, **MORE_ENDS}[end]
    real = real_sides[major]
    try:
        want = _interleave(real, case, steps, in_block)
    finally:
        real.reset()
    have = _interleave(Emulated(major), case, steps, in_block)
    assert have == want
