"""CREATE ROLE, ALTER ROLE, ALTER ROLE ... RENAME, DROP ROLE (user.c), in both regimes.

Each handler runs the server's checks in the server's order (postgres-truth.md 1.1-1.5, 1.7,
1.8, 2) and either raises before changing anything or replaces ``ctx.catalog``. The version
forks are the CREATEROLE regime (``createrole.regime``: 11-15 "legacy", 16+ "admin-option");
the texts come from :mod:`aurora_sec.engine.messages`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from aurora_sec.engine.catalog import Grant, Role
from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.engine.ddl.memberships import (
    add_members,
    check_membership_authorization,
    del_members,
)
from aurora_sec.engine.ddl.password_clause import encrypt_password, parse_valid_until
from aurora_sec.sql.statements import (
    AlterRole,
    CreateRole,
    DropRole,
    RenameRole,
    RoleRef,
    RoleRefKind,
)
from aurora_sec.versions import behaviour

__all__ = ["alter_role", "create_role", "drop_role", "rename_role"]

_ALTER_ATTRIBUTE_OPTIONS_15 = (
    "inherit",
    "createrole",
    "createdb",
    "canlogin",
    "connectionlimit",
    "rolemembers",
    "validUntil",
)
_ALTER_ATTRIBUTE_OPTIONS_16 = (
    "inherit",
    "createrole",
    "createdb",
    "canlogin",
    "connectionlimit",
    "validUntil",
    "isreplication",
    "bypassrls",
)


_LEGACY: dict[int, bool] = {}


#: The option (``defname``) that sets each attribute column of ``pg_authid`` (a Role field).
_ROLE_FIELD_OF = {
    "superuser": "superuser",
    "inherit": "inherit",
    "createrole": "createrole",
    "createdb": "createdb",
    "canlogin": "login",
    "isreplication": "replication",
    "bypassrls": "bypassrls",
    "connectionlimit": "connection_limit",
}


def _legacy(ctx: ExecContext) -> bool:
    """The 11-15 CREATEROLE regime (rule ``createrole.regime``), memoised per major."""
    legacy = _LEGACY.get(ctx.major)
    if legacy is None:
        legacy = _LEGACY[ctx.major] = behaviour("createrole.regime", ctx.major) == "legacy"
    return legacy


def _creator_grants(ctx: ExecContext, oid: int) -> tuple[Grant, ...]:
    """16+: the rows a CREATEROLE creator gets on the role ``oid`` it creates: ADMIN OPTION
    (granted by the bootstrap superuser), then what ``createrole_self_grant`` asks for
    (granted by the creator itself)."""
    me = ctx.current_user
    admin = Grant(oid, me, ctx.catalog.bootstrap_oid, admin=True, inherit=False, set=False)
    self_grant = _self_grant(ctx.gucs.get("createrole_self_grant", ""))
    if not self_grant:
        return (admin,)
    inherit, set_option = "inherit" in self_grant, "set" in self_grant
    return (admin, Grant(oid, me, me, admin=False, inherit=inherit, set=set_option))


@functools.lru_cache(maxsize=64)
def _self_grant(value: str) -> frozenset[str]:
    """The options a ``createrole_self_grant`` value names (the GUC's check hook has
    validated the list when it was set)."""
    return frozenset(w.strip().lower() for w in value.split(",") if w.strip())


def _reserved(name: str) -> bool:
    return name.startswith("pg_")


# ------------------------------------------------------------------------ CREATE ROLE ---


def create_role(ctx: ExecContext, stmt: CreateRole) -> str:
    opts = stmt.options
    issuper, isrepl, bypass = bool(opts.superuser), bool(opts.replication), bool(opts.bypassrls)
    me = ctx.me
    if _legacy(ctx):
        if issuper:
            if not ctx.superuser:
                raise ctx.fail("create.superuser")
        elif isrepl:
            if not ctx.superuser:
                raise ctx.fail("create.replication")
        elif bypass:
            if not ctx.superuser:
                raise ctx.fail("create.bypassrls")
        elif not ctx.createrole:
            raise ctx.fail("create.denied")
    elif not ctx.superuser:
        if not me.createrole:
            raise ctx.fail("create.denied")
        if issuper:
            raise ctx.fail("create.superuser")
        if opts.createdb and not me.createdb:
            raise ctx.fail("create.createdb")
        if isrepl and not me.replication:
            raise ctx.fail("create.replication")
        if bypass and not me.bypassrls:
            raise ctx.fail("create.bypassrls")
    if _reserved(stmt.name):
        raise ctx.fail("role.reserved", name=stmt.name)
    if ctx.catalog.get(stmt.name) is not None:
        raise ctx.fail("role.exists", name=stmt.name)
    valid_until = parse_valid_until(ctx, opts.valid_until) if opts.valid_until is not None else None
    password = (
        encrypt_password(ctx, stmt.name, opts.password) if opts.password is not None else None
    )
    oid = ctx.catalog.next_oid
    # user.c CreateRole, after inserting the row: IN ROLE (each target looked up, and from 16
    # checked, in turn; the new role itself can be named), then 16's grants to the creator,
    # then the ROLE and ADMIN members
    legacy = _legacy(ctx)
    creator_grants = () if legacy or ctx.superuser else _creator_grants(ctx, oid)
    catalog, new = ctx.catalog.add_role(
        Role(
            oid=oid,
            name=stmt.name,
            superuser=issuper,
            inherit=opts.inherit if opts.inherit is not None else True,
            createrole=bool(opts.createrole),
            createdb=bool(opts.createdb),
            login=opts.login if opts.login is not None else stmt.login_default,
            replication=isrepl,
            bypassrls=bypass,
            connection_limit=opts.connection_limit if opts.connection_limit is not None else -1,
            password=password,
            valid_until=valid_until,
        ),
        () if opts.in_role else creator_grants,  # nothing comes between: one change
    )
    ctx.catalog = catalog
    if opts.in_role:
        for ref in opts.in_role:
            target = ctx.resolve(ref)
            if not legacy:
                check_membership_authorization(ctx, target, is_grant=True)
            add_members(ctx, target, [ctx.catalog.role(new.oid)], checked=not legacy)
        for grant in creator_grants:
            ctx.catalog = ctx.catalog.put_grant(grant)
    if opts.role or opts.admin:
        # the ADMIN members, then the ROLE members (16 turned the order round)
        admin_first = behaviour("create_role.members_order", ctx.major) == "admin-first"
        for admin in (True, False) if admin_first else (False, True):
            refs = opts.admin if admin else opts.role
            if refs:
                members = [ctx.resolve(ref) for ref in refs]
                add_members(ctx, ctx.catalog.role(new.oid), members, admin=admin or None)
    return stmt.tag


# ------------------------------------------------------------------------- ALTER ROLE ---


def alter_role(ctx: ExecContext, stmt: AlterRole) -> str:
    opts = stmt.options
    target = ctx.resolve(stmt.target)
    given = opts.given
    if _legacy(ctx):
        if target.superuser or given("superuser"):
            if not ctx.superuser:
                raise ctx.fail("alter.superuser")
        elif target.replication or given("isreplication"):
            if not ctx.superuser:
                raise ctx.fail("alter.replication")
        elif given("bypassrls"):
            if not ctx.superuser:
                raise ctx.fail("alter.bypassrls")
        elif not ctx.createrole and (
            any(given(o) for o in _ALTER_ATTRIBUTE_OPTIONS_15)
            or opts.password is None
            or target.oid != ctx.current_user
        ):
            raise ctx.fail("alter.denied", name=target.name)
    else:
        if not ctx.superuser and target.superuser:
            raise ctx.fail("alter.superuser")
        if not ctx.superuser and given("superuser"):
            raise ctx.fail("alter.change_superuser")
        if not ctx.createrole or not ctx.is_admin(target.oid):
            if any(given(o) for o in _ALTER_ATTRIBUTE_OPTIONS_16):
                raise ctx.fail("alter.denied", name=target.name)
            if opts.password is not None and target.oid != ctx.current_user:
                raise ctx.fail("alter.password_other")
        elif not ctx.superuser:
            me = ctx.me
            for option, attr, has in (
                ("createdb", "CREATEDB", me.createdb),
                ("isreplication", "REPLICATION", me.replication),
                ("bypassrls", "BYPASSRLS", me.bypassrls),
            ):
                if given(option) and not has:
                    raise ctx.fail("alter.attribute", attr=attr)
        if opts.role and not ctx.is_admin(target.oid):
            raise ctx.fail("alter.members", name=target.name)
        if target.oid == ctx.catalog.bootstrap_oid and opts.superuser is False:
            raise ctx.fail("alter.bootstrap")
    changes: dict[str, object] = {}
    if opts.valid_until is not None:
        changes["valid_until"] = parse_valid_until(ctx, opts.valid_until)
    if opts.password is not None:
        changes["password"] = encrypt_password(ctx, target.name, opts.password)
    for item in opts.items:
        field = _ROLE_FIELD_OF.get(item.name)
        if field is not None and field not in changes:  # the first occurrence counts
            changes[field] = item.value
    if changes:
        ctx.catalog = ctx.catalog.replace_role(target.replaced(**changes))
    if opts.role:
        members = [ctx.resolve(ref) for ref in opts.role]
        role = ctx.catalog.role(target.oid)
        if stmt.member_action == "add":
            add_members(ctx, role, members)
        else:
            del_members(ctx, role, members)
    return stmt.tag


# ------------------------------------------------------------------------------ RENAME ---


def rename_role(ctx: ExecContext, stmt: RenameRole) -> str:
    old = ctx.lookup(stmt.old)
    if old.oid == ctx.session_user:
        raise ctx.fail("rename.session_user")
    if old.oid == ctx.current_user:
        raise ctx.fail("rename.current_user")
    if _reserved(old.name):
        raise ctx.fail("role.reserved", name=old.name)
    if _reserved(stmt.new):
        raise ctx.fail("role.reserved", name=stmt.new)
    if ctx.catalog.get(stmt.new) is not None:
        raise ctx.fail("role.exists", name=stmt.new)
    if old.superuser:
        if not ctx.superuser:
            raise ctx.fail("rename.superuser")
    elif not ctx.createrole or (not _legacy(ctx) and not ctx.is_admin(old.oid)):
        raise ctx.fail("rename.denied", name=old.name)
    if old.password is not None and old.password.kind == "md5":
        renamed = old.replaced(name=stmt.new, password=None)
        ctx.notify("rename.md5_cleared")
    else:
        renamed = old.replaced(name=stmt.new)
    ctx.catalog = ctx.catalog.replace_role(renamed)
    return stmt.tag


# -------------------------------------------------------------------------------- DROP ---


def _dependencies(ctx: ExecContext, role: Role, dropping: Iterable[int]) -> list[str]:
    """The DETAIL lines of ``checkSharedDependencies`` for a role about to be dropped."""
    lines: list[str] = []
    for table in sorted(ctx.catalog.tables.values(), key=lambda t: t.name):
        if table.owner == role.oid:
            lines.append(f"owner of table {table.name}")
    for table in sorted(ctx.catalog.tables.values(), key=lambda t: t.name):
        if any(grantee == role.oid for grantee, _ in table.acl):
            lines.append(f"privileges for table {table.name}")
    if ctx.major >= 16:
        gone = set(dropping)
        for grant in ctx.catalog.grants_by_grantor(role.oid):
            if grant.role not in gone and grant.member not in gone:
                member = ctx.catalog.role(grant.member).name
                granted = ctx.catalog.role(grant.role).name
                lines.append(f"privileges for membership of role {member} in role {granted}")
    return lines


def drop_role(ctx: ExecContext, stmt: DropRole) -> str:
    """user.c ``DropRole``. Up to 15 each name is looked up, checked and dropped before the
    next (a name given twice is then missing); from 16 every name is looked up and checked
    first, and the dependencies and drops follow (rule ``drop_role.names``)."""
    if not ctx.createrole:
        raise ctx.fail("drop.denied")
    if behaviour("drop_role.names", ctx.major) == "one-by-one":
        for ref in stmt.names:
            _drop_roles(ctx, (ref,), missing_ok=stmt.missing_ok)
    else:
        _drop_roles(ctx, stmt.names, missing_ok=stmt.missing_ok)
    return stmt.tag


def _drop_roles(ctx: ExecContext, names: Sequence[RoleRef], *, missing_ok: bool) -> None:
    doomed: list[Role] = []
    for ref in names:
        if ref.kind is not RoleRefKind.NAME:
            raise ctx.fail("drop.special")
        assert ref.name is not None
        role = ctx.catalog.get(ref.name)
        if role is None:
            if missing_ok:
                ctx.notify("drop.skipping", name=ref.name)
                continue
            raise ctx.fail("role.missing", name=ref.name)
        if role.oid == ctx.current_user:
            raise ctx.fail("drop.current_user")
        if role.oid == ctx.session_user:
            raise ctx.fail("drop.session_user")
        if role.superuser and not ctx.superuser:
            raise ctx.fail("drop.superuser")
        if not _legacy(ctx) and not ctx.is_admin(role.oid):
            raise ctx.fail("drop.admin", name=role.name)
        doomed.append(role)
    oids = [r.oid for r in doomed]
    for role in doomed:
        if role.name.startswith("pg_"):
            raise ctx.fail("drop.system", name=role.name)
        lines = _dependencies(ctx, role, oids)
        if lines:
            raise ctx.fail("drop.dependents", name=role.name, detail="\n".join(lines))
    if oids:  # DROP ROLE IF EXISTS of nothing leaves the very same catalog
        ctx.catalog = ctx.catalog.drop_roles(oids)
