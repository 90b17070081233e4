"""GRANT / REVOKE of roles (user.c ``AddRoleMems`` / ``DelRoleMems``), in both regimes.

Up to 15 a membership is one row per (role, member), and CREATEROLE or ADMIN OPTION lets a
role grant any non-superuser role. From 16 rows are keyed by (role, member, grantor), only
ADMIN OPTION counts, a grantor is chosen (``check_role_grantor``) and the INHERIT and SET options
exist. The order of the checks and every text follow postgres-truth.md 1.6 and 1.7.
"""

from __future__ import annotations

from collections.abc import Sequence

from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Grant, Role
from aurora_sec.engine.ddl.context import ExecContext

__all__ = ["add_members", "check_membership_authorization", "del_members", "grantor_for"]

PG_DATABASE_OWNER = "pg_database_owner"


def check_membership_authorization(ctx: ExecContext, role: Role, *, is_grant: bool) -> None:
    """16+ ``check_role_membership_authorization``; up to 15 the AddRoleMems block."""
    if ctx.major >= 16:
        if role.superuser and not ctx.superuser:
            raise ctx.fail("grant.superuser" if is_grant else "revoke.superuser", name=role.name)
        if not ctx.is_admin(role.oid):
            raise ctx.fail("grant.admin" if is_grant else "revoke.admin", name=role.name)
        return
    if role.superuser:
        if not ctx.superuser:
            raise ctx.fail("grant.superuser" if is_grant else "revoke.superuser", name=role.name)
    elif not ctx.createrole and not ctx.is_admin(role.oid):
        raise ctx.fail("grant.admin" if is_grant else "revoke.admin", name=role.name)


def _best_admin(ctx: ExecContext, member: int, role: int) -> int | None:
    """``select_best_admin``: the role, among those ``member`` has the privileges of, that holds
    ADMIN OPTION on ``role`` (``member`` itself first)."""
    if member == role:
        return None
    reachable = membership.closure(
        ctx.catalog,
        member,
        (lambda _r, g: g.inherit) if ctx.major >= 16 else (lambda r, _g: r.inherit),
    )
    holders = [
        g.member for g in ctx.catalog.grants_of_role(role) if g.admin and g.member in reachable
    ]
    if not holders:
        return None
    return member if member in holders else min(holders)


def grantor_for(ctx: ExecContext, role: Role, grantor: Role | None, *, is_grant: bool) -> int:
    """16+ ``check_role_grantor``: who the grant is recorded as granted by."""
    if grantor is None:
        if ctx.superuser:
            return ctx.catalog.bootstrap_oid
        best = _best_admin(ctx, ctx.current_user, role.oid)
        if best is None:
            raise ctx.fail("grant.admin" if is_grant else "revoke.admin", name=role.name)
        return best
    if not ctx.has_privs(grantor.oid):
        raise ctx.fail("grant.set_grantor" if is_grant else "revoke.grantor", name=grantor.name)
    if not is_grant or grantor.oid == ctx.catalog.bootstrap_oid:
        return grantor.oid
    # select_best_admin ignores superuser: only the bootstrap superuser is exempt
    if _best_admin(ctx, grantor.oid, role.oid) == grantor.oid:
        return grantor.oid
    raise ctx.fail("grant.grantor_admin", name=grantor.name, role=role.name)


def add_members(
    ctx: ExecContext,
    role: Role,
    members: Sequence[Role],
    *,
    admin: bool | None = None,
    inherit: bool | None = None,
    set_option: bool | None = None,
    grantor: Role | None = None,
    checked: bool = False,
) -> None:
    """Make each of ``members`` a member of ``role`` (GRANT role TO members)."""
    if not members:
        return
    major = ctx.major
    if not checked:
        check_membership_authorization(ctx, role, is_grant=True)
    if role.name == PG_DATABASE_OWNER and major >= 14:
        raise ctx.fail("grant.database_owner_members")
    if major >= 16:
        grantor_oid = grantor_for(ctx, role, grantor, is_grant=True)
    else:
        if grantor is not None and grantor.oid != ctx.current_user and not ctx.superuser:
            raise ctx.fail("grant.set_grantor", name=grantor.name)
        grantor_oid = grantor.oid if grantor is not None else ctx.current_user
    catalog = ctx.catalog
    for member in members:
        if member.name == PG_DATABASE_OWNER and major >= 14:
            raise ctx.fail("grant.database_owner_member_of")
        if membership.is_member(catalog, role.oid, member.oid, superuser_counts=False):
            # "role <granted> is a member of role <member>": the grant would close a loop.
            raise ctx.fail("grant.loop", granted=role.name, member=member.name)
        if major >= 16:
            existing = catalog.find_grant(role.oid, member.oid, grantor_oid)
            new_admin = existing.admin if existing is not None and admin is None else bool(admin)
            new_inherit = (
                inherit
                if inherit is not None
                else (existing.inherit if existing is not None else member.inherit)
            )
            new_set = (
                set_option
                if set_option is not None
                else (existing.set if existing is not None else True)
            )
            if existing is not None and (existing.admin, existing.inherit, existing.set) == (
                new_admin,
                new_inherit,
                new_set,
            ):
                grantor_name = catalog.role(grantor_oid).name
                ctx.notify(
                    "grant.already", member=member.name, role=role.name, grantor=grantor_name
                )
                continue
            catalog = catalog.put_grant(
                Grant(
                    role.oid,
                    member.oid,
                    grantor_oid,
                    admin=new_admin,
                    inherit=new_inherit,
                    set=new_set,
                )
            )
            continue
        existing15 = catalog.first_grant_between(role.oid, member.oid)
        if existing15 is not None and (not admin or existing15.admin):
            ctx.notify("grant.already", member=member.name, role=role.name)
            continue
        if existing15 is not None:
            catalog = catalog.remove_grant(existing15)
            grantor_oid15 = existing15.grantor
        else:
            grantor_oid15 = grantor_oid
        catalog = catalog.put_grant(Grant(role.oid, member.oid, grantor_oid15, bool(admin)))
    ctx.catalog = catalog


def del_members(
    ctx: ExecContext,
    role: Role,
    members: Sequence[Role],
    *,
    option_for: str | None = None,
    grantor: Role | None = None,
    checked: bool = False,
) -> None:
    """REVOKE role FROM members (or only one of its options, ``option_for``)."""
    if not members:
        return
    major = ctx.major
    if not checked:
        check_membership_authorization(ctx, role, is_grant=False)
    catalog = ctx.catalog
    if major >= 16:
        grantor_oid = grantor_for(ctx, role, grantor, is_grant=False)
        grantor_name = catalog.role(grantor_oid).name
        for member in members:
            existing = catalog.find_grant(role.oid, member.oid, grantor_oid)
            if existing is None:
                ctx.notify(
                    "revoke.not_member", member=member.name, role=role.name, grantor=grantor_name
                )
                continue
            if option_for == "admin":
                catalog = catalog.put_grant(_with(existing, admin=False))
            elif option_for == "inherit":
                catalog = catalog.put_grant(_with(existing, inherit=False))
            elif option_for == "set":
                catalog = catalog.put_grant(_with(existing, set=False))
            else:
                catalog = catalog.remove_grant(existing)
        ctx.catalog = catalog
        return
    for member in members:
        existing15 = catalog.first_grant_between(role.oid, member.oid)
        if existing15 is None:
            ctx.notify("revoke.not_member", member=member.name, role=role.name)
            continue
        if option_for == "admin":
            catalog = catalog.put_grant(_with(existing15, admin=False))
        else:
            catalog = catalog.remove_grant(existing15)
    ctx.catalog = catalog


def _with(grant: Grant, **changes: bool) -> Grant:
    return Grant(
        grant.role,
        grant.member,
        grant.grantor,
        admin=changes.get("admin", grant.admin),
        inherit=changes.get("inherit", grant.inherit),
        set=changes.get("set", grant.set),
    )
