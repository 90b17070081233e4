"""What a session remembers of the role statements it ran, to answer a repeat without its checks.

A role statement run on its own (outside a transaction block, no other transaction holding
rows) is a function of the statement, the committed catalog, the session's two identities, its
GUCs and the instance's configuration, and of the next salt where it stores a SCRAM password.
Run again where everything its checks read is as it was, it passes the same checks and makes
the same change. Each kind of memo below names what it depends on, beyond the *situation*
every one needs (the same text, hence, on one server, the same statement; the same GUC dict and
configuration; the same current and session user; the same TLS state):

* :data:`SEEN`: a statement run once; it is remembered (as below) when it comes again.
* :class:`Unchanged`: a statement that changed nothing (GRANT of a membership held, DROP ROLE
  IF EXISTS of nothing, a simple SELECT): the whole catalog, by identity. Its answer is its
  result again.
* :class:`Failed`: a role statement that failed (and so changed nothing): the whole catalog,
  by identity. Its answer is the same error again, with the same notices.
* :class:`PasswordReplay`: an ALTER ROLE that changed only passwords and VALID UNTIL: the
  catalog's ``checks_epoch`` (kept only across such changes; no check of ALTER ROLE reads a
  password). It stores the same password and VALID UNTIL again, a SCRAM secret with the next
  salt.
* :class:`CreateReplay`: a CREATE ROLE without IN ROLE/ROLE/ADMIN: the creator's row (by
  identity) and the name being free. It stores the same row under the next oid, with the
  grants 16 adds for a CREATEROLE creator.
* :class:`DropReplay`: a DROP ROLE of one role no setting or table names, and no grant but
  grants of it: the dropping role's row (by identity), the settings and tables and the rest of
  the grants (by identity), a role of that name newer than they are, with the same ``rolsuper``
  and grants of the same shape. It drops that role.
* :class:`RenameReplay`: the renamed row (by value), the new name being free, the renaming
  role's row (by identity) and the membership graph (by identity: 16 asks for ADMIN OPTION).
  It stores the renamed row it stored before.

Where ``rds.restrict_password_commands`` makes a statement's check read rds_password's
membership, CREATE and RENAME are not remembered; ALTER ROLE's epoch covers memberships.

:class:`aurora_sec.engine.session.Session` asks :func:`remembered` after running a statement,
and a memo's :meth:`Memo.answer` before running it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, final

from aurora_sec.engine.catalog import Catalog, Grant, Role, new_row
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.ddl.password_clause import reads_clock
from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.engine.result import Result, SslState
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st

__all__ = [
    "SEEN",
    "CreateReplay",
    "DropReplay",
    "Failed",
    "Memo",
    "PasswordReplay",
    "RenameReplay",
    "Situation",
    "Unchanged",
    "remembered",
]

#: What every memo depends on: the GUC dict, the configuration, current_user, session_user,
#: the connection's TLS state (which only a simple SELECT reads: ``ssl_is_used()``) and the
#: statement's text.
Situation = tuple[Mapping[str, str], EngineConfig, int, int, SslState | None, str]

Salt = Callable[[int], bytes]


class Memo:
    """A statement's remembered answer: :meth:`answer` gives the catalog to commit (the same
    catalog when nothing changes) while what it depends on holds, else None. The session tests
    the situation first: the memo found by the hash of the statement's text must hold that
    ``text``, the same ``gucs`` dict, ``config`` and ``ssl`` (by identity), and the same
    ``current_user`` and ``session_user``. Its repr leaves out the text (a password)."""

    __slots__ = ("config", "current_user", "gucs", "result", "session_user", "ssl", "stmt", "text")

    def __init__(self, stmt: st.Statement, situation: Situation, result: Result) -> None:
        self.stmt = stmt
        (
            self.gucs,
            self.config,
            self.current_user,
            self.session_user,
            self.ssl,
            self.text,
        ) = situation
        self.result = result

    def __repr__(self) -> str:  # nothing stored (a password) shows
        return f"<{type(self).__name__} of {self.stmt.redacted!r}>"

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        raise NotImplementedError


@final
class _Seen(Memo):
    """The note of a statement run once (:data:`SEEN`): it is remembered when it comes again,
    so a first sight builds nothing. It holds no statement and matches no situation."""

    __slots__ = ()

    def __init__(self) -> None:
        self.stmt = self.gucs = self.config = self.result = self.ssl = self.text = _NEVER
        self.current_user = self.session_user = -1

    def __repr__(self) -> str:
        return "<SEEN>"

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        return None


#: A value no statement or situation is.
_NEVER: Any = object()

SEEN: Memo = _Seen()


@final
class Unchanged(Memo):
    """A statement that changed nothing, against this very catalog."""

    __slots__ = ("_catalog",)

    def __init__(
        self, stmt: st.Statement, situation: Situation, result: Result, catalog: Catalog
    ) -> None:
        super().__init__(stmt, situation, result)
        self._catalog = catalog

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        return catalog if catalog is self._catalog else None


@final
class Failed(Memo):
    """A statement that failed against this very catalog: it fails again, as it did. (A
    failed statement changes nothing and draws no salt for good, so the catalog is all its
    checks read beyond the situation.)"""

    __slots__ = ("_catalog", "_error")

    def __init__(
        self, stmt: st.Statement, situation: Situation, error: PostgresError, catalog: Catalog
    ) -> None:
        super().__init__(stmt, situation, _NO_RESULT)
        self._error = error.again()
        self._catalog = catalog

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        if catalog is not self._catalog:
            return None
        raise self._error.again()


#: Failed's result (it has none: it raises).
_NO_RESULT = Result("")


def _stored(password: StoredPassword | None, catalog: Catalog, salt: Salt) -> StoredPassword | None:
    """``password`` as storing its clause again stores it: a SCRAM secret built from the
    plaintext gets the catalog's next salt (the caller counts it)."""
    if password is None or not password.salted:
        return password
    return password.resalted(salt(catalog.salts_drawn))


def _count_salt(changed: Catalog, before: Catalog, password: StoredPassword | None) -> Catalog:
    if password is not None and password.salted:
        changed.salts_drawn = before.salts_drawn + 1  # a fresh catalog, not yet published
    return changed


@final
class PasswordReplay(Memo):
    """An ALTER ROLE that changed only ``rolpassword`` / ``rolvaliduntil`` of one role. While
    the epoch holds, the row's other fields are the ones it stored (the epoch changes with
    any of them), so it builds the row from those without reading it, unless the statement
    set only one of the two."""

    __slots__ = ("_epoch", "_fields", "_oid", "_password", "_set_both", "_set_password", "_until")

    def __init__(
        self,
        stmt: st.AlterRole,
        situation: Situation,
        result: Result,
        epoch: object,
        stored: Role,
    ) -> None:
        super().__init__(stmt, situation, result)
        self._epoch = epoch
        self._oid = stored.oid
        self._fields = stored[:10]
        self._password, self._until = stored.password, stored.valid_until
        self._set_password = stmt.options.password is not None
        self._set_both = self._set_password and stmt.options.valid_until is not None

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        if catalog.checks_epoch is not self._epoch:
            return None
        password, until = self._password, self._until
        if not self._set_both:
            row = catalog.role(self._oid)
            if self._set_password:
                until = row.valid_until
            else:
                password = row.password
        if password is None or not self._set_password:
            return catalog.with_secret_row(new_row(Role, (*self._fields, password, until)))
        password = _stored(password, catalog, salt)
        changed = catalog.with_secret_row(new_row(Role, (*self._fields, password, until)))
        return _count_salt(changed, catalog, password)


@final
class CreateReplay(Memo):
    """A CREATE ROLE without member clauses: its row (and 16's grants to the creator)."""

    __slots__ = ("_fields", "_grants", "_me", "_name", "_password", "_until")

    def __init__(
        self,
        stmt: st.CreateRole,
        situation: Situation,
        result: Result,
        me: Role,
        stored: tuple[Role, tuple[Grant, ...]],
    ) -> None:
        super().__init__(stmt, situation, result)
        self._name = stmt.name
        self._me = me
        row, grants = stored
        #: each grant's fields after ``role`` (the new role's oid, another each time)
        self._grants = tuple(grant[1:] for grant in grants)
        self._fields, self._password, self._until = row[1:10], row.password, row.valid_until

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        if catalog.roles.get(self.current_user) is not self._me or catalog.has_role(self._name):
            return None
        oid = catalog.next_oid
        password = self._password
        if password is not None:
            password = _stored(password, catalog, salt)
        changed, _ = catalog.add_role(
            new_row(Role, (oid, *self._fields, password, self._until)),
            [new_row(Grant, (oid, *grant)) for grant in self._grants],
        )
        return changed if password is None else _count_salt(changed, catalog, password)


@final
class RenameReplay(Memo):
    """An ALTER ROLE ... RENAME TO: the row it stored, while the row it renamed is the same."""

    __slots__ = ("_me", "_members", "_new", "_old", "_renamed")

    def __init__(
        self,
        stmt: st.RenameRole,
        situation: Situation,
        result: Result,
        read: tuple[Role, object],
        rows: tuple[Role, Role],
    ) -> None:
        super().__init__(stmt, situation, result)
        self._me, self._members = read
        self._old, self._renamed = rows
        self._new = stmt.new

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        old = self._old
        if (
            catalog.get(old.name) != old
            or catalog.has_role(self._new)
            or catalog.roles.get(self.current_user) is not self._me
            or catalog.membership_graph is not self._members
        ):
            return None
        return catalog.renamed(old, self._renamed)


@final
class DropReplay(Memo):
    """A DROP ROLE of one role that no role setting or table named, and no grant but grants
    of it (16's grants to a CREATEROLE creator). It answers for a role of that name created
    since it was recorded (an oid at least ``_newer``) with grants of the same shape, while
    the settings and tables are the very ones it saw and the rest of the grants the very ones
    it left: the membership graph is that one, or was that one until the last change created
    the role (``Catalog.graph_before_adding``). None of those can name a role newer than
    themselves. Its checks read the dropping role's row (by identity), the dropped role's name
    and ``rolsuper``, and, from 16, ADMIN OPTION on it (through its grants, the same shape on
    the same rest of the graph). A role that new is neither the current nor the session user:
    both existed when it was recorded."""

    __slots__ = (
        "_grants",
        "_graph",
        "_me",
        "_name",
        "_newer",
        "_settings",
        "_superuser",
        "_tables",
    )

    def __init__(
        self,
        stmt: st.DropRole,
        situation: Situation,
        result: Result,
        me: Role,
        catalogs: tuple[Catalog, Catalog],
        dropped: Role,
    ) -> None:
        super().__init__(stmt, situation, result)
        before, after = catalogs
        self._me = me
        self._name, self._superuser = dropped.name, dropped.superuser
        self._grants = _grant_shape(before, dropped.oid)
        self._newer = before.next_oid
        self._graph = after.membership_graph
        self._settings, self._tables = before.settings, before.tables

    def answer(self, catalog: Catalog, salt: Salt) -> Catalog | None:
        row = catalog.get(self._name)
        if (
            row is None
            or row.oid < self._newer
            or row.superuser != self._superuser
            or catalog.roles.get(self.current_user) is not self._me
            or catalog.settings is not self._settings
            or catalog.tables is not self._tables
            or (
                catalog.membership_graph is not self._graph
                and catalog.graph_before_adding(row.oid) is not self._graph
            )
            or _grant_shape(catalog, row.oid) != self._grants
        ):
            return None
        return catalog.without_role(row)


def _grant_shape(catalog: Catalog, oid: int) -> list[tuple[Any, ...]]:
    """The grants of role ``oid``: member, grantor and options of each, in order."""
    return [grant[1:] for grant in catalog.grants_of_role(oid)]


def remembered(
    stmt: st.Statement,
    situation: Situation,
    result: Result,
    before: Catalog,
    after: Catalog,
) -> Memo | None:
    """What to remember of ``stmt``, which turned ``before`` into ``after`` with ``result``."""
    options = getattr(stmt, "options", None)
    if (
        isinstance(options, st.RoleOptions)
        and options.valid_until is not None
        and reads_clock(options.valid_until)
    ):
        return None  # VALID UNTIL 'now' (or 'today', ...) stores another moment each time
    if after is before:
        return Unchanged(stmt, situation, result, before)
    record = _RECORDERS.get(type(stmt))
    return None if record is None else record(stmt, situation, result, before, after)


def _password_replay(
    stmt: st.AlterRole,
    situation: Situation,
    result: Result,
    before: Catalog,
    after: Catalog,
) -> PasswordReplay | None:
    if after.checks_epoch is not before.checks_epoch or stmt.options.role:
        return None
    target = stmt.target
    if target.kind is st.RoleRefKind.NAME:
        assert target.name is not None
        row = after.get(target.name)
    else:
        row = after.roles.get(
            situation[3] if target.kind is st.RoleRefKind.SESSION_USER else situation[2]
        )
    if row is None:  # pragma: no cover - the statement succeeded on this role
        return None
    return PasswordReplay(stmt, situation, result, before.checks_epoch, row)


def _creator(situation: Situation, before: Catalog) -> Role | None:
    """The row of the role running a CREATE or RENAME that may be remembered, or None where
    ``rds.restrict_password_commands`` makes its checks read rds_password's membership."""
    if situation[1].restrict_password_commands:
        return None
    return before.roles.get(situation[2])


def _create_replay(
    stmt: st.CreateRole,
    situation: Situation,
    result: Result,
    before: Catalog,
    after: Catalog,
) -> CreateReplay | None:
    options = stmt.options
    if options.in_role or options.role or options.admin:
        return None
    me = _creator(situation, before)
    oid = before.next_oid
    if me is None or after.next_oid != oid + 1:
        return None
    stored = (after.role(oid), tuple(after.grants_of_role(oid)))
    return CreateReplay(stmt, situation, result, me, stored)


def _rename_replay(
    stmt: st.RenameRole,
    situation: Situation,
    result: Result,
    before: Catalog,
    after: Catalog,
) -> RenameReplay | None:
    me = _creator(situation, before)
    old = before.get(stmt.old)
    renamed = after.get(stmt.new)
    if me is None or old is None or renamed is None:
        return None
    return RenameReplay(stmt, situation, result, (me, before.membership_graph), (old, renamed))


def _drop_replay(
    stmt: st.DropRole,
    situation: Situation,
    result: Result,
    before: Catalog,
    after: Catalog,
) -> DropReplay | None:
    if len(stmt.names) != 1:
        return None
    name = stmt.names[0].name
    dropped = None if name is None else before.get(name)
    me = before.roles.get(situation[2])
    if (
        dropped is None
        or me is None
        or before.grants_of_member(dropped.oid)  # a member of a role: not remembered
        or after.settings is not before.settings  # it had role settings
        or after.tables is not before.tables
    ):
        return None
    return DropReplay(stmt, situation, result, me, (before, after), dropped)


_Recorder = Callable[[Any, Situation, Result, Catalog, Catalog], Memo | None]

#: The statements whose changes may be remembered, and how.
_RECORDERS: dict[type[st.Statement], _Recorder] = {
    st.AlterRole: _password_replay,
    st.CreateRole: _create_replay,
    st.RenameRole: _rename_replay,
    st.DropRole: _drop_replay,
}
