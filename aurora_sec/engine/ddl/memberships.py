"""GRANT / REVOKE of roles (user.c ``AddRoleMems`` / ``DelRoleMems``), in both regimes.

Up to 15 a membership is one row per (role, member), and CREATEROLE or ADMIN OPTION lets a
role grant any non-superuser role. From 16 rows are keyed by (role, member, grantor), only
ADMIN OPTION counts, a grantor is chosen (``check_role_grantor``) and the INHERIT and SET options
exist. The order of the checks and every text follow postgres-truth.md 1.6 and 1.7.
"""

from __future__ import annotations

from collections.abc import Sequence

from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Catalog, Grant, Role, new_row
from aurora_sec.engine.ddl.context import ExecContext

__all__ = ["add_members", "check_membership_authorization", "del_members", "grantor_for"]

PG_DATABASE_OWNER = "pg_database_owner"


def check_membership_authorization(
    ctx: ExecContext, role: Role, *, is_grant: bool, grantor: int | None = None
) -> None:
    """16+ ``check_role_membership_authorization``; up to 15 the AddRoleMems block, where
    ADMIN OPTION is looked for on the grantor (``GRANTED BY``, else the current user)."""
    if ctx.major >= 16:
        if role.superuser and not ctx.superuser:
            raise ctx.fail("grant.superuser" if is_grant else "revoke.superuser", name=role.name)
        if not ctx.is_admin(role.oid):
            raise ctx.fail("grant.admin" if is_grant else "revoke.admin", name=role.name)
        return
    if role.superuser:
        if not ctx.superuser:
            raise ctx.fail("grant.superuser" if is_grant else "revoke.superuser", name=role.name)
    elif not ctx.createrole and not membership.is_admin(
        ctx.catalog,
        ctx.major,
        ctx.current_user if grantor is None else grantor,
        role.oid,
        ctx.session_user,
    ):
        raise ctx.fail("grant.admin" if is_grant else "revoke.admin", name=role.name)


def _best_admin(ctx: ExecContext, member: int, role: int) -> int | None:
    """``select_best_admin``: the role, among those ``member`` has the privileges of, that holds
    ADMIN OPTION on ``role`` (``member`` itself first)."""
    if member == role:
        return None
    catalog = ctx.catalog
    holders = catalog.admin_holders(role)
    if member in holders:
        return member
    follow = membership.privs_follow(ctx.major)
    row = catalog.roles.get(member)
    bootstrap = catalog.bootstrap_oid
    for holder in sorted(holders) if len(holders) > 1 else holders:  # the least first
        # A member by a grant of the bootstrap superuser (the master user's membership in
        # rds_superuser) is found by one lookup; else walk down from the holder.
        direct = catalog.find_grant(holder, member, bootstrap)
        if direct is not None and row is not None and (follow is None or follow(row, direct)):
            return holder
        found = membership.reaches(catalog, member, (holder,), follow)
        if found is None:  # many members below it: walk up from member instead, once
            reachable = membership.closure(catalog, member, follow)
            return next((h for h in holders if h in reachable), None)
        if found:
            return holder
    return None


def grantor_for(
    ctx: ExecContext,
    role: Role,
    grantor: Role | None,
    *,
    is_grant: bool,
    best_admin: int | None = None,
) -> int:
    """16+ ``check_role_grantor``: who the grant is recorded as granted by (``best_admin``:
    the current user's choice, if already found)."""
    if grantor is None:
        if best_admin is not None:  # (found only for a current user that is no superuser)
            return best_admin
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
    # 16: the grantor select_best_admin picks for the current user also proves its ADMIN
    # OPTION (it has the privileges of a holder, so is a member of it): one search answers
    # both, and check_membership_authorization is left only its superuser test (the search
    # has no side effect, so finding it first changes no order of errors)
    best = (
        _best_admin(ctx, ctx.current_user, role.oid)
        if major >= 16 and grantor is None and not ctx.superuser
        else None
    )
    if not checked and (best is None or role.superuser):
        check_membership_authorization(
            ctx, role, is_grant=True, grantor=None if grantor is None else grantor.oid
        )
    if role.name == PG_DATABASE_OWNER and major >= 14:
        raise ctx.fail("grant.database_owner_members")
    if major >= 16:
        grantor_oid = grantor_for(ctx, role, grantor, is_grant=True, best_admin=best)
    else:
        if grantor is not None and grantor.oid != ctx.current_user and not ctx.superuser:
            raise ctx.fail("grant.set_grantor", name=grantor.name)
        grantor_oid = grantor.oid if grantor is not None else ctx.current_user
    catalog = ctx.catalog
    if major >= 16:
        # 16 checks every member first, then the ADMIN cycle, then writes the rows
        for member in members:
            _check_member(ctx, catalog, role, member)
        if admin and grantor_oid != catalog.bootstrap_oid:
            _check_admin_cycle(ctx, role, members, grantor_oid)
    for member in members:
        if major < 16:
            _check_member(ctx, catalog, role, member)
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
                new_row(Grant, (role.oid, member.oid, grantor_oid, new_admin, new_inherit, new_set))
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
        catalog = catalog.put_grant(
            new_row(Grant, (role.oid, member.oid, grantor_oid15, bool(admin), True, True))
        )
    ctx.catalog = catalog


def _check_member(ctx: ExecContext, catalog: Catalog, role: Role, member: Role) -> None:
    """AddRoleMems' checks of one member: pg_database_owner, and no membership loop."""
    if member.name == PG_DATABASE_OWNER and ctx.major >= 14:
        raise ctx.fail("grant.database_owner_member_of")
    if membership.is_member(catalog, role.oid, member.oid, superuser_counts=False):
        # "role <granted> is a member of role <member>": the grant would close a loop.
        raise ctx.fail("grant.loop", granted=role.name, member=member.name)


def _check_admin_cycle(
    ctx: ExecContext, role: Role, members: Sequence[Role], grantor_oid: int
) -> None:
    """16: ADMIN OPTION may not go back to one's own grantor. If every grant to the new
    members (and what depends on them) were revoked, the grantor must still hold ADMIN."""
    rows = _rows_of(ctx.catalog, role)
    actions: dict[int, str] = {}
    for member in members:
        if member.oid == ctx.catalog.bootstrap_oid:
            raise ctx.fail("grant.admin_loop")
        for index, row in enumerate(rows):
            if row.member == member.oid:
                _plan_recursive_revoke(ctx, rows, actions, index, admin_only=False, cascade=True)
    if not any(
        index not in actions and row.member == grantor_oid and row.admin
        for index, row in enumerate(rows)
    ):
        raise ctx.fail("grant.admin_loop")


def _rows_of(catalog: Catalog, role: Role) -> list[Grant]:
    """The pg_auth_members rows of ``role`` in the order of the (role, member, grantor)
    index, as ``SearchSysCacheList1(AUTHMEMROLEMEM, role)`` lists them."""
    return sorted(catalog.grants_of_role(role.oid), key=lambda g: (g.member, g.grantor))


#: What REVOKE does to a pg_auth_members row (user.c ``RevokeRoleGrantAction``); a row
#: without an entry is left alone.
_DELETE, _REMOVE_ADMIN, _REMOVE_INHERIT, _REMOVE_SET = "delete", "admin", "inherit", "set"


def _plan_recursive_revoke(
    ctx: ExecContext,
    rows: list[Grant],
    actions: dict[int, str],
    index: int,
    *,
    admin_only: bool,
    cascade: bool,
) -> None:
    """user.c ``plan_recursive_revoke``: revoke ``rows[index]`` (or its ADMIN OPTION), and
    with it the grants its member made with that ADMIN OPTION, if it was the member's last."""
    action = actions.get(index)
    if action == _DELETE or (action == _REMOVE_ADMIN and admin_only):
        return
    row = rows[index]
    if not admin_only:
        actions[index] = _DELETE
        if not row.admin:
            return
    else:
        if not row.admin:
            return
        actions[index] = _REMOVE_ADMIN
    for i, other in enumerate(rows):
        if other.member == row.member and other.admin and i not in actions:
            return  # the member still holds ADMIN OPTION through another grant
    for i, other in enumerate(rows):
        if other.grantor == row.member and actions.get(i) != _DELETE:
            if not cascade:
                err = ctx.fail("revoke.dependent")
                err.hint = "Use CASCADE to revoke them too."
                raise err
            _plan_recursive_revoke(ctx, rows, actions, i, admin_only=False, cascade=cascade)


def del_members(
    ctx: ExecContext,
    role: Role,
    members: Sequence[Role],
    *,
    option_for: str | None = None,
    grantor: Role | None = None,
    checked: bool = False,
    cascade: bool = False,
) -> None:
    """REVOKE role FROM members (or only one of its options, ``option_for``); from 16 the
    grants made with a revoked ADMIN OPTION go too with CASCADE, else 2BP01."""
    if not members:
        return
    major = ctx.major
    if not checked:
        check_membership_authorization(ctx, role, is_grant=False)
    catalog = ctx.catalog
    if major >= 16:
        # DelRoleMems: plan what happens to each row of the role (plan_single_revoke, which
        # follows the grants made with an ADMIN OPTION being revoked), then do it
        grantor_oid = grantor_for(ctx, role, grantor, is_grant=False)
        grantor_name = catalog.role(grantor_oid).name
        found = [catalog.find_grant(role.oid, m.oid, grantor_oid) for m in members]
        if option_for is None and not any(g is not None and g.admin for g in found):
            # the common REVOKE: no row revoked carries ADMIN OPTION, so no other grant can
            # depend on it and planning over all the role's rows would only find the deletes
            for member, row in zip(members, found, strict=True):
                if row is None:
                    ctx.notify(
                        "revoke.not_member",
                        member=member.name,
                        role=role.name,
                        grantor=grantor_name,
                    )
                else:
                    catalog = catalog.remove_grant(row)
            ctx.catalog = catalog
            return
        rows = _rows_of(catalog, role)
        actions: dict[int, str] = {}
        for member in members:
            for index, row in enumerate(rows):
                if row.member == member.oid and row.grantor == grantor_oid:
                    if option_for == "inherit":
                        actions[index] = _REMOVE_INHERIT
                    elif option_for == "set":
                        actions[index] = _REMOVE_SET
                    else:
                        _plan_recursive_revoke(
                            ctx,
                            rows,
                            actions,
                            index,
                            admin_only=option_for == "admin",
                            cascade=cascade,
                        )
                    break
            else:
                ctx.notify(
                    "revoke.not_member", member=member.name, role=role.name, grantor=grantor_name
                )
        for index, row in enumerate(rows):
            action = actions.get(index)
            if action == _DELETE:
                catalog = catalog.remove_grant(row)
            elif action is not None:
                catalog = catalog.put_grant(_with(row, **{action: False}))
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
