"""ALTER ROLE name|ALL [IN DATABASE d] SET|RESET ... (user.c ``AlterRoleSet``)."""

from __future__ import annotations

from aurora_sec.engine import gucs
from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.errors import PostgresError
from aurora_sec.sql.statements import AlterRoleSet
from aurora_sec.versions import behaviour

__all__ = ["alter_role_set"]


def alter_role_set(ctx: ExecContext, stmt: AlterRoleSet) -> str:
    role_oid = 0
    if stmt.target is not None:
        role = ctx.resolve(stmt.target)
        role_oid = role.oid
        if role.superuser:
            if not ctx.superuser:
                raise ctx.fail("set.superuser")
        elif behaviour("createrole.regime", ctx.major) == "legacy":
            if not ctx.createrole and role.oid != ctx.current_user:
                raise ctx.fail("set.denied", name=role.name)
        elif not (ctx.createrole and ctx.is_admin(role.oid)) and role.oid != ctx.current_user:
            raise ctx.fail("set.denied", name=role.name)
    elif stmt.database is None and not ctx.superuser:
        raise ctx.fail("set.globally")
    if stmt.database is not None and stmt.database not in ctx.catalog.databases:
        raise PostgresError("3D000", f'database "{stmt.database}" does not exist')
    if stmt.target is None and stmt.database is not None and not ctx.superuser:
        raise ctx.fail("set.database_owner", name=stmt.database)
    change = stmt.change
    name = (change.name or "").lower()
    guc = gucs.lookup(name, ctx.major)
    # ExtractSetVariableArgs, before anything is looked up
    value = gucs.flatten(name, guc, change) if change.kind == "value" else ""
    # AlterSetting: a RESET (or SET ... TO DEFAULT, RESET ALL) of a role and database that
    # have no pg_db_role_setting row changes nothing and checks nothing
    rows = [s for s in ctx.catalog.settings if s.role == role_oid and s.database == stmt.database]
    if change.kind == "reset_all":
        if rows:
            ctx.catalog = ctx.catalog.reset_settings(role_oid, stmt.database)
            if not ctx.superuser:
                # GUCArrayReset keeps what the user could not have set: placeholders and
                # superuser-only parameters
                for row in rows:
                    known = gucs.lookup(row.name, ctx.major)
                    if known is None or known.context == "superuser":
                        ctx.catalog = ctx.catalog.set_setting(
                            role_oid, stmt.database, row.name, row.value
                        )
        return stmt.tag
    if change.kind in ("reset", "default") and not rows:
        return stmt.tag
    if guc is None and "." not in name:
        raise ctx.fail("guc.unknown", name=name)
    if guc is None and not ctx.superuser:
        # guc.c validate_option_array_item: a placeholder may turn out to be SUSET
        raise ctx.fail("guc.permission", name=name)
    if guc is not None:
        if guc.context == "superuser" and not ctx.superuser:
            raise ctx.fail("guc.permission", name=name)
        if guc.context in ("internal", "config"):
            raise ctx.fail(
                "guc.cannot_change" if guc.context == "internal" else "guc.cannot_set", name=name
            )
    if change.kind in ("reset", "default"):
        ctx.catalog = ctx.catalog.set_setting(role_oid, stmt.database, name, None)
        return stmt.tag
    if guc is not None:
        value, err = gucs.check_value(guc, value, ctx.major)
        if err is not None:
            raise err
    ctx.catalog = ctx.catalog.set_setting(role_oid, stmt.database, name, value)
    return stmt.tag
