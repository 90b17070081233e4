"""The few non-role objects roles care about: tables they own or were granted, extensions,
and the system catalogs nobody but a superuser may write.

Only what the role rules observe is modelled: a table's owner and ACL (DROP ROLE reports them
as dependencies), the ``sslinfo`` extension (whose functions answer for the connection), and
the refusal to write ``pg_authid``/``pg_auth_members``. Anything else raises
:class:`~aurora_sec.aws.rds.errors.UnsupportedByEmulator`, naming the statement.
"""

from __future__ import annotations

from typing import Any

import attrs
import pglast

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Table
from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st


def _is(node: Any, name: str) -> bool:
    """Node type test without mypy narrowing (pglast's optional fields are all Any here)."""
    return type(node).__name__ == name


__all__ = ["AVAILABLE_EXTENSIONS", "SYSTEM_CATALOGS", "extension", "unmodelled"]

SYSTEM_CATALOGS = frozenset(
    {
        "pg_authid",
        "pg_auth_members",
        "pg_db_role_setting",
        "pg_shdepend",
        "pg_database",
        "pg_class",
        "pg_namespace",
    }
)
#: Extensions rds_superuser members may create (only sslinfo is modelled; plpgsql is built in).
AVAILABLE_EXTENSIONS = frozenset({"sslinfo", "plpgsql"})
_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "TruncateStmt"})


def _may_create_extension(ctx: ExecContext) -> bool:
    if ctx.superuser:
        return True
    rds_superuser = ctx.catalog.get("rds_superuser")
    return rds_superuser is not None and membership.has_privs(
        ctx.catalog, ctx.major, ctx.current_user, rds_superuser.oid
    )


def extension(ctx: ExecContext, stmt: st.CreateExtension | st.DropExtension) -> str:
    catalog = ctx.catalog
    if isinstance(stmt, st.CreateExtension):
        if stmt.name in catalog.extensions:
            if stmt.if_not_exists:
                ctx.notices.append(
                    st.ServerMessage(
                        "NOTICE", "42710", f'extension "{stmt.name}" already exists, skipping'
                    )
                )
                return stmt.tag
            raise PostgresError("42710", f'extension "{stmt.name}" already exists')
        if stmt.name not in AVAILABLE_EXTENSIONS:
            # UNCONFIRMED: the PostgreSQL 15+ wording, without Aurora's file paths.
            raise PostgresError(
                "0A000",
                f'extension "{stmt.name}" is not available',
                hint="The extension must first be installed on the system where PostgreSQL is running.",
            )
        if not _may_create_extension(ctx):
            raise PostgresError(
                "42501",
                f'permission denied to create extension "{stmt.name}"',
                hint="Must be superuser to create this extension.",
            )
        ctx.catalog = catalog.with_extensions(catalog.extensions | {stmt.name})
        return stmt.tag
    for name in stmt.names:
        if name not in catalog.extensions:
            if stmt.missing_ok:
                ctx.notices.append(
                    st.ServerMessage(
                        "NOTICE", "00000", f'extension "{name}" does not exist, skipping'
                    )
                )
                continue
            raise PostgresError("42704", f'extension "{name}" does not exist')
        if not _may_create_extension(ctx):
            raise PostgresError("42501", f"must be owner of extension {name}")
    ctx.catalog = catalog.with_extensions(catalog.extensions - set(stmt.names))
    return stmt.tag


def _table(ctx: ExecContext, name: str) -> Table:
    table = ctx.catalog.tables.get(name)
    if table is None:
        raise PostgresError("42P01", f'relation "{name}" does not exist')
    return table


def _owns(ctx: ExecContext, table: Table) -> bool:
    return ctx.has_privs(table.owner)


def unmodelled(ctx: ExecContext, stmt: st.Unmodelled) -> str:
    node = stmt.node_type
    target = stmt.target.name if stmt.target is not None else None
    if node in _DML and target in SYSTEM_CATALOGS:
        if not ctx.superuser:
            raise PostgresError("42501", f"permission denied for table {target}")
        raise UnsupportedByEmulator(f"{stmt.tag} on system catalog {target} is not emulated")
    if node == "CreateStmt" and target is not None:
        if target in ctx.catalog.tables:
            raise PostgresError("42P07", f'relation "{target}" already exists')
        ctx.catalog = ctx.catalog.put_table(Table(target, ctx.current_user))
        return stmt.tag
    if node == "AlterTableStmt" and target is not None and len(stmt.roles) == 1:
        parsed: Any = pglast.parse_sql(stmt.text)[0].stmt
        commands: Any = getattr(parsed, "cmds", None) or ()
        if (
            len(commands) == 1
            and getattr(commands[0], "subtype", None) is not None
            and commands[0].newowner is not None
        ):
            table = _table(ctx, target)
            owner = ctx.resolve(stmt.roles[0])
            if not ctx.superuser:
                if not _owns(ctx, table):
                    raise PostgresError("42501", f"must be owner of table {target}")
                if not membership.can_set_role(ctx.catalog, ctx.major, ctx.current_user, owner.oid):
                    raise PostgresError("42501", f'must be able to SET ROLE "{owner.name}"')
            ctx.catalog = ctx.catalog.put_table(attrs.evolve(table, owner=owner.oid))
            return stmt.tag
    if node == "GrantStmt":
        parsed = pglast.parse_sql(stmt.text)[0].stmt
        assert _is(parsed, "GrantStmt")
        if (
            parsed.objtype is not None
            and parsed.objtype.name == "OBJECT_TABLE"
            and parsed.targtype.name == "ACL_TARGET_OBJECT"
        ):
            privileges = (
                tuple(p.priv_name.upper() for p in parsed.privileges)
                if parsed.privileges
                else ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
            )
            # PUBLIC is the pseudo-role 0 in an ACL, not a role to look up.
            grantee_oids = [
                0 if ref.kind is st.RoleRefKind.PUBLIC else ctx.resolve(ref).oid
                for ref in stmt.roles
            ]
            catalog = ctx.catalog
            for relation in stmt.relations:
                table = _table(ctx, relation.name)
                if not ctx.superuser and not _owns(ctx, table):
                    raise PostgresError("42501", f"permission denied for table {relation.name}")
                pairs = {(g, p) for g in grantee_oids for p in privileges}
                acl = table.acl | pairs if parsed.is_grant else table.acl - pairs
                catalog = catalog.put_table(attrs.evolve(table, acl=frozenset(acl)))
            ctx.catalog = catalog
            return stmt.tag
    if node == "DropStmt" and stmt.tag == "DROP TABLE":
        parsed = pglast.parse_sql(stmt.text)[0].stmt
        tables = dict(ctx.catalog.tables)
        for obj in parsed.objects or ():
            name = obj[-1].sval
            found = tables.get(name)
            if found is None:
                if parsed.missing_ok:
                    ctx.notices.append(
                        st.ServerMessage(
                            "NOTICE", "00000", f'table "{name}" does not exist, skipping'
                        )
                    )
                    continue
                raise PostgresError("42P01", f'table "{name}" does not exist')
            if not ctx.superuser and not _owns(ctx, found):
                raise PostgresError("42501", f"must be owner of table {name}")
            del tables[name]
        ctx.catalog = ctx.catalog.with_tables(tables)
        return stmt.tag
    raise UnsupportedByEmulator(f"{stmt.tag} statements are not emulated (only role security is)")
