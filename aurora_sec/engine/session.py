"""A session on a database server: simple-query execution with PostgreSQL's transaction rules.

``Session.execute(sql)`` classifies the string (a syntax error rejects all of it), then runs
each statement against the transaction's working catalog:

* outside ``BEGIN`` the string is one implicit transaction: an error rolls all of it back;
* inside ``BEGIN`` an error aborts the block: everything but ROLLBACK/COMMIT gets 25P02 until
  the block ends (COMMIT of an aborted block answers ``ROLLBACK``); savepoints restore;
* SET, SET ROLE and SET SESSION AUTHORIZATION are transactional too, and SET LOCAL lasts until
  the end of the transaction.

A statement that fails changes nothing: handlers work on values and the working catalog is
replaced only when a statement succeeds. The committed catalog belongs to the
:class:`~aurora_sec.engine.database.Database`; COMMIT replaces it.

A statement that would write a row (or take a role lock) another open transaction holds
waits for it, the cluster's lock released, as PostgreSQL's second writer does
(:mod:`aurora_sec.engine.locks`); a session with no other transaction holding anything pays
one test of an empty dict per statement for that. Each statement of a block sees what other
sessions committed before it began (READ COMMITTED): a block overtaken by another commit is
moved onto the newer catalog first, its own statements and savepoints made again there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine import aurora, gucs, objects, replay
from aurora_sec.engine.catalog import Catalog, RowKey
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.ddl.context import ExecContext, role_name
from aurora_sec.engine.ddl.memberships import add_members, del_members
from aurora_sec.engine.ddl.role_settings import alter_role_set
from aurora_sec.engine.ddl.roles import alter_role, create_role, drop_role, rename_role
from aurora_sec.engine.dynamic_sql import execute_text
from aurora_sec.engine.guc_numbers import parse_int
from aurora_sec.engine.locks import (
    Holder,
    LockTable,
    RoleLock,
    conflict_error,
    dropped_error,
    lock_wait_description,
    role_locks,
    row_wait_description,
)
from aurora_sec.engine.messages import error
from aurora_sec.engine.replay import Memo
from aurora_sec.engine.result import Result, SslState
from aurora_sec.engine.select import run_select
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st
from aurora_sec.sql.classify import classify_major

if TYPE_CHECKING:
    from aurora_sec.engine.database import Database

__all__ = ["Session"]


#: (statement, session user, current user, GUCs, configuration, tag, its notices)
_Redo = tuple[
    st.Statement, int, int, Mapping[str, str], EngineConfig, str, tuple[st.ServerMessage, ...]
]
#: The statements whose change a commit can replay (DO blocks replay their own statements).
_REPLAYABLE = (
    st.CreateRole,
    st.AlterRole,
    st.RenameRole,
    st.DropRole,
    st.GrantRole,
    st.RevokeRole,
    st.AlterRoleSet,
    st.CreateExtension,
    st.DropExtension,
    st.Unmodelled,
)


class _Tx:
    """The state of the transaction in progress (mutable; one per transaction).

    ``gucs`` is the session's GUC dict as the transaction began: the session never mutates
    that dict (every SET replaces it), so keeping the reference is a snapshot.
    """

    __slots__ = (
        "aborted",
        "backend",
        "base",
        "current_user",
        "explicit",
        "gucs",
        "local_undo",
        "locks",
        "outcome",
        "redo",
        "rows_cache",
        "savepoints",
        "session",
        "session_user",
        "thread",
        "touched",
        "work",
        "xid",
    )

    def __init__(
        self,
        work: Catalog,
        explicit: bool,
        gucs: dict[str, str],
        current_user: int,
        session_user: int,
        session: Session,
    ) -> None:
        self.work = work
        self.explicit = explicit
        #: The committed catalog this transaction started from.
        self.base = work
        self.gucs = gucs
        self.current_user = current_user
        self.session_user = session_user
        self.aborted = False
        #: (name, working catalog, GUCs, current user, session user, len(redo), len(locks),
        #: len(touched))
        self.savepoints: list[tuple[str, Catalog, dict[str, str], int, int, int, int, int]] = []
        #: SET LOCAL values to undo at the end of the transaction: name -> value before.
        self.local_undo: dict[str, str | None] = {}
        #: Each statement that changed the catalog, with what it ran as and what it answered:
        #: replayed on a newer committed catalog if another session committed first.
        self.redo: list[_Redo] = []
        # -- as the cluster's lock table sees it (locks.Holder) --
        self.session = session
        #: Role locks its statements took (DROP ROLE, ALTER ROLE ... SET, 16's GRANT/REVOKE).
        self.locks: list[RoleLock] = []
        #: Roles whose pg_authid tuple an ALTER ROLE updated without changing a value.
        self.touched: list[int] = []
        #: "commit" or "rollback" once ended.
        self.outcome: str | None = None
        #: A transaction id, drawn when it first holds something (for 40P01's DETAIL).
        self.xid = 0
        self.backend = session.backend
        self.thread: threading.Thread | None = None
        self.rows_cache: tuple[Catalog, Catalog, int, dict[RowKey, str]] | None = None

    def _held(self) -> tuple[Catalog, int, int]:
        """The catalog, the number of role locks and of touched roles it holds: an error
        releases what the failed (sub)transaction took, as PostgreSQL's AbortTransaction."""
        if not self.aborted:
            return self.work, len(self.locks), len(self.touched)
        if self.savepoints:
            savepoint = self.savepoints[-1]
            return savepoint[1], savepoint[6], savepoint[7]
        return self.base, 0, 0

    def held_rows(self) -> Mapping[RowKey, str]:
        work, _, touched = self._held()
        base = self.base
        if work is base and not touched:
            return {}
        cached = self.rows_cache
        if cached is not None and cached[0] is work and cached[1] is base and cached[2] == touched:
            return cached[3]
        rows = base.written_rows(work, base.roles) if work is not base else {}
        for oid in self.touched[:touched]:
            rows.setdefault(("role", oid), "update")
        self.rows_cache = (work, base, touched, rows)
        return rows

    def held_locks(self) -> list[RoleLock]:
        _, count, _ = self._held()
        return self.locks if count == len(self.locks) else self.locks[:count]

    def abandon(self) -> None:
        self.session._abandon(self)


class Session:
    """One connection's server side, after authentication."""

    def __init__(
        self,
        database: Database,
        config: Callable[[], EngineConfig],
        user: str,
        *,
        dbname: str = "postgres",
        ssl: SslState | None = None,
    ) -> None:
        self._db = database
        self._config = config
        self.dbname = dbname
        self.ssl = ssl
        role = database.catalog.get(user)
        if role is None:
            raise PostgresError("28000", f'role "{user}" does not exist', severity="FATAL")
        self._authenticated_user = role.oid
        self._session_user = role.oid
        self._current_user = role.oid
        #: The name each role had when this session took it on (connection, SET ROLE, SET
        #: SESSION AUTHORIZATION): the ``role`` and ``session_authorization`` settings keep
        #: that text, whatever a later rename or DROP by another session does.
        self._names_taken: dict[int, str] = {role.oid: role.name}
        #: The session's SET values. Never mutated: every change replaces the dict, so a
        #: transaction or savepoint keeps the dict itself as its snapshot.
        self._gucs: dict[str, str] = {}
        self._gucs_cache: tuple[EngineConfig, dict[str, str], dict[str, str]] | None = None
        self._tx: _Tx | None = None
        #: Its number in 40P01's DETAIL (the emulator has no process ids).
        self.backend = database.locks.next_backend()
        self._closed = False
        #: What this session remembers of the role statements and simple SELECTs it ran, by
        #: the hash of their text. The memo holds the text to compare, as the classification
        #: cache does; no repr shows it (it may hold a password). replay.py; :meth:`execute`
        #: asks, :meth:`_execute_role_ddl` and :meth:`_execute_simple_select` record.
        self._memos: dict[int, Memo] = {}
        self._apply_role_settings(database.catalog)

    # ------------------------------------------------------------------ introspection ----

    @property
    def major(self) -> int:
        return self._db.version.major

    @property
    def catalog(self) -> Catalog:
        """What this session sees: its transaction's working catalog, or the committed one."""
        return self._tx.work if self._tx is not None else self._db.catalog

    @property
    def session_user(self) -> str:
        """``SELECT session_user`` (42704 "invalid role OID" once another session dropped it)."""
        return self._name_of(self._session_user)

    @property
    def current_user(self) -> str:
        """``SELECT current_user`` (42704 "invalid role OID" once another session dropped it)."""
        return self._name_of(self._current_user)

    def _name_of(self, oid: int) -> str:
        return role_name(self.catalog, self.major, oid)

    @property
    def in_transaction(self) -> bool:
        return self._tx is not None and self._tx.explicit

    @property
    def transaction_aborted(self) -> bool:
        return self._tx is not None and self._tx.aborted

    def guc(self, name: str) -> str | None:
        """The value ``SHOW name`` prints (None for an unknown parameter)."""
        return self._show_value(name.lower())

    def __repr__(self) -> str:
        return f"<Session {self.session_user}@{self.dbname} (current_user={self.current_user})>"

    def forget_statements(self) -> None:
        """Forget what this session remembers of the statements it ran (replay.py), so that
        the next run of each is a first sight again (for benchmarks: no answer changes)."""
        self._memos.clear()

    # ---------------------------------------------------------------------- execution ----

    def execute(self, sql: str) -> Result:
        """Run ``sql`` (one or more statements); return the last statement's result.

        ``Result.results`` holds every statement's result. Raises
        :class:`~aurora_sec.errors.PostgresError` (with ``.notices`` of that statement) on the
        first error.
        """
        db = self._db
        lock = db.lock
        lock.acquire()  # not ``with``: its protocol calls cost half as much again
        try:
            tx = self._tx
            if tx is not None:
                tx.thread = threading.current_thread()
            elif type(sql) is str and not db.locks.holders:
                # A statement this session ran before (replay.py), in the same situation: the
                # same GUC dict (cached for this configuration), configuration, identities and
                # TLS state. Its memo answers without classifying or checking it again.
                memo = self._memos.get(hash(sql))
                if memo is not None:
                    config = self._config()
                    cached = self._gucs_cache
                    if (
                        memo.text == sql
                        and memo.config is config
                        and cached is not None
                        and cached[0] is config
                        and cached[1] is self._gucs
                        and memo.gucs is cached[2]
                        and memo.current_user == self._current_user
                        and memo.session_user == self._session_user
                        and memo.ssl is self.ssl
                    ):
                        catalog = db.catalog
                        answer = memo.answer(catalog, db.salt)
                        if answer is not None:
                            if answer is not catalog:
                                db.commit(answer)
                            return memo.result
            return self._execute(sql)
        finally:
            lock.release()

    def _abort(self, tx: _Tx) -> None:
        """An error aborts the block: what it took is released (``_Tx._held``)."""
        tx.aborted = True
        self._db.locks.wake()

    def close(self) -> None:
        """The session ends (its connection closed, its instance restarted): an open
        transaction rolls back, releasing the rows and role locks it held."""
        with self._db.lock:
            tx = self._tx
            if tx is not None:
                self._abandon(tx)

    def _abandon(self, tx: _Tx) -> None:
        if self._tx is tx:
            self._end(commit=False)
        self._db.locks.wake()

    def _hold(self, tx: _Tx) -> None:
        """Publish what ``tx`` holds to the cluster's lock table (before the lock is freed)."""
        table = self._db.locks
        if tx not in table.holders:
            if not tx.xid:
                tx.xid = table.next_xid()
            tx.thread = threading.current_thread()
            table.holders[tx] = None

    def _execute(self, sql: str) -> Result:
        try:
            statements = classify_major(sql, self._db.version.major)
        except PostgresError:
            if self._tx is not None and self._tx.explicit:
                self._abort(self._tx)
            raise
        if len(statements) == 1 and self._tx is None:
            stmt = statements[0]
            handler = _ROLE_DDL.get(type(stmt))
            if handler is not None:
                return self._execute_role_ddl(stmt, handler, sql)
            if type(stmt) is st.SelectFunctions and stmt.simple:
                return self._execute_simple_select(stmt, sql)
            return self._execute_one(stmt)
        parse_notices = tuple(n for s in statements for n in s.parse_notices)
        if not statements:
            return Result(tag="", notices=parse_notices)
        implicit = self._tx is None
        if implicit:
            self._begin(explicit=False)
        results: list[Result] = []
        first = True
        for stmt in statements:
            notices: list[st.ServerMessage] = list(parse_notices) if first else []
            first = False
            if self._tx is None:  # after a COMMIT/ROLLBACK in the string: a new implicit one
                self._begin(explicit=False)
            try:
                results.append(self._run(stmt, notices))
            except PostgresError as err:
                err.notices = tuple(notices)
                self._failed(err)
                raise
            except UnsupportedByEmulator as err:
                self._failed(err)
                raise
        if self._tx is not None and not self._tx.explicit:
            self._end(commit=True)
        last = results[-1]
        return Result(last.tag, last.columns, last.rows, last.notices, tuple(results))

    def _failed(self, error: PostgresError | UnsupportedByEmulator) -> None:
        """A statement raised ``error``: an implicit transaction rolls back; an error of the
        server also aborts a block (a statement the emulator does not model leaves it open)."""
        tx = self._tx
        if tx is None:
            return
        if not tx.explicit:
            self._end(commit=False)
        elif isinstance(error, PostgresError):
            self._abort(tx)

    def _execute_one(self, stmt: st.Statement) -> Result:
        """One statement outside a transaction block: the common case, the same steps as the
        loop of :meth:`_execute` without its bookkeeping."""
        notices: list[st.ServerMessage] = list(stmt.parse_notices)
        self._begin(explicit=False)
        try:
            result = self._run(stmt, notices)
        except PostgresError as err:
            err.notices = tuple(notices)
            self._failed(err)
            raise
        except UnsupportedByEmulator as err:
            self._failed(err)
            raise
        tx = self._tx
        if tx is not None and not tx.explicit:
            self._end(commit=True)
        return Result(result.tag, result.columns, result.rows, result.notices, (result,))

    def _execute_role_ddl(self, stmt: st.Statement, handler: _RoleHandler, sql: str) -> Result:
        """One role DDL statement outside a transaction block.

        The same steps as :meth:`_execute_one` + :meth:`_run` for a statement that only reads
        and replaces the catalog (no SET, no identity change, no transaction control): its
        implicit transaction is just "start from the committed catalog, commit the handler's
        catalog if it succeeds". A failure leaves nothing to undo. While another session's
        transaction holds rows or role locks, :meth:`_execute_role_ddl_contended` runs it.
        """
        db = self._db
        if db.locks.holders:
            return self._execute_role_ddl_contended(stmt, handler)
        catalog = db.catalog
        config = self._config()
        gucs = self._effective_gucs(config)
        current_user, session_user = self._current_user, self._session_user
        # The memo of this text, if any, did not answer (:meth:`execute` asked it first).
        memos = self._memos
        key = hash(sql)
        memo = memos.get(key)
        notices: list[st.ServerMessage] = list(stmt.parse_notices)
        try:
            ctx = self._context_outside_block(stmt, catalog, gucs, config, notices)
            tag = handler(self, ctx, stmt)
        except PostgresError as err:
            err.notices = tuple(notices)
            # A failure changed nothing: the same text fails again the same way on this very
            # catalog (replay.Failed), remembered as a success is, once seen again.
            if memo is None:
                self._remember(key, replay.SEEN)
            else:
                situation = (gucs, config, current_user, session_user, self.ssl, sql)
                memos[key] = replay.Failed(stmt, situation, err, catalog)
            raise
        if not notices:
            result = _plain_result(tag)
        else:
            inner = Result(tag, (), None, tuple(notices))
            result = Result(tag, (), None, inner.notices, (inner,))
        changed = ctx.finished_catalog()
        if changed is not catalog:
            db.commit(changed)
        # The same statement run again where what it read is unchanged answers the same
        # (replay.py says, for each kind, what that is): remember it once it is seen again.
        if memo is None:  # a first sight: only noted (nothing built); _remember, inline
            if len(memos) >= _MEMOS:
                memos.clear()
            memos[key] = replay.SEEN
        else:
            situation = (gucs, config, current_user, session_user, self.ssl, sql)
            memos[key] = replay.remembered(stmt, situation, result, catalog, changed) or memo
        return result

    def _remember(self, key: int, memo: Memo) -> None:
        """Note ``memo`` under the hash of its text (at most :data:`_MEMOS`, then anew)."""
        memos = self._memos
        if len(memos) >= _MEMOS:
            memos.clear()
        memos[key] = memo

    def _context_outside_block(
        self,
        stmt: st.Statement,
        catalog: Catalog,
        gucs: Mapping[str, str],
        config: EngineConfig,
        notices: list[st.ServerMessage],
    ) -> ExecContext:
        """The start of a role DDL statement or simple SELECT outside a block: the
        classifier's precheck, the context against ``catalog``, and Aurora's checks (each may
        raise)."""
        precheck = stmt.precheck
        if precheck is not None:
            notices.extend(precheck.notices)
            if precheck.error is not None:
                raise precheck.error.to_error()
        db = self._db
        ctx = ExecContext(
            catalog,
            db.version.major,
            self._session_user,
            self._current_user,
            gucs,
            db.salt,
            notices,
            clock=db.clock,
        )
        aurora.check(ctx, stmt, config)
        return ctx

    def _execute_role_ddl_contended(self, stmt: st.Statement, handler: _RoleHandler) -> Result:
        """:meth:`_execute_role_ddl` while other transactions hold rows or role locks: the
        statement waits for the role locks it takes and the rows it writes (``locks.py``),
        and runs again on what is committed after each wait."""
        db = self._db
        while True:
            catalog = db.catalog
            notices: list[st.ServerMessage] = list(stmt.parse_notices)
            try:
                ctx = self._context_outside_block(
                    stmt, catalog, self._effective_gucs(), self._config(), notices
                )
                locks = role_locks(stmt, catalog, db.version.major)
                if locks and self._take_role_locks(stmt, locks):
                    continue  # it waited: run again on what is committed now
                tag = handler(self, ctx, stmt)
                if self._wait_for_rows(stmt, catalog, ctx.catalog, catalog):
                    continue  # the holder rolled back or let go: run again
            except PostgresError as err:
                err.notices = tuple(notices)
                raise
            break  # no wait in this round: ``catalog`` is still the committed one
        if ctx.catalog is not catalog:
            db.commit(ctx.finished_catalog())
        if not notices:
            return _plain_result(tag)
        inner = Result(tag, (), None, tuple(notices))
        return Result(tag, (), None, inner.notices, (inner,))

    def _execute_simple_select(self, stmt: st.SelectFunctions, sql: str) -> Result:
        """A one-row SELECT of literals and role/ssl functions outside a transaction block.

        It reads the committed catalog, the two identities, the GUCs, the connection's TLS
        state and the configuration (``run_select`` of a simple SELECT reads nothing else)
        and changes nothing, so it needs no transaction: it runs against the committed
        catalog, as :meth:`_execute_role_ddl` does. It is remembered with what it read, as a
        statement that changed nothing (``replay.Unchanged``; :meth:`execute` asks it).
        """
        db = self._db
        catalog = db.catalog
        config = self._config()
        gucs = self._effective_gucs(config)
        notices: list[st.ServerMessage] = list(stmt.parse_notices)
        try:
            ctx = self._context_outside_block(stmt, catalog, gucs, config, notices)
            tag, columns, rows = run_select(ctx, stmt, self._function_env(config))
        except PostgresError as err:
            err.notices = tuple(notices)
            raise
        inner = Result(tag, columns, rows, tuple(notices))
        result = Result(tag, columns, rows, inner.notices, (inner,))
        situation = (gucs, config, self._current_user, self._session_user, self.ssl, sql)
        self._remember(hash(sql), replay.Unchanged(stmt, situation, result, catalog))
        return result

    # ------------------------------------------------------------------- transactions ----

    def _begin(self, *, explicit: bool) -> None:
        self._tx = _Tx(
            self._db.catalog, explicit, self._gucs, self._current_user, self._session_user, self
        )

    def _end(self, *, commit: bool) -> None:
        tx = self._tx
        assert tx is not None
        self._tx = None
        if commit and not tx.aborted and tx.work is not tx.base and self._db.catalog is not tx.base:
            # Another session committed since this transaction began. When the two wrote
            # different rows, this one's statements are made again on the newer catalog, as
            # PostgreSQL's row-level writes would have landed (READ COMMITTED): both commit.
            # (A write of a row the other held made this one wait: locks.py.) When a
            # statement would not answer the same there, this one fails, as a serializable
            # transaction would (docs/fidelity.md, "Concurrency").
            committed = self._db.catalog
            disjoint = not (tx.base.changed_rows(tx.work) & tx.base.changed_rows(committed))
            replayed = self._replay(tx) if disjoint else None
            rebased = replayed[0] if replayed is not None else None
            if rebased is not None:
                tx.work = rebased
                tx.base = self._db.catalog
        if commit and not tx.aborted and tx.work is not tx.base and self._db.catalog is not tx.base:
            tx.outcome = "rollback"
            self._db.locks.holders.pop(tx, None)
            self._db.locks.wake()
            self._gucs = tx.gucs
            self._current_user = tx.current_user
            self._session_user = tx.session_user
            raise PostgresError(
                "40001",
                "could not serialize access due to concurrent update",
                hint="The transaction might succeed if retried.",
            )
        if commit and not tx.aborted:
            if tx.work is not tx.base:
                # (a transaction that changed nothing commits nothing: replacing the
                # catalog with the one it began from would undo others' commits)
                self._db.commit(tx.work)
            tx.outcome = "commit"
            for name, before in tx.local_undo.items():
                self._restore_guc(name, before)
        else:
            tx.outcome = "rollback"
            self._gucs = tx.gucs
            self._current_user = tx.current_user
            self._session_user = tx.session_user
        table = self._db.locks
        if table.holders:
            table.holders.pop(tx, None)
            table.wake()

    def _restore_guc(self, name: str, before: str | None) -> None:
        if name == "role":
            self._current_user = int(before) if before is not None else self._session_user
            return
        gucs = dict(self._gucs)
        if before is None:
            gucs.pop(name, None)
        else:
            gucs[name] = before
        self._gucs = gucs

    def _transaction(self, stmt: st.TransactionControl, notices: list[st.ServerMessage]) -> str:
        kind = stmt.kind
        tx = self._tx
        explicit = tx is not None and tx.explicit
        if kind in (st.TransactionKind.BEGIN, st.TransactionKind.START):
            if explicit:
                notices.append(
                    st.ServerMessage(
                        "WARNING", "25001", "there is already a transaction in progress"
                    )
                )
            elif tx is not None:
                tx.explicit = True
                tx.thread = threading.current_thread()
                if tx.work is not tx.base or tx.locks or tx.touched:
                    self._hold(tx)  # the implicit transaction's writes, held from now on
            else:
                self._begin(explicit=True)
                assert self._tx is not None
                self._tx.thread = threading.current_thread()
            return stmt.tag
        if kind in (st.TransactionKind.COMMIT, st.TransactionKind.ROLLBACK):
            if not explicit:
                notices.append(
                    st.ServerMessage("WARNING", "25P01", "there is no transaction in progress")
                )
                if tx is not None:  # the implicit transaction of this string ends here
                    self._end(commit=kind is st.TransactionKind.COMMIT)
                    self._begin(explicit=False)
                return stmt.tag
            assert tx is not None
            aborted = tx.aborted
            self._end(commit=kind is st.TransactionKind.COMMIT)
            return "ROLLBACK" if aborted else stmt.tag
        if kind in (
            st.TransactionKind.SAVEPOINT,
            st.TransactionKind.RELEASE,
            st.TransactionKind.ROLLBACK_TO,
        ):
            what = {
                "SAVEPOINT": "SAVEPOINT",
                "RELEASE": "RELEASE SAVEPOINT",
                "ROLLBACK TO": "ROLLBACK TO SAVEPOINT",
            }[kind.value]
            if not explicit:
                raise error("tx.savepoint_outside", self.major, what=what)
            assert tx is not None
            assert stmt.savepoint is not None
            name = stmt.savepoint
            if kind is st.TransactionKind.SAVEPOINT:
                tx.savepoints.append(
                    (
                        name,
                        tx.work,
                        self._gucs,
                        self._current_user,
                        self._session_user,
                        len(tx.redo),
                        len(tx.locks),
                        len(tx.touched),
                    )
                )
                return stmt.tag
            index = next(
                (i for i in range(len(tx.savepoints) - 1, -1, -1) if tx.savepoints[i][0] == name),
                None,
            )
            if index is None:
                raise error("tx.no_savepoint", self.major, name=name)
            if kind is st.TransactionKind.RELEASE:
                del tx.savepoints[index:]
                return stmt.tag
            _, work, saved_gucs, current, session, redo_length, locks, touched = tx.savepoints[
                index
            ]
            del tx.savepoints[index + 1 :]
            del tx.redo[redo_length:]
            del tx.locks[locks:]
            del tx.touched[touched:]
            self._db.locks.wake()
            tx.work = work
            self._gucs = saved_gucs
            self._current_user, self._session_user = current, session
            tx.aborted = False
            return stmt.tag
        raise UnsupportedByEmulator(f"{stmt.tag} (two-phase commit) is not emulated")

    # ---------------------------------------------------------------------- statements ----

    def _context(self, notices: list[st.ServerMessage]) -> ExecContext:
        assert self._tx is not None
        return ExecContext(
            catalog=self._tx.work,
            major=self.major,
            session_user=self._session_user,
            current_user=self._current_user,
            gucs=self._effective_gucs(),
            salt_at=self._db.salt,
            notices=notices,
            clock=self._db.clock,
        )

    def _run(self, stmt: st.Statement, notices: list[st.ServerMessage]) -> Result:
        tx = self._tx
        assert tx is not None
        if tx.aborted and not (
            isinstance(stmt, st.TransactionControl)
            and stmt.kind
            in (
                st.TransactionKind.COMMIT,
                st.TransactionKind.ROLLBACK,
                st.TransactionKind.ROLLBACK_TO,
            )
        ):
            raise error("tx.aborted", self.major)
        if stmt.precheck is not None:
            for message in stmt.precheck.notices:
                notices.append(message)
            if stmt.precheck.error is not None:
                raise stmt.precheck.error.to_error()
        if isinstance(stmt, st.TransactionControl):
            return Result(tag=self._transaction(stmt, notices), notices=tuple(notices))
        if self._db.catalog is not tx.base:
            # READ COMMITTED: the statement sees what others committed before it began
            self._rebase(tx)
        config = self._config()
        ctx = self._context(notices)
        mark = len(notices)
        aurora.check(ctx, stmt, config)
        rows: tuple[tuple[str | None, ...], ...] | None = None
        columns: tuple[str, ...] = ()
        if isinstance(stmt, _REPLAYABLE):
            table = self._db.locks
            while True:
                locks = role_locks(stmt, tx.work, self.major)
                if not (locks and table.holders and self._take_role_locks(stmt, locks)):
                    tag = self._change(ctx, stmt)
                    work = ctx.finished_catalog()
                    if not table.holders or not self._wait_for_rows(stmt, tx.work, work, tx.base):
                        break
                # it waited: READ COMMITTED, it runs again seeing what was committed meanwhile
                self._rebase(tx)
                del notices[mark:]
                ctx = self._context(notices)
                aurora.check(ctx, stmt, config)
            tx.locks.extend(locks)
            if isinstance(stmt, st.AlterRole):
                # AlterRole updates the tuple even when no value changes: it holds the row
                oid = self._target_oid(tx.work, stmt.target)
                if oid is not None and oid in tx.base.roles:
                    tx.touched.append(oid)
            if work is not tx.work:
                tx.redo.append(
                    (
                        stmt,
                        ctx.session_user,
                        ctx.current_user,
                        ctx.gucs,
                        config,
                        tag,
                        tuple(notices[mark:]),
                    )
                )
                tx.work = work
            if (
                tx.explicit
                and tx not in table.holders
                and (work is not tx.base or tx.locks or tx.touched)
            ):
                # a block holds what it wrote until it ends: other sessions must see that
                # (an implicit transaction is published only if it waits: ``_wait``)
                self._hold(tx)
            return Result(tag=tag, columns=columns, rows=rows, notices=tuple(notices))
        if isinstance(
            stmt,
            st.SetRole | st.ResetRole | st.SetSessionAuthorization | st.ResetSessionAuthorization,
        ):
            tag = self._set_identity(ctx, stmt)
        elif isinstance(stmt, st.SetParameter):
            tag = self._set(stmt)
        elif isinstance(stmt, st.ResetParameter):
            tag = self._reset(stmt)
        elif isinstance(stmt, st.ShowParameter):
            tag, columns, rows = self._show(stmt)
        elif isinstance(stmt, st.SelectFunctions):
            tag, columns, rows = run_select(ctx, stmt, self._function_env(config))
        elif isinstance(stmt, st.DoBlock):
            tag = self._do(stmt, notices)
            ctx.catalog = tx.work
        else:  # pragma: no cover - every classified type is handled above
            raise UnsupportedByEmulator(f"{type(stmt).__name__} is not emulated")
        tx.work = ctx.finished_catalog()
        return Result(tag=tag, columns=columns, rows=rows, notices=tuple(notices))

    # ------------------------------------------------------------------ waiting for locks ----

    def _take_role_locks(self, stmt: st.Statement, locks: tuple[RoleLock, ...]) -> bool:
        """Wait until no other open transaction holds a role lock conflicting with ``locks``.

        False when nothing had to wait; True after a wait (the statement runs again on what
        is committed now, as PostgreSQL's ``LockSharedObject`` reads the catalog again), or
        the error PostgreSQL gives when the holder dropped the role (``locks.dropped_error``).
        """
        table = self._db.locks
        waited = False
        while True:
            hit = table.lock_conflict(locks, self._tx)
            if hit is None:
                return waited
            holder, wanted = hit
            self._wait(holder, lock_wait_description(wanted), _role_lock_held(holder, wanted))
            waited = True
            if holder.outcome == "commit" and wanted[0] not in self._db.catalog.roles:
                err = dropped_error(stmt, wanted[0], self.major)
                if err is not None:
                    raise err

    def _wait_for_rows(
        self, stmt: st.Statement, before: Catalog, after: Catalog, base: Catalog
    ) -> bool:
        """Wait while another open transaction holds a row this statement writes (``before``
        to ``after``; rows of roles not in ``base`` are this transaction's own).

        False: no row was held. True: the holder rolled back, or released the row: the
        statement runs again. The holder committed: PostgreSQL's error (``locks.conflict_error``).
        """
        table = self._db.locks
        rows = before.written_rows(after, base.roles) if after is not before else {}
        if isinstance(stmt, st.AlterRole):
            # AlterRole updates the pg_authid tuple even when no value changes
            oid = self._target_oid(before, stmt.target)
            if oid is not None and oid in base.roles:
                rows.setdefault(("role", oid), "update")
        if not rows:
            return False
        hit = table.row_conflict(rows, self._tx)
        if hit is None:
            return False
        holder, key = hit
        self._wait(
            holder,
            row_wait_description(holder),
            lambda: holder.outcome is None and key in holder.held_rows(),
        )
        if holder.outcome == "commit":
            held = holder.held_rows()
            if key in held:
                raise conflict_error(key, rows[key], held[key], after, self.major)
        return True

    def _target_oid(self, catalog: Catalog, ref: st.RoleRef) -> int | None:
        if ref.kind is st.RoleRefKind.NAME:
            role = catalog.get(ref.name or "")
            return None if role is None else role.oid
        if ref.kind is st.RoleRefKind.SESSION_USER:
            return self._session_user
        if ref.kind is st.RoleRefKind.PUBLIC:
            return None
        return self._current_user

    def _wait(self, holder: Holder, description: str, blocked: Callable[[], bool]) -> None:
        """Wait (the cluster's lock freed) while ``blocked()``; see ``LockTable.wait``."""
        table = self._db.locks
        tx = self._tx
        if tx is not None and (tx.work is not tx.base or tx.locks or tx.touched):
            self._hold(tx)  # what it holds so far stays held while it waits
        waiter: object = tx if tx is not None else self
        table.wait(
            waiter,
            holder,
            description,
            lambda: self._tx is tx and blocked(),
            _backend_of,
            self._lock_timeout(),
        )
        if self._tx is not tx:  # its session was closed while it waited
            raise PostgresError(
                "57P01", "terminating connection due to administrator command", severity="FATAL"
            )

    def _lock_timeout(self) -> int:
        """``lock_timeout`` in milliseconds (0: wait for ever)."""
        value = self._gucs.get("lock_timeout")
        if value is None:
            return 0
        number, _ = parse_int(value, gucs.LOCK_TIMEOUT, self.major)
        return number or 0

    def _rebase(self, tx: _Tx) -> None:
        """Move the transaction onto the catalog committed now (its statements made again
        there, and its savepoints with them), as each READ COMMITTED statement sees what
        others committed before it began. Left as it is when a statement of its own would
        answer differently there: its COMMIT then decides (``_end``)."""
        committed = self._db.catalog
        if committed is tx.base:
            return
        if tx.work is tx.base and not tx.savepoints:  # nothing of its own to carry over
            tx.work = tx.base = committed
            return
        marks = {savepoint[5] for savepoint in tx.savepoints}
        replayed = self._replay(tx, marks)
        if replayed is None:
            return
        tx.work, at = replayed
        tx.base = committed
        tx.savepoints = [(sp[0], at[sp[5]], *sp[2:]) for sp in tx.savepoints]

    def _change(self, ctx: ExecContext, stmt: st.Statement) -> str:
        """Run a statement that changes the catalog (one of ``_REPLAYABLE``) against ``ctx``."""
        if isinstance(stmt, st.CreateRole):
            return create_role(ctx, stmt)
        if isinstance(stmt, st.AlterRole):
            return alter_role(ctx, stmt)
        if isinstance(stmt, st.RenameRole):
            return rename_role(ctx, stmt)
        if isinstance(stmt, st.DropRole):
            return drop_role(ctx, stmt)
        if isinstance(stmt, st.GrantRole):
            return self._grant(ctx, stmt)
        if isinstance(stmt, st.RevokeRole):
            return self._revoke(ctx, stmt)
        if isinstance(stmt, st.AlterRoleSet):
            return alter_role_set(ctx, stmt)
        if isinstance(stmt, st.CreateExtension | st.DropExtension):
            return objects.extension(ctx, stmt)
        assert isinstance(stmt, st.Unmodelled)
        return objects.unmodelled(ctx, stmt)

    def _replay(
        self, tx: _Tx, marks: Collection[int] = ()
    ) -> tuple[Catalog, dict[int, Catalog]] | None:
        """The transaction's changes made again on the catalog committed now, with the
        catalog after each of the first ``marks`` statements of its redo log (a savepoint's
        place); None when one of its statements would not do there what it did (an error,
        another tag or notice: the two transactions touched the same rows)."""
        catalog = self._db.catalog
        at: dict[int, Catalog] = {}
        for done, (stmt, session_user, current_user, settings, config, tag, notices) in enumerate(
            tx.redo
        ):
            if done in marks:
                at[done] = catalog
            ctx = ExecContext(
                catalog,
                self.major,
                session_user,
                current_user,
                settings,
                self._db.salt,
                clock=self._db.clock,
            )
            try:
                aurora.check(ctx, stmt, config)
                again = self._change(ctx, stmt)
            except PostgresError:
                return None
            if again != tag or tuple(ctx.notices) != notices:
                return None
            catalog = ctx.finished_catalog()
        for mark in marks:
            at.setdefault(mark, catalog)
        return catalog, at

    def _grant(self, ctx: ExecContext, stmt: st.GrantRole) -> str:
        # user.c GrantRole: the grantor is looked up before the grantees
        grantor = ctx.resolve(stmt.grantor) if stmt.grantor is not None else None
        grantees = [ctx.resolve(ref) for ref in stmt.grantees]
        first = True
        for granted in stmt.roles:
            role = ctx.lookup(granted.name)
            if granted.columns:
                raise ctx.fail("grant.columns")
            if not first:  # an earlier grant of this statement may have changed the rows
                grantees = [ctx.catalog.role(g.oid) for g in grantees]
            first = False
            add_members(
                ctx,
                role,
                grantees,
                admin=stmt.admin,
                inherit=stmt.inherit,
                set_option=stmt.set,
                grantor=grantor,
            )
        return stmt.tag

    def _revoke(self, ctx: ExecContext, stmt: st.RevokeRole) -> str:
        grantor = ctx.resolve(stmt.grantor) if stmt.grantor is not None else None
        grantees = [ctx.resolve(ref) for ref in stmt.grantees]
        for granted in stmt.roles:
            role = ctx.lookup(granted.name)
            if granted.columns:
                raise ctx.fail("grant.columns")
            del_members(
                ctx,
                role,
                grantees,
                option_for=stmt.option_for,
                grantor=grantor,
                cascade=stmt.behavior == "CASCADE",
            )
        return stmt.tag

    # ------------------------------------------------------------ identity and GUCs ----

    def _set_identity(self, ctx: ExecContext, stmt: st.Statement) -> str:
        tx = self._tx
        assert tx is not None
        if isinstance(stmt, st.ResetRole) or (isinstance(stmt, st.SetRole) and stmt.is_none):
            self._remember_local(stmt, "role")
            self._current_user = self._session_user
            return stmt.tag
        if isinstance(stmt, st.SetRole):
            role = ctx.catalog.get(stmt.role)
            if role is None:
                raise PostgresError("22023", f'role "{stmt.role}" does not exist')
            from aurora_sec.engine import membership

            if not membership.can_set_role(ctx.catalog, self.major, self._session_user, role.oid):
                raise ctx.fail("set_role.denied", name=role.name)
            self._remember_local(stmt, "role")
            self._current_user = role.oid
            self._names_taken[role.oid] = role.name
            return stmt.tag
        authenticated = ctx.catalog.roles.get(self._authenticated_user)
        if authenticated is None or not authenticated.superuser:
            raise ctx.fail("session_authorization.denied")
        if isinstance(stmt, st.ResetSessionAuthorization):
            self._session_user = self._current_user = self._authenticated_user
            return stmt.tag
        assert isinstance(stmt, st.SetSessionAuthorization)
        role = ctx.catalog.get(stmt.role)
        if role is None:
            raise PostgresError("22023", f'role "{stmt.role}" does not exist')
        self._session_user = self._current_user = role.oid
        self._names_taken[role.oid] = role.name
        return stmt.tag

    def _remember_local(self, stmt: st.Statement, name: str) -> None:
        tx = self._tx
        assert tx is not None
        if getattr(stmt, "is_local", False) and tx.explicit and name not in tx.local_undo:
            tx.local_undo[name] = (
                str(self._current_user) if name == "role" else self._gucs.get(name)
            )

    def _effective_gucs(self, config: EngineConfig | None = None) -> dict[str, str]:
        """The GUCs role statements read; cached until a SET or a new instance configuration
        (``config``: the instance's configuration, when the caller already has it)."""
        if config is None:
            config = self._config()
        gucs = self._gucs
        cached = self._gucs_cache
        if cached is not None and cached[0] is config and cached[1] is gucs:
            return cached[2]
        values: dict[str, str] = {}
        for name in ("password_encryption", "createrole_self_grant", "scram_iterations"):
            shown = self._show_value(name)
            if shown is not None:
                values[name] = shown
        self._gucs_cache = (config, gucs, values)
        return values

    def _show_value(self, name: str) -> str | None:
        if name in self._gucs:
            current = self._gucs[name]
            known = gucs.lookup(name, self.major)
            return current if known is None else gucs.show(known, current, self.major)
        if name == "is_superuser":
            me = self.catalog.roles.get(self._current_user)
            return "on" if me is not None and me.superuser else "off"
        if name in ("role",):
            if self._current_user == self._session_user:
                return "none"
            return self._names_taken.get(self._current_user) or self.current_user
        if name == "session_authorization":
            return self._names_taken.get(self._session_user) or self.session_user
        if name == "server_version":
            return f"{self._db.version}"
        guc = gucs.lookup(name, self.major)
        if guc is None:
            return None
        if guc.from_config:
            value = self._config().get(name)
            if value is not None:
                return gucs.display(guc, value)
        return guc.default_for(self.major)

    def _set(self, stmt: st.SetParameter) -> str:
        change = stmt.change
        name = (change.name or "").lower()
        if change.kind == "multi":
            return stmt.tag  # SET TRANSACTION ...: no security effect
        guc = gucs.lookup(name, self.major)
        # ExtractSetVariableArgs comes before set_config_option looks the name up
        value = gucs.flatten(name, guc, change) if change.kind == "value" else ""
        if guc is None and "." not in name:
            raise error("guc.unknown", self.major, name=name)
        if guc is not None:
            if guc.context == "superuser" and not self.catalog.role(self._current_user).superuser:
                raise error("guc.permission", self.major, name=name)
            if guc.context == "internal":
                raise error("guc.cannot_change", self.major, name=name)
            if guc.context == "config":
                raise error("guc.cannot_change", self.major, name=name)
        if change.kind in ("default", "reset"):
            self._remember_local_guc(stmt, name)
            self._gucs = {k: v for k, v in self._gucs.items() if k != name}
            return stmt.tag
        if guc is not None:
            value, err = gucs.check_value(guc, value, self.major)
            if err is not None:
                raise err
        self._remember_local_guc(stmt, name)
        self._gucs = {**self._gucs, name: value}
        return stmt.tag

    def _remember_local_guc(self, stmt: st.SetParameter, name: str) -> None:
        tx = self._tx
        assert tx is not None
        if stmt.is_local and tx.explicit and name not in tx.local_undo:
            tx.local_undo[name] = self._gucs.get(name)

    def _reset(self, stmt: st.ResetParameter) -> str:
        if stmt.name is None:
            self._gucs = {}
            return stmt.tag
        name = stmt.name.lower()
        guc = gucs.lookup(name, self.major)
        if guc is None and "." not in name:
            raise error("guc.unknown", self.major, name=name)
        if guc is not None and guc.context in ("internal", "config"):
            raise error("guc.cannot_change", self.major, name=name)
        self._gucs = {k: v for k, v in self._gucs.items() if k != name}
        return stmt.tag

    def _show(
        self, stmt: st.ShowParameter
    ) -> tuple[str, tuple[str, ...], tuple[tuple[str | None, ...], ...]]:
        name = stmt.name.lower()
        value = self._show_value(name)
        if value is None:
            if "." in name:
                raise error("guc.unknown", self.major, name=name)
            raise error("guc.unknown", self.major, name=name)
        return "SHOW", (name,), ((value,),)

    def _apply_role_settings(self, catalog: Catalog) -> None:
        """ALTER ROLE ... SET values take effect at the start of a session."""
        gucs = dict(self._gucs)
        for setting in catalog.settings:
            if setting.role in (0, self._session_user) and setting.database in (None, self.dbname):
                gucs[setting.name] = setting.value
        self._gucs = gucs

    # ---------------------------------------------------------------------- functions ----

    def _function_env(self, config: EngineConfig) -> dict[str, Any]:
        return {
            "session_user": self._session_user,
            "current_user": self._current_user,
            "ssl": self.ssl,
            "config": config,
        }

    def _do(self, stmt: st.DoBlock, notices: list[st.ServerMessage]) -> str:
        if stmt.language.lower() != "plpgsql":
            raise PostgresError(
                "0A000", f'language "{stmt.language}" does not support inline code execution'
            )
        if not stmt.linear or any(d.construct != "EXECUTE" for d in stmt.dynamic):
            raise UnsupportedByEmulator(
                "a DO block with control flow is not emulated; its literal statements are "
                "classified (aurora_sec.classify)"
            )
        if not stmt.dynamic:
            for inner in stmt.statements:
                self._run(inner, notices)
            return stmt.tag
        for kind, index in stmt.steps:
            if kind == "sql":
                self._run(stmt.statements[index], notices)
            else:
                self._execute_dynamic(stmt.dynamic[index], notices)
        return stmt.tag

    def _execute_dynamic(self, dynamic: st.DynamicSql, notices: list[st.ServerMessage]) -> None:
        """A DO block's ``EXECUTE expr``: the text is computed now, then classified and run as
        any statement is. Its errors carry no position in the DO's own text (the server
        reports it as an internal query)."""
        text = execute_text(dynamic.expression)
        try:
            statements = classify_major(text, self.major)
            for inner in statements:
                if isinstance(inner, st.TransactionControl):
                    # pl_exec.c exec_stmt_dynexecute
                    raise PostgresError(
                        "0A000", "EXECUTE of transaction commands is not implemented"
                    )
            for inner in statements:
                self._run(inner, notices)
        except PostgresError as err:
            err.position = None
            raise


def _role_lock_held(holder: Holder, wanted: RoleLock) -> Callable[[], bool]:
    return lambda: holder.outcome is None and LockTable.blocks(holder, wanted)


def _backend_of(waiter: object) -> int:
    """The backend number of a waiter: a transaction, or a session running one statement."""
    return waiter.backend if isinstance(waiter, _Tx | Session) else 0


_RoleHandler = Callable[[Session, ExecContext, Any], str]

#: How many role statements a session remembers (replay.py) before it starts over.
_MEMOS = 64

#: Role DDL: statements whose handler only reads and replaces the catalog (see
#: :meth:`Session._execute_role_ddl`).
_ROLE_DDL: dict[type[st.Statement], _RoleHandler] = {
    st.CreateRole: lambda _s, ctx, stmt: create_role(ctx, stmt),
    st.AlterRole: lambda _s, ctx, stmt: alter_role(ctx, stmt),
    st.RenameRole: lambda _s, ctx, stmt: rename_role(ctx, stmt),
    st.DropRole: lambda _s, ctx, stmt: drop_role(ctx, stmt),
    st.GrantRole: Session._grant,
    st.RevokeRole: Session._revoke,
    st.AlterRoleSet: lambda _s, ctx, stmt: alter_role_set(ctx, stmt),
}


_PLAIN_RESULTS: dict[str, Result] = {}


def _plain_result(tag: str) -> Result:
    """The result of a one-statement string that answered ``tag`` with no rows and no notices.

    Results are immutable values, so equal ones are shared rather than built again.
    """
    outer = _PLAIN_RESULTS.get(tag)
    if outer is None:
        inner = Result(tag)
        outer = _PLAIN_RESULTS[tag] = Result(tag, (), None, (), (inner,))
    return outer
