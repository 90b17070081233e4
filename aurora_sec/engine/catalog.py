"""The role catalog of one database server: ``pg_authid`` and ``pg_auth_members`` as values.

A :class:`Catalog` is immutable: every change returns a new catalog, so a transaction works on
its own copy and either replaces the server's catalog at COMMIT or is dropped at ROLLBACK, and
a failed statement leaves nothing behind. Roles are keyed by oid (a rename keeps the oid), as
in PostgreSQL; grants are keyed by (role, member, grantor), as in PostgreSQL 16.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.engine.pmap import LayeredMap

_EMPTY: LayeredMap[Any, Any] = LayeredMap()
_NO_ADMINS: frozenset[int] = frozenset()

__all__ = ["Catalog", "Grant", "Role", "RoleSetting", "RowKey", "Table"]

#: A row as :meth:`Catalog.written_rows` names it, e.g. ``("role", 16390)``.
RowKey = tuple[object, ...]


class Role(NamedTuple):
    """A row of ``pg_authid``.

    A named tuple rather than an attrs class: a row is rebuilt by every statement that
    changes a role, and a tuple is built in a quarter of the time of a frozen attrs object
    (docs/performance.md). It is just as immutable; its repr leaves out the password.
    """

    oid: int
    name: str
    superuser: bool = False
    inherit: bool = True
    createrole: bool = False
    createdb: bool = False
    login: bool = False
    replication: bool = False
    bypassrls: bool = False
    connection_limit: int = -1
    password: StoredPassword | None = None
    #: ``VALID UNTIL`` as PostgreSQL prints it (``infinity`` or a timestamp), or None.
    valid_until: str | None = None

    def __repr__(self) -> str:
        return (
            f"Role(oid={self.oid!r}, name={self.name!r}, superuser={self.superuser!r}, "
            f"inherit={self.inherit!r}, createrole={self.createrole!r}, "
            f"createdb={self.createdb!r}, login={self.login!r}, "
            f"replication={self.replication!r}, bypassrls={self.bypassrls!r}, "
            f"connection_limit={self.connection_limit!r}, valid_until={self.valid_until!r})"
        )

    def replaced(self, **changes: object) -> Role:
        """A copy with ``changes`` (``_replace`` without its keyword machinery)."""
        get = changes.get
        return new_row(
            Role,
            (
                self[0],
                get("name", self[1]),
                get("superuser", self[2]),
                get("inherit", self[3]),
                get("createrole", self[4]),
                get("createdb", self[5]),
                get("login", self[6]),
                get("replication", self[7]),
                get("bypassrls", self[8]),
                get("connection_limit", self[9]),
                get("password", self[10]),
                get("valid_until", self[11]),
            ),
        )

    def same_but_secret(self, other: Role) -> bool:
        """Equal but for ``password`` and ``valid_until`` (the last two fields)."""
        return self[:10] == other[:10]

    def with_secret(self, password: StoredPassword | None, valid_until: str | None) -> Role:
        """A copy with a new ``rolpassword`` and ``rolvaliduntil`` (ALTER ROLE ... PASSWORD)."""
        return new_row(Role, self[:10] + (password, valid_until))  # noqa: RUF005 (faster)

    @property
    def predefined(self) -> bool:
        """A predefined ``pg_*`` role (``IsReservedName`` is a byte prefix test)."""
        return self.name.startswith("pg_")


#: ``new_row(Role, fields)``: a row from a tuple of all its fields, without the named tuple's
#: keyword machinery (a replayed statement builds one: replay.py).
new_row = tuple.__new__


class Grant(NamedTuple):
    """A row of ``pg_auth_members``: ``member`` is a member of ``role`` (a named tuple, as
    :class:`Role` is: every GRANT builds one)."""

    role: int
    member: int
    grantor: int
    admin: bool = False
    inherit: bool = True
    set: bool = True


@attrs.frozen
class RoleSetting:
    """A row of ``pg_db_role_setting``: ``ALTER ROLE r [IN DATABASE d] SET name = value``.

    ``role`` 0 and ``database`` None stand for ALL / every database, as in PostgreSQL."""

    role: int
    database: str | None
    name: str
    value: str


@attrs.frozen
class Table:
    """A table, as far as roles care: its owner and who was granted what on it."""

    name: str
    owner: int
    #: (grantee oid, privilege) pairs, e.g. (16390, "SELECT").
    acl: frozenset[tuple[int, str]] = frozenset()


class MemoCarry:
    """membership.py's memo handed on to a changed catalog: closures computed on an earlier
    catalog of its history (``sets``, never mutated once handed on), and the roles touched
    since (``dirty``: whose grants as a member, or whose attributes, changed). A closure that
    reaches none of them is still the closure in the new catalog; membership.py checks that
    before it reuses one. ``recent`` with ``recent_dirty``: the closures the previous catalog
    used (a subset, checked first against the fewer roles touched since that catalog).
    ``size`` is what the closures count against the memo's budget."""

    __slots__ = ("dirty", "recent", "recent_dirty", "sets", "size")

    def __init__(
        self,
        sets: Mapping[Any, frozenset[int]],
        dirty: frozenset[int],
        size: int,
        recent: Mapping[Any, frozenset[int]] | None = None,
        recent_dirty: frozenset[int] = frozenset(),
    ) -> None:
        self.sets = sets
        self.dirty = dirty
        self.size = size
        self.recent = recent
        self.recent_dirty = recent_dirty

    def handed_on(self, touched: frozenset[int]) -> MemoCarry | None:
        """This carry, for a catalog changed again at ``touched``: O(1), unless the roles
        touched since the closures were computed pass :data:`_MAX_DIRTY`; then the closures
        that reach none of them are kept and the rest dropped, once."""
        if not touched:
            return self
        dirty = self.dirty | touched
        if len(dirty) <= _MAX_DIRTY:
            recent = self.recent
            return MemoCarry(
                self.sets,
                dirty,
                self.size,
                recent,
                self.recent_dirty | touched if recent is not None else touched,
            )
        return MemoCarry.consolidated(self.sets, dirty, {})

    @staticmethod
    def consolidated(
        older: Mapping[Any, frozenset[int]],
        dirty: frozenset[int],
        newer: Mapping[Any, frozenset[int]],
    ) -> MemoCarry | None:
        """One carry of the closures of ``older`` that reach no ``dirty`` role, overlaid with
        ``newer`` (closures computed after them, valid as they are); None if nothing is left."""
        if dirty:
            sets = {key: value for key, value in older.items() if dirty.isdisjoint(value)}
        else:
            sets = dict(older)
        sets.update(newer)
        if not sets:
            return None
        return MemoCarry(sets, frozenset(), sum(len(v) for v in sets.values()) + 8 * len(sets))


#: Past this many touched roles a carry's closures are filtered once (see MemoCarry).
_MAX_DIRTY = 256


#: Catalog._undo: (oid, its row before the change or None, the role, name, by-member and
#: by-role maps, the ADMIN OPTION index before, and the membership memo valid for them).
_Undo = tuple[
    int,
    "Role | None",
    LayeredMap[int, Role],
    LayeredMap[str, int],
    LayeredMap[int, LayeredMap[Any, "Grant"]],
    LayeredMap[int, LayeredMap[Any, tuple[int, "Grant"]]],
    LayeredMap[int, frozenset[int]],
    Any,
]


class Catalog:
    """All roles, memberships, role settings and role-owned objects of a server.

    Immutable by contract: every change returns a new catalog that shares what did not change.
    The role and grant tables are :class:`~aurora_sec.engine.pmap.LayeredMap` values, so a
    change costs O(1) amortised whatever the number of roles, and a transaction's working
    catalog and the committed one coexist cheaply. Lookups by name, by member and by role are
    indexed.
    """

    __slots__ = (
        "_admins",
        "_by_member",
        "_by_name",
        "_by_role",
        "_grant_seq",
        "_roles",
        "_undo",
        "bootstrap_oid",
        "checks_epoch",
        "databases",
        "extensions",
        "membership_memo",
        "next_oid",
        "salts_drawn",
        "settings",
        "tables",
    )

    def __init__(
        self,
        roles: Mapping[int, Role],
        grants: Iterable[Grant] = (),
        next_oid: int = 16384,
        bootstrap_oid: int = 10,
        settings: tuple[RoleSetting, ...] = (),
        tables: Mapping[str, Table] | None = None,
        databases: frozenset[str] = frozenset({"postgres", "rdsadmin", "template0", "template1"}),
        extensions: frozenset[str] = frozenset({"plpgsql"}),
    ) -> None:
        self._roles: LayeredMap[int, Role] = LayeredMap(roles)
        self._by_name: LayeredMap[str, int] = LayeredMap({r.name: oid for oid, r in roles.items()})
        #: member -> {(role, grantor): Grant}: the grants a membership walk follows.
        self._by_member: LayeredMap[int, LayeredMap[Any, Grant]] = LayeredMap()
        #: role -> {(member, grantor): (heap position, Grant)}; the position (the count of
        #: rows written before it) orders :attr:`grants` as a scan of pg_auth_members does,
        #: a changed row moving to the end as a new tuple version does.
        self._by_role: LayeredMap[int, LayeredMap[Any, tuple[int, Grant]]] = LayeredMap()
        #: role -> the members of its rows WITH ADMIN OPTION (who may administer it directly:
        #: is_admin and select_best_admin look these up, not every member of the role).
        self._admins: LayeredMap[int, frozenset[int]] = LayeredMap()
        self._grant_seq = 0
        #: After :meth:`add_role` (and grants of the new role) or :meth:`renamed` only: (the
        #: oid, its row before, None for a new role; the maps before), so that the change
        #: undone next (that role dropped; renamed back to that very row) puts them back.
        self._undo: _Undo | None = None
        for grant in grants:
            self._put(grant)
        self.next_oid = next_oid
        self.bootstrap_oid = bootstrap_oid
        self.settings = settings
        self.tables: Mapping[str, Table] = MappingProxyType(dict(tables or {}))
        self.databases = databases
        self.extensions = extensions
        #: How many SCRAM salts this catalog's history has drawn: the n-th salt is a pure
        #: function of (cluster, n), so a rolled-back password change draws nothing for good.
        self.salts_drawn = 0
        #: membership.py's memo of membership closures, valid while ``_roles`` and
        #: ``_by_member`` are the maps it records (a change replaces them); not part of the value.
        self.membership_memo: Any = None
        #: Everything but the roles' passwords, VALID UNTIL and the salt count, as an identity:
        #: a change made through :meth:`_copy` gets a new one, a change of only those keeps it
        #: (:meth:`replace_role`, :meth:`with_salts_drawn`). Two catalogs with the same epoch
        #: answer every check of an ALTER ROLE ... PASSWORD / VALID UNTIL alike, since no
        #: such check reads a password (Session's replay of a repeated password change).
        self.checks_epoch = object()

    def _copy(self) -> Catalog:
        # Spelled out (not a loop over __slots__): every statement that changes the catalog
        # pays for this copy.
        new = object.__new__(Catalog)
        new._undo = None
        new._by_member = self._by_member
        new._by_name = self._by_name
        new._by_role = self._by_role
        new._admins = self._admins
        new._grant_seq = self._grant_seq
        new._roles = self._roles
        new.bootstrap_oid = self.bootstrap_oid
        new.checks_epoch = object()
        new.databases = self.databases
        new.extensions = self.extensions
        new.next_oid = self.next_oid
        new.salts_drawn = self.salts_drawn
        new.membership_memo = self.membership_memo
        new.settings = self.settings
        new.tables = self.tables
        return new

    def _carried(self, touched: Iterable[int]) -> MemoCarry | None:
        """This catalog's membership memo, for a catalog changed from it at ``touched``."""
        memo = self.membership_memo
        if memo is None:
            return None
        if isinstance(memo, MemoCarry):
            return memo.handed_on(frozenset(touched))
        handed_on = getattr(memo, "handed_on", None)
        if handed_on is None:
            return None
        carry: MemoCarry | None = handed_on(self._roles, self._by_member, frozenset(touched))
        return carry

    def with_salts_drawn(self, count: int) -> Catalog:
        """This catalog, having drawn ``count`` salts in all."""
        new = self._copy()
        new.salts_drawn = count
        new.checks_epoch = self.checks_epoch
        return new

    def _put(self, grant: Grant) -> None:
        """Index ``grant`` in this (fresh, unshared) catalog's maps."""
        role, member, grantor = grant.role, grant.member, grant.grantor
        by_member = self._by_member
        rows = by_member.get(member)
        key: tuple[int, int] = (role, grantor)
        if rows is None:  # the member's first grant
            self._by_member = by_member.added(member, LayeredMap.single(key, grant))
            old = None
        else:
            old = rows.get(key)
            self._by_member = by_member.set(member, rows.set(key, grant))
        by_role = self._by_role
        positioned = by_role.get(role)
        key = (member, grantor)
        row = (self._grant_seq, grant)
        self._grant_seq += 1
        if positioned is None:  # the role's first member
            self._by_role = by_role.added(role, LayeredMap.single(key, row))
            if grant.admin:  # (a role without rows has no entry in the index)
                self._admins = self._admins.added(role, frozenset((member,)))
        elif old is None:  # a new row (the two indexes hold the same rows)
            self._by_role = by_role.set(role, positioned.added(key, row))
            if grant.admin:
                self._count_admins(role)
        else:
            self._by_role = by_role.set(role, positioned.set(key, row))
            if grant.admin or old.admin:
                self._count_admins(role)

    def _drop(self, grant: Grant) -> None:
        found = self.find_grant(grant.role, grant.member, grant.grantor)
        if found is None:
            return
        self._by_member = self._by_member.set(
            grant.member, self._by_member[grant.member].delete((grant.role, grant.grantor))
        )
        self._by_role = self._by_role.set(
            grant.role, self._by_role[grant.role].delete((grant.member, grant.grantor))
        )
        if found.admin:
            self._count_admins(grant.role)

    def _count_admins(self, role: int) -> None:
        """Index again who holds ADMIN OPTION on ``role`` (a row of it gained or lost it)."""
        positioned = self._by_role.get(role)
        holders = frozenset(
            grant.member for _, grant in (positioned.values() if positioned else ()) if grant.admin
        )
        self._admins = self._admins.set(role, holders) if holders else self._admins.delete(role)

    def admin_holders(self, role: int) -> frozenset[int]:
        """The members of ``role``'s rows WITH ADMIN OPTION."""
        return self._admins.get(role, _NO_ADMINS)

    # -- reading --------------------------------------------------------------------------

    @property
    def roles(self) -> Mapping[int, Role]:
        return self._roles

    @property
    def grants(self) -> tuple[Grant, ...]:
        """Every ``pg_auth_members`` row, in the order a scan of the table returns them."""
        return tuple(self._in_heap_order(None))

    def grants_by_grantor(self, grantor: int) -> list[Grant]:
        """The rows ``grantor`` granted, in :attr:`grants` order (only those are sorted)."""
        return self._in_heap_order(grantor)

    def _in_heap_order(self, grantor: int | None) -> list[Grant]:
        rows = [
            row
            for positioned in self._by_role.values()
            for row in positioned.values()
            if grantor is None or row[1].grantor == grantor
        ]
        rows.sort(key=_position)
        return [grant for _, grant in rows]

    def _all_grants(self) -> Iterator[Grant]:
        """Every row, in no particular order (cheaper than :attr:`grants`)."""
        for rows in self._by_member.values():
            yield from rows.values()

    def get(self, name: str) -> Role | None:
        oid = self._by_name.get(name)
        return None if oid is None else self._roles[oid]

    def has_role(self, name: str) -> bool:
        """Whether a role has this name (``get(name) is not None``, one lookup)."""
        return name in self._by_name

    def role(self, oid: int) -> Role:
        return self._roles[oid]

    def names(self) -> Iterator[str]:
        return iter(self._by_name)

    def grants_of_member(self, member: int) -> Iterable[Grant]:
        return self._by_member.get(member, _EMPTY).values()

    def has_members(self, role: int) -> bool:
        """Whether any grant makes some role a member of ``role``."""
        rows = self._by_role.get(role)
        return rows is not None and len(rows) > 0

    def belongs_to_any(self, member: int) -> bool:
        """Whether any grant makes ``member`` a member of some role."""
        rows = self._by_member.get(member)
        return rows is not None and len(rows) > 0

    @property
    def membership_graph(self) -> object:
        """The ``pg_auth_members`` rows as an identity: every change of them replaces it."""
        return self._by_member

    def grants_of_role(self, role: int) -> Iterable[Grant]:
        rows = self._by_role.get(role)
        return () if rows is None else [grant for _, grant in rows.values()]

    def find_grant(self, role: int, member: int, grantor: int) -> Grant | None:
        rows = self._by_member.get(member)
        return None if rows is None else rows.get((role, grantor))

    def first_grant_between(self, role: int, member: int) -> Grant | None:
        """The first of :meth:`grants_between` (up to 15 there is at most one), or None."""
        return next(iter(self.grants_between(role, member)), None)

    def grants_between(self, role: int, member: int) -> Iterable[Grant]:
        """Every row making ``member`` a member of ``role`` (one per grantor)."""
        rows = self._by_member.get(member)
        if rows is None:
            return ()
        return [grant for (of, _), grant in rows.items() if of == role]

    # -- changing (each returns a new catalog) -------------------------------------------

    def add_role(
        self, role_without_oid: Role, grants: Sequence[Grant] = ()
    ) -> tuple[Catalog, Role]:
        """Insert a role with the next oid (the ``oid`` given is replaced unless it already is)
        under a name no role has (the caller's check: CREATE ROLE's "already exists").

        ``grants``: rows of the new role (their ``role`` is its oid, the catalog's
        ``next_oid``), put as :meth:`put_grant` would put them, one by one, after it: 16's
        grants to a CREATEROLE creator, made in the same change (one copy of the catalog, not
        one per row)."""
        oid = self.next_oid
        role = (
            role_without_oid if role_without_oid.oid == oid else role_without_oid._replace(oid=oid)
        )
        new = self._copy()
        new._roles = self._roles.added(oid, role)
        new._by_name = self._by_name.added(role.name, oid)
        new.next_oid = oid + 1
        if grants:
            for grant in grants:
                new._put(grant)
            new.membership_memo = self._carried({grant.member for grant in grants})
        else:
            new.membership_memo = self._carried(())  # no closure holds a new role
        new._undo = (oid, None, *self._maps())
        return new, role

    def replace_role(self, role: Role) -> Catalog:
        old = self._roles[role.oid]
        if old.name != role.name:
            return self.renamed(old, role)
        if old.same_but_secret(role):
            return self._with_row(role, keep_epoch=True, closures_read=False)
        # A membership closure reads rolsuper and rolinherit of the roles it passes (membership.py)
        read = old.superuser != role.superuser or old.inherit != role.inherit
        return self._with_row(role, keep_epoch=False, closures_read=read)

    def renamed(self, old: Role, role: Role) -> Catalog:
        """:meth:`replace_role` of ``old`` (the current row) by ``role``, a row with another
        name (and, perhaps, its MD5 password cleared)."""
        undo = self._undo
        if undo is not None and undo[0] == role.oid and undo[1] == role:
            new = self._copy()  # renamed back to the row it had before the last change
            new._undone(undo)
        else:
            new = self._with_row(role, keep_epoch=False, closures_read=False)
            new._by_name = self._by_name.moved(old.name, role.name, role.oid)
        new._undo = (role.oid, old, *self._maps())
        return new

    def with_secret_row(self, role: Role) -> Catalog:
        """``role`` in place of the row of its oid, a row equal to it but for ``rolpassword``
        and ``rolvaliduntil`` (the checks epoch kept)."""
        return self._with_row(role, keep_epoch=True, closures_read=False)

    def _with_row(self, role: Role, *, keep_epoch: bool, closures_read: bool) -> Catalog:
        """A new catalog with ``role`` in place of the row of its oid (the name index is the
        caller's); ``keep_epoch`` when only the password or VALID UNTIL differ;
        ``closures_read`` when a field a membership closure reads differs (the memo's
        closures through the role are then stale)."""
        new = self._copy()
        new._roles = self._roles.set(role.oid, role)
        if keep_epoch:
            new.checks_epoch = self.checks_epoch
        new.membership_memo = self._carried((role.oid,) if closures_read else ())
        return new

    def drop_roles(self, oids: Iterable[int]) -> Catalog:
        """Remove the roles and the ``pg_auth_members`` rows naming them as role or member
        (user.c ``DropRole``). A row they are only the grantor of stays, its grantor dangling,
        as on PostgreSQL up to 15 (16 refuses to drop a grantor while such a row remains:
        ``checkSharedDependencies``, before this is reached)."""
        gone = frozenset(oids)
        new = self._copy()
        undo = self._undo
        if undo is not None and undo[1] is None and len(gone) == 1 and undo[0] in gone:
            # the role the last change added, with the grants of it made since: the maps back
            new._undone(undo)
        else:
            affected = {
                g for oid in gone for g in (*self.grants_of_member(oid), *self.grants_of_role(oid))
            }
            for oid in gone:
                role = self._roles.get(oid)
                if role is None:
                    continue
                new._roles = new._roles.delete(oid)
                new._by_name = new._by_name.delete(role.name)
            for grant in affected:
                new._drop(grant)
            for oid in gone:
                new._by_member = new._by_member.delete(oid)
                new._by_role = new._by_role.delete(oid)
                new._admins = new._admins.delete(oid)
            new.membership_memo = self._carried(gone | {g.member for g in affected})
        if any(s.role in gone for s in self.settings):  # else the same tuple (replay.py)
            new.settings = tuple(s for s in self.settings if s.role not in gone)
        return new

    def _maps(self) -> tuple[Any, ...]:
        """What an undo puts back (:meth:`_undone`, in the same order): the role, name,
        by-member and by-role maps, the ADMIN OPTION index and the membership memo."""
        return (
            self._roles,
            self._by_name,
            self._by_member,
            self._by_role,
            self._admins,
            self.membership_memo,
        )

    def _undone(self, undo: _Undo) -> None:
        """Put the maps and membership memo of ``undo`` back in this fresh catalog."""
        (
            self._roles,
            self._by_name,
            self._by_member,
            self._by_role,
            self._admins,
            self.membership_memo,
        ) = undo[2:]

    def without_role(self, role: Role) -> Catalog:
        """:meth:`drop_roles` of ``role`` (the current row), a role that no role setting or
        table names and no grant names but as the granted role of grants made since the last
        change added it (:meth:`graph_before_adding`)."""
        new = self._copy()
        undo = self._undo
        if undo is not None and undo[0] == role.oid and undo[1] is None:
            new._undone(undo)
        else:
            new._roles = self._roles.delete(role.oid)
            new._by_name = self._by_name.delete(role.name)
            new.membership_memo = self._carried((role.oid,))
        return new

    def graph_before_adding(self, oid: int) -> object | None:
        """:attr:`membership_graph` as it was before the last change added role ``oid`` (the
        only grants made since are grants of that role), or None if it did not."""
        undo = self._undo
        return undo[4] if undo is not None and undo[1] is None and undo[0] == oid else None

    def put_grant(self, grant: Grant) -> Catalog:
        """Insert or replace the (role, member, grantor) row."""
        new = self._copy()
        new._put(grant)
        new.membership_memo = self._carried((grant.member,))
        undo = self._undo
        if undo is not None and undo[1] is None and grant.role == undo[0]:
            new._undo = undo  # a grant of the role just added: dropping it undoes both
        return new

    def remove_grant(self, grant: Grant) -> Catalog:
        if self.find_grant(grant.role, grant.member, grant.grantor) is None:
            return self
        new = self._copy()
        new._drop(grant)
        new.membership_memo = self._carried((grant.member,))
        return new

    def set_setting(self, role: int, database: str | None, name: str, value: str | None) -> Catalog:
        """Set (or with ``value`` None, remove) one role setting."""
        kept = tuple(
            s
            for s in self.settings
            if not (s.role == role and s.database == database and s.name == name)
        )
        if value is not None:
            kept = (*kept, RoleSetting(role, database, name, value))
        new = self._copy()
        new.settings = kept
        return new

    def reset_settings(self, role: int, database: str | None) -> Catalog:
        new = self._copy()
        new.settings = tuple(
            s for s in self.settings if not (s.role == role and s.database == database)
        )
        return new

    def put_table(self, table: Table) -> Catalog:
        return self.with_tables({**self.tables, table.name: table})

    def with_tables(self, tables: Mapping[str, Table]) -> Catalog:
        new = self._copy()
        new.tables = MappingProxyType(dict(tables))
        return new

    def with_extensions(self, extensions: frozenset[str]) -> Catalog:
        new = self._copy()
        new.extensions = extensions
        return new

    # -- what changed (concurrent commits) ---------------------------------------------------

    def changed_rows(self, other: Catalog) -> set[tuple[object, ...]]:
        """The rows (role by oid, role name, grant, role setting, table, extension, database)
        that differ between this catalog and a later ``other``: what a transaction that went
        from one to the other wrote, as PostgreSQL's row locks would see it."""
        # Oids of roles created since this catalog are private to each transaction (on
        # PostgreSQL two of them would differ): new roles count by name, and only rows of
        # roles that exist here count by oid.
        before = self._roles
        rows: set[tuple[object, ...]] = set()
        rows.update(("role", k) for k in _changed_keys(before, other._roles) if k in before)
        rows.update(("name", k) for k in _changed_keys(self._by_name, other._by_name))
        rows.update(
            ("grant", k)
            for k in _changed_grants(self._by_member, other._by_member)
            if k[0] in before and k[1] in before
        )
        if self.settings != other.settings:
            mine, theirs = set(self.settings), set(other.settings)
            rows.update(("setting", r.role, r.database, r.name) for r in mine ^ theirs)
        if self.tables != other.tables:
            names = set(self.tables) | set(other.tables)
            rows.update(("table", n) for n in names if self.tables.get(n) != other.tables.get(n))
        rows.update(("extension", e) for e in self.extensions ^ other.extensions)
        rows.update(("database", d) for d in self.databases ^ other.databases)
        return rows

    def written_rows(self, other: Catalog, known: Mapping[int, Role]) -> dict[RowKey, str]:
        """The rows a change from this catalog to ``other`` writes, as PostgreSQL's tuple
        locks and unique indexes see them, each with ``insert``, ``update`` or ``delete``:

        * ``("role", oid)``: the ``pg_authid`` tuple of a role in ``known``, updated or deleted;
        * ``("name", name)``: a name entering ``pg_authid_rolname_index`` (CREATE, RENAME);
        * ``("grant", role, member)``: a ``pg_auth_members`` row (``pg_auth_members_role_member_index``);
        * ``("setting", role, database)``: a ``pg_db_role_setting`` row (one per role and
          database, holding every setting: ``pg_db_role_setting_databaseid_rol_index``).

        Roles not in ``known`` (created by the same transaction) are private to it: their
        oids may be drawn again by another transaction, so their rows count only by name.
        """
        rows: dict[RowKey, str] = {}
        before, after = self._roles, other._roles
        for oid in _changed_keys(before, after):
            if oid in known:
                rows["role", oid] = "update" if oid in after else "delete"
        names = self._by_name
        for name in _changed_keys(names, other._by_name):
            if name not in names:
                rows["name", name] = "insert"
        for key in _changed_grants(self._by_member, other._by_member):
            role, member, grantor = key
            if role in known and member in known:
                kind = (
                    "insert"
                    if self.find_grant(role, member, grantor) is None
                    else "update"
                    if other.find_grant(role, member, grantor) is not None
                    else "delete"
                )
                rows.setdefault(("grant", role, member), kind)
        if self.settings != other.settings:
            mine = {(s.role, s.database) for s in self.settings}
            new = {(s.role, s.database) for s in other.settings}
            for pair in {(s.role, s.database) for s in set(self.settings) ^ set(other.settings)}:
                if pair[0] == 0 or pair[0] in known:
                    kind = "insert" if pair not in mine else "update" if pair in new else "delete"
                    rows["setting", *pair] = kind
        return rows

    # -- comparing (snapshots) -------------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (
            dict(self._roles.items()),
            {(g.role, g.member, g.grantor): g for g in self._all_grants()},
            self.next_oid,
            self.salts_drawn,
            self.settings,
            dict(self.tables),
            self.databases,
            self.extensions,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalog):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        count = sum(len(rows) for rows in self._by_member.values())
        return f"<Catalog {len(self._roles)} roles, {count} grants>"


def _changed_keys(a: LayeredMap[Any, Any], b: LayeredMap[Any, Any]) -> set[Any]:
    """Keys whose values differ between two maps (cheap when they share a base layer)."""
    if a._base is b._base:
        candidates: Iterable[Any] = set(a._top) | set(b._top)
    else:
        candidates = set(a) | set(b)
    missing = object()
    out = set()
    for key in candidates:
        x, y = a.get(key, missing), b.get(key, missing)
        if x is not y and x != y:
            out.add(key)
    return out


def _changed_grants(
    a: LayeredMap[int, LayeredMap[Any, Grant]], b: LayeredMap[int, LayeredMap[Any, Grant]]
) -> set[tuple[int, int, int]]:
    """The (role, member, grantor) keys of the grants that differ between two ``_by_member``
    indexes."""
    out: set[tuple[int, int, int]] = set()
    for member in _changed_keys(a, b):
        for role, grantor in _changed_keys(a.get(member, _EMPTY), b.get(member, _EMPTY)):
            out.add((role, member, grantor))
    return out


def _position(row: tuple[int, Grant]) -> int:
    return row[0]
