"""The role catalog of one database server: ``pg_authid`` and ``pg_auth_members`` as values.

A :class:`Catalog` is immutable: every change returns a new catalog, so a transaction works on
its own copy and either replaces the server's catalog at COMMIT or is dropped at ROLLBACK, and
a failed statement leaves nothing behind. Roles are keyed by oid (a rename keeps the oid), as
in PostgreSQL; grants are keyed by (role, member, grantor), as in PostgreSQL 16.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

import attrs

from aurora_sec.engine.passwords import StoredPassword

__all__ = ["Catalog", "Grant", "Role", "RoleSetting", "Table"]


@attrs.frozen
class Role:
    """A row of ``pg_authid``."""

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
    password: StoredPassword | None = attrs.field(default=None, repr=False)
    #: ``VALID UNTIL`` as PostgreSQL prints it (``infinity`` or a timestamp), or None.
    valid_until: str | None = None

    @property
    def predefined(self) -> bool:
        """A predefined ``pg_*`` role (``IsReservedName`` is a byte prefix test)."""
        return self.name.startswith("pg_")


@attrs.frozen
class Grant:
    """A row of ``pg_auth_members``: ``member`` is a member of ``role``."""

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


def _frozen(value: Mapping[int, Role]) -> Mapping[int, Role]:
    return MappingProxyType(dict(value))


def _frozen_tables(value: Mapping[str, Table]) -> Mapping[str, Table]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Catalog:
    """All roles and memberships of a server."""

    roles: Mapping[int, Role] = attrs.field(converter=_frozen)
    grants: tuple[Grant, ...] = ()
    next_oid: int = 16384
    #: The bootstrap superuser (``rdsadmin`` on Aurora): the oid PostgreSQL calls BOOTSTRAP_SUPERUSERID.
    bootstrap_oid: int = 10
    settings: tuple[RoleSetting, ...] = ()
    tables: Mapping[str, Table] = attrs.field(factory=dict, converter=_frozen_tables)
    databases: frozenset[str] = frozenset({"postgres", "rdsadmin", "template0", "template1"})
    extensions: frozenset[str] = frozenset({"plpgsql"})
    _by_name: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_by_name", MappingProxyType({r.name: oid for oid, r in self.roles.items()})
        )

    # -- reading --------------------------------------------------------------------------

    def get(self, name: str) -> Role | None:
        oid = self._by_name.get(name)
        return None if oid is None else self.roles[oid]

    def role(self, oid: int) -> Role:
        return self.roles[oid]

    def names(self) -> Iterator[str]:
        return iter(self._by_name)

    def grants_of_member(self, member: int) -> Iterator[Grant]:
        return (g for g in self.grants if g.member == member)

    def grants_of_role(self, role: int) -> Iterator[Grant]:
        return (g for g in self.grants if g.role == role)

    def find_grant(self, role: int, member: int, grantor: int) -> Grant | None:
        for g in self.grants:
            if g.role == role and g.member == member and g.grantor == grantor:
                return g
        return None

    # -- changing (each returns a new catalog) -------------------------------------------

    def add_role(self, role_without_oid: Role) -> tuple[Catalog, Role]:
        role = attrs.evolve(role_without_oid, oid=self.next_oid)
        roles = dict(self.roles)
        roles[role.oid] = role
        return attrs.evolve(self, roles=roles, next_oid=self.next_oid + 1), role

    def replace_role(self, role: Role) -> Catalog:
        roles = dict(self.roles)
        roles[role.oid] = role
        return attrs.evolve(self, roles=roles)

    def drop_roles(self, oids: Iterable[int]) -> Catalog:
        gone = frozenset(oids)
        roles = {oid: r for oid, r in self.roles.items() if oid not in gone}
        grants = tuple(
            g
            for g in self.grants
            if g.role not in gone and g.member not in gone and g.grantor not in gone
        )
        settings = tuple(s for s in self.settings if s.role not in gone)
        return attrs.evolve(self, roles=roles, grants=grants, settings=settings)

    def set_setting(self, role: int, database: str | None, name: str, value: str | None) -> Catalog:
        """Set (or with ``value`` None, remove) one role setting."""
        kept = tuple(
            s
            for s in self.settings
            if not (s.role == role and s.database == database and s.name == name)
        )
        if value is not None:
            kept = (*kept, RoleSetting(role, database, name, value))
        return attrs.evolve(self, settings=kept)

    def reset_settings(self, role: int, database: str | None) -> Catalog:
        kept = tuple(s for s in self.settings if not (s.role == role and s.database == database))
        return attrs.evolve(self, settings=kept)

    def put_table(self, table: Table) -> Catalog:
        tables = dict(self.tables)
        tables[table.name] = table
        return attrs.evolve(self, tables=tables)

    def put_grant(self, grant: Grant) -> Catalog:
        """Insert or replace the (role, member, grantor) row."""
        key = (grant.role, grant.member, grant.grantor)
        kept = tuple(g for g in self.grants if (g.role, g.member, g.grantor) != key)
        return attrs.evolve(self, grants=(*kept, grant))

    def remove_grant(self, grant: Grant) -> Catalog:
        key = (grant.role, grant.member, grant.grantor)
        return attrs.evolve(
            self, grants=tuple(g for g in self.grants if (g.role, g.member, g.grantor) != key)
        )
