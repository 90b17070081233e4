"""Row and role locks between the open transactions of one cluster, as PostgreSQL takes them.

On PostgreSQL a statement that writes a ``pg_authid`` tuple, a ``pg_auth_members`` row, a
``pg_db_role_setting`` row or a ``pg_authid_rolname_index`` entry written by another open
transaction *waits* for that transaction; when it ends, the waiter goes on (the other rolled
back) or fails (the other committed): 23505 for a unique index entry, XX000 ``tuple
concurrently updated`` / ``deleted`` for a tuple. Some statements also lock the role itself
(user.c ``LockSharedObject``): DROP ROLE in AccessExclusiveLock, ALTER ROLE ... SET in
AccessShareLock (``shdepLockAndCheckObject``), and from 16 GRANT/REVOKE in
ShareUpdateExclusiveLock on the granted role (AddRoleMems, DelRoleMems).

This module holds what the session needs for that: which rows a statement writes
(:meth:`~aurora_sec.engine.catalog.Catalog.written_rows`), the role locks a statement takes,
the registry of what open transactions hold (:class:`LockTable`, one per cluster, whose
condition is the cluster's lock), and the errors a waiter gets. Each was observed on
PostgreSQL 15.18 and 16.2 (tests/engine/test_row_locks.py).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from aurora_sec.engine.catalog import Catalog, RowKey
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st

__all__ = [
    "ACCESS_EXCLUSIVE",
    "ACCESS_SHARE",
    "SHARE_UPDATE_EXCLUSIVE",
    "Holder",
    "LockTable",
    "RoleLock",
    "conflict_error",
    "dropped_error",
    "role_locks",
]

ACCESS_SHARE = "AccessShareLock"
SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock"
ACCESS_EXCLUSIVE = "AccessExclusiveLock"

#: lock.c's conflict table, for the three modes role statements take.
_CONFLICTS: Mapping[str, frozenset[str]] = {
    ACCESS_SHARE: frozenset({ACCESS_EXCLUSIVE}),
    SHARE_UPDATE_EXCLUSIVE: frozenset({SHARE_UPDATE_EXCLUSIVE, ACCESS_EXCLUSIVE}),
    ACCESS_EXCLUSIVE: frozenset({ACCESS_SHARE, SHARE_UPDATE_EXCLUSIVE, ACCESS_EXCLUSIVE}),
}

#: (role oid, mode)
RoleLock = tuple[int, str]

#: The statements that lock the roles they name: (first major, mode). user.c: DropRole
#: ``LockSharedObject(AuthIdRelationId, roleid, 0, AccessExclusiveLock)``; AlterRoleSet
#: ``shdepLockAndCheckObject`` (AccessShareLock); AddRoleMems/DelRoleMems lock the granted
#: role in ShareUpdateExclusiveLock from 16 ("only allow changes to this role by one backend
#: at a time"); 15 takes no role lock there.
_ROLE_LOCKS: Mapping[type[st.Statement], tuple[int, str]] = {
    st.DropRole: (0, ACCESS_EXCLUSIVE),
    st.AlterRoleSet: (0, ACCESS_SHARE),
    st.GrantRole: (16, SHARE_UPDATE_EXCLUSIVE),
    st.RevokeRole: (16, SHARE_UPDATE_EXCLUSIVE),
    # ALTER GROUP g ADD | DROP USER ...: AddRoleMems / DelRoleMems on g
    st.AlterRole: (16, SHARE_UPDATE_EXCLUSIVE),
    # CREATE ROLE x IN ROLE g: AddRoleMems on g (ROLE / ADMIN grant the new role, unseen)
    st.CreateRole: (16, SHARE_UPDATE_EXCLUSIVE),
}


def role_locks(stmt: st.Statement, catalog: Catalog, major: int) -> tuple[RoleLock, ...]:
    """The role locks ``stmt`` takes on the roles it names that exist in ``catalog``."""
    entry = _ROLE_LOCKS.get(type(stmt))
    if entry is None or major < entry[0]:
        return ()
    names: list[str] = []
    if isinstance(stmt, st.DropRole):
        names = [ref.name for ref in stmt.names if ref.name is not None and ref.is_name]
    elif isinstance(stmt, st.AlterRoleSet):
        target = stmt.target
        if target is not None and target.is_name and target.name is not None:
            names = [target.name]
    elif isinstance(stmt, st.GrantRole | st.RevokeRole):
        names = [granted.name for granted in stmt.roles]
    elif isinstance(stmt, st.CreateRole):
        names = [ref.name for ref in stmt.options.in_role if ref.is_name and ref.name is not None]
    elif isinstance(stmt, st.AlterRole):
        target = stmt.target
        if stmt.options.role and target.is_name and target.name is not None:
            names = [target.name]
    locks: list[RoleLock] = []
    for name in names:
        role = catalog.get(name)
        if role is not None:
            locks.append((role.oid, entry[1]))
    return tuple(locks)


class Holder(Protocol):
    """An open transaction as the lock table sees it (``session._Tx``)."""

    #: "commit" or "rollback" once it ended, else None.
    outcome: str | None
    xid: int
    backend: int
    #: The thread that last ran a statement of its session.
    thread: threading.Thread | None

    def held_rows(self) -> Mapping[RowKey, str]: ...

    def held_locks(self) -> list[RoleLock]: ...

    def abandon(self) -> None:
        """Roll it back (its session ended)."""


#: What a waiter waits for: a row or a role lock of ``holder``, described as PostgreSQL's
#: deadlock report describes it.
class Wait:
    __slots__ = ("description", "holder", "order")

    def __init__(self, holder: Holder, description: str, order: int) -> None:
        self.holder = holder
        self.description = description
        self.order = order


class LockTable:
    """What the open transactions of one cluster hold, and who waits for whom.

    ``holders`` lists the transactions that hold rows or role locks while the cluster's lock
    is free (between statements, or while one of their statements waits); a statement
    checks it only when it is not empty (the common case costs one test). ``condition`` is
    a condition over the cluster's lock: a waiter releases the lock while it waits, and
    whoever ends or shrinks a transaction notifies.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self.condition = threading.Condition(lock)
        self.holders: dict[Holder, None] = {}
        #: waiter (a transaction, or a session running one statement) -> what it waits for
        self.waits: dict[object, Wait] = {}
        #: deadlock victims chosen while they waited: waiter -> the 40P01 DETAIL
        self.victims: dict[object, str] = {}
        self._order = itertools.count()
        self._xids = itertools.count(1000)
        self._backends = itertools.count(10000)

    def next_xid(self) -> int:
        return next(self._xids)

    def next_backend(self) -> int:
        return next(self._backends)

    def wake(self) -> None:
        """Something held may have been released: waiters look again."""
        if self.waits:
            self.condition.notify_all()

    # -- conflicts ---------------------------------------------------------------------------

    def row_conflict(
        self, rows: Mapping[RowKey, str], mine: Holder | None
    ) -> tuple[Holder, RowKey] | None:
        """The first open transaction (not ``mine``) holding one of ``rows``, and the row."""
        for holder in self.holders:
            if holder is mine:
                continue
            held = holder.held_rows()
            if not held:
                continue
            for key in rows:
                if key in held:
                    return holder, key
        return None

    def lock_conflict(
        self, locks: tuple[RoleLock, ...], mine: Holder | None
    ) -> tuple[Holder, RoleLock] | None:
        """The first open transaction (not ``mine``) holding a role lock that conflicts."""
        for holder in self.holders:
            if holder is mine:
                continue
            for wanted in locks:
                if self.blocks(holder, wanted):
                    return holder, wanted
        return None

    @staticmethod
    def blocks(holder: Holder, wanted: RoleLock) -> bool:
        """Whether ``holder`` holds a lock on the role of ``wanted`` that conflicts with it."""
        conflicts = _CONFLICTS[wanted[1]]
        return any(oid == wanted[0] and mode in conflicts for oid, mode in holder.held_locks())

    # -- waiting -------------------------------------------------------------------------------

    def wait(
        self,
        waiter: object,
        holder: Holder,
        description: str,
        still_blocked: Callable[[], bool],
        backend_of: Callable[[object], int],
        timeout_ms: int,
    ) -> None:
        """Wait (the cluster's lock released) until ``still_blocked()`` is false.

        Raises 55P03 at once when no other thread can end the wait (the holder's session was
        last used by this thread: on a real server that client would hang forever) or when
        ``lock_timeout`` (``timeout_ms`` > 0) passes; 40P01 when the wait closes a cycle of
        waits and this waiter is the one PostgreSQL's deadlock check picks (the one that
        has waited longest: its ``deadlock_timeout`` expires first).
        """
        if holder.thread is threading.current_thread():
            raise lock_timeout_error()
        order = next(self._order)
        self.waits[waiter] = Wait(holder, description, order)
        try:
            self._check_deadlock(waiter, backend_of)
            remaining = timeout_ms / 1000.0 if timeout_ms > 0 else None
            while True:
                detail = self.victims.pop(waiter, None)
                if detail is not None:
                    raise PostgresError(
                        "40P01",
                        "deadlock detected",
                        detail=detail,
                        hint="See server log for query details.",
                    )
                if not still_blocked():
                    return
                if remaining is not None and remaining <= 0:
                    raise lock_timeout_error()
                started = time.monotonic()
                self.condition.wait(remaining)
                if remaining is not None:
                    remaining -= time.monotonic() - started
        finally:
            del self.waits[waiter]
            self.victims.pop(waiter, None)

    def _check_deadlock(self, waiter: object, backend_of: Callable[[object], int]) -> None:
        """Pick a victim when ``waiter``'s new wait closes a cycle (DeadLockCheck)."""
        cycle: list[object] = [waiter]
        current: object = self.waits[waiter].holder
        seen = {id(waiter)}
        while current is not waiter:
            wait = self.waits.get(current)
            if wait is None or id(current) in seen:
                return
            seen.add(id(current))
            cycle.append(current)
            current = wait.holder
        victim = min(cycle, key=lambda node: self.waits[node].order)
        start = cycle.index(victim)
        lines = []
        for node in cycle[start:] + cycle[:start]:
            wait = self.waits[node]
            lines.append(
                f"Process {backend_of(node)} waits for {wait.description}; "
                f"blocked by process {wait.holder.backend}."
            )
        self.victims[victim] = "\n".join(lines)
        self.condition.notify_all()


def lock_timeout_error() -> PostgresError:
    return PostgresError("55P03", "canceling statement due to lock timeout")


def row_wait_description(holder: Holder) -> str:
    return f"ShareLock on transaction {holder.xid}"


def lock_wait_description(lock: RoleLock) -> str:
    # pg_authid is relation 1260, a shared catalog: database 0 (DescribeLockTag)
    return f"{lock[1]} on object {lock[0]} of class 1260 of database 0"


#: ``pg_database`` oids initdb gives the databases the emulator knows (15 and 16 alike).
_DATABASE_OIDS: Mapping[str, int] = {"template1": 1, "template0": 4, "postgres": 5}


def conflict_error(
    key: RowKey, waiter_kind: str, holder_kind: str, after: Catalog, major: int
) -> PostgresError:
    """What the waiter for ``key`` gets when its holder committed (observed on 15 and 16).

    A unique index entry both inserted: 23505 with the index and key (``_bt_check_unique``);
    a tuple the holder updated or deleted: XX000 ``tuple concurrently updated`` / ``deleted``
    (``simple_heap_update``, ``simple_heap_delete``).
    """
    kind = key[0]
    if kind == "name":
        return _duplicate("pg_authid_rolname_index", "rolname", str(key[1]))
    if waiter_kind == "insert" and kind == "grant":
        role, member = key[1], key[2]
        assert isinstance(role, int)
        assert isinstance(member, int)
        if major < 16:
            return _duplicate(
                "pg_auth_members_role_member_index", "roleid, member", f"{role}, {member}"
            )
        grantor = next((g.grantor for g in after.grants_of_role(role) if g.member == member), role)
        return _duplicate(
            "pg_auth_members_role_member_index",
            "roleid, member, grantor",
            f"{role}, {member}, {grantor}",
        )
    if waiter_kind == "insert" and kind == "setting":
        database = key[2]
        dboid = 0 if database is None else _DATABASE_OIDS.get(str(database), 0)
        return _duplicate(
            "pg_db_role_setting_databaseid_rol_index",
            "setdatabase, setrole",
            f"{dboid}, {key[1]}",
        )
    word = "deleted" if holder_kind == "delete" else "updated"
    return PostgresError("XX000", f"tuple concurrently {word}")


def _duplicate(index: str, columns: str, values: str) -> PostgresError:
    return PostgresError(
        "23505",
        f'duplicate key value violates unique constraint "{index}"',
        detail=f"Key ({columns})=({values}) already exists.",
    )


#: DROP ROLE that waited for another DROP ROLE of the same role, which committed: 15 deletes
#: the pg_authid tuple it found before the lock (``tuple concurrently deleted``), 16 looks it
#: up again in its second pass (``could not find tuple for role %u``).
_DROPPED_TWICE: tuple[tuple[int, str], ...] = (
    (16, "could not find tuple for role {oid}"),
    (0, "tuple concurrently deleted"),
)


def dropped_error(stmt: st.Statement, oid: int, major: int) -> PostgresError | None:
    """What a statement that waited for a role lock gets when the holder dropped the role
    (None: it runs again on what is committed now)."""
    if isinstance(stmt, st.DropRole):
        text = next(text for first, text in _DROPPED_TWICE if major >= first)
        return PostgresError("XX000", text.format(oid=oid))
    if isinstance(stmt, st.AlterRoleSet):
        # shdepLockAndCheckObject
        return PostgresError("42704", f"role {oid} was concurrently dropped")
    return None
