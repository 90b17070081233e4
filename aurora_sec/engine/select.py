"""SELECTs the emulator answers: role functions, sslinfo, and simple reads of the role catalogs.

* A target list of supported functions and literals (``current_user``, ``session_user``,
  ``current_role``, ``pg_has_role(...)``, ``ssl_is_used()``, ``ssl_version()``,
  ``ssl_cipher()``), as the classifier describes it.
* ``SELECT cols FROM pg_roles | pg_authid | pg_user | pg_auth_members [WHERE ...] [ORDER BY
  ...]`` with column references, ``left(col, n)``, ``col IS [NOT] NULL``, ``count(*)`` (and a
  comparison of it with a constant), and WHERE clauses of ``=``, ``<>``, ``IN`` combined with
  AND/OR. ``pg_authid`` needs superuser, as in PostgreSQL.

Anything else raises :class:`~aurora_sec.aws.rds.errors.UnsupportedByEmulator`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType, SortByDir
from pglast.parser import parse_sql_json

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Catalog, Role
from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st


def _is(node: Any, name: str) -> bool:
    """Node type test without mypy narrowing (pglast's optional fields are all Any here)."""
    return type(node).__name__ == name


__all__ = ["run_select"]

Rows = tuple[tuple[str | None, ...], ...]
Value = str | int | bool | None
_NO_FUNCTION_HINT = "No function matches the given name and argument types. You might need to add explicit type casts."
_SSL_FUNCTIONS = frozenset({"ssl_is_used", "ssl_version", "ssl_cipher"})


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


# ------------------------------------------------------------------------- functions ----


def _pg_has_role(ctx: ExecContext, call: st.FunctionCall) -> Value:
    args = call.args
    if (
        args is None
        or not all(isinstance(a, str) or a is None for a in args)
        or len(args) not in (2, 3)
    ):
        raise UnsupportedByEmulator("pg_has_role with non-literal or oid arguments is not emulated")
    if any(a is None for a in args):
        return None
    if len(args) == 2:
        member = ctx.current_user
        role_name, privilege = str(args[0]), str(args[1])
    else:
        member = ctx.lookup(str(args[0])).oid
        role_name, privilege = str(args[1]), str(args[2])
    role = ctx.lookup(role_name).oid
    major = ctx.major
    ok = False
    for word in (p.strip() for p in privilege.split(",")):
        mode = " ".join(word.upper().split())
        if mode in ("MEMBER", "USAGE", "SET") and mode == "SET" and major < 16:
            mode = "bogus"
        if mode == "MEMBER":
            ok = ok or membership.is_member(ctx.catalog, member, role)
        elif mode == "USAGE":
            ok = ok or membership.has_privs(ctx.catalog, major, member, role)
        elif mode == "SET":
            ok = ok or membership.can_set_role(ctx.catalog, major, member, role)
        elif mode in (
            "MEMBER WITH ADMIN OPTION",
            "MEMBER WITH GRANT OPTION",
            "USAGE WITH ADMIN OPTION",
            "USAGE WITH GRANT OPTION",
            "SET WITH ADMIN OPTION",
            "SET WITH GRANT OPTION",
        ):
            ok = ok or membership.is_admin(ctx.catalog, major, member, role, ctx.session_user)
        else:
            raise PostgresError("22023", f'unrecognized privilege type: "{word}"')
    return ok


def _call(ctx: ExecContext, call: st.FunctionCall, env: Mapping[str, Any]) -> Value:
    name = call.name
    if name in ("current_user", "user", "current_role"):
        return ctx.name_of(ctx.current_user)
    if name == "session_user":
        return ctx.name_of(ctx.session_user)
    if name == "pg_has_role":
        return _pg_has_role(ctx, call)
    if name in _SSL_FUNCTIONS:
        if "sslinfo" not in ctx.catalog.extensions:
            raise PostgresError(
                "42883",
                f"function {name}() does not exist",
                hint=_NO_FUNCTION_HINT,
                position=call.location + 1,
            )
        ssl = env.get("ssl")
        if name == "ssl_is_used":
            return ssl is not None
        if ssl is None:
            return None
        return str(ssl.version if name == "ssl_version" else ssl.cipher)
    raise UnsupportedByEmulator(f"function {name} is not emulated")


# --------------------------------------------------------------------- catalog reads ----


def _array_text(items: list[str]) -> str:
    """A text[] as ``array_out`` prints it: an element is double-quoted (with ``\\`` before
    ``"`` and ``\\``) when it is empty, spelled NULL, or holds a brace, comma, quote,
    backslash or white space."""
    out = []
    for item in items:
        if item == "" or item.upper() == "NULL" or any(c in item for c in _ARRAY_SPECIAL):
            item = '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(item)
    return "{" + ",".join(out) + "}"


_ARRAY_SPECIAL = frozenset('{},"\\ \t\n\r\v\f')


def _role_row(catalog: Catalog, role: Role, *, secret: bool) -> dict[str, Value]:
    password: Value = None
    if role.password is not None:
        password = role.password.secret(role.name) if secret else "********"
    config = [
        f"{s.name}={s.value}" for s in catalog.settings if s.role == role.oid and s.database is None
    ]
    return {
        "oid": role.oid,
        "rolname": role.name,
        "rolsuper": role.superuser,
        "rolinherit": role.inherit,
        "rolcreaterole": role.createrole,
        "rolcreatedb": role.createdb,
        "rolcanlogin": role.login,
        "rolreplication": role.replication,
        "rolconnlimit": role.connection_limit,
        "rolpassword": password,
        "rolvaliduntil": role.valid_until,
        "rolbypassrls": role.bypassrls,
        "rolconfig": _array_text(config) if config else None,
    }


def _relation_rows(ctx: ExecContext, relation: str) -> list[dict[str, Value]]:
    catalog = ctx.catalog
    if relation == "pg_authid":
        if not ctx.superuser:
            raise PostgresError("42501", "permission denied for table pg_authid")
        return [_role_row(catalog, r, secret=True) for r in catalog.roles.values()]
    if relation == "pg_roles":
        return [_role_row(catalog, r, secret=False) for r in catalog.roles.values()]
    rows: list[dict[str, Value]] = []
    if relation == "pg_user":
        for r in catalog.roles.values():
            if r.login:
                row = _role_row(catalog, r, secret=False)
                rows.append(
                    {
                        "usename": r.name,
                        "usesysid": r.oid,
                        "usecreatedb": r.createdb,
                        "usesuper": r.superuser,
                        "userepl": r.replication,
                        "usebypassrls": r.bypassrls,
                        "passwd": row["rolpassword"],
                        "valuntil": r.valid_until,
                        "useconfig": row["rolconfig"],
                    }
                )
        return rows
    if relation == "pg_auth_members":
        for g in catalog.grants:
            member_row: dict[str, Value] = {
                "roleid": g.role,
                "member": g.member,
                "grantor": g.grantor,
                "admin_option": g.admin,
            }
            if ctx.major >= 16:
                member_row["inherit_option"] = g.inherit
                member_row["set_option"] = g.set
            rows.append(member_row)
        return rows
    raise UnsupportedByEmulator(f"SELECT from {relation} is not emulated")


def _sort_target(stmt: st.SelectFunctions, index: int, node: Any, targets: Any) -> Any:
    """The ``index``-th ORDER BY item; an integer constant names an output column by its
    position (42P10 when there is no such column)."""
    if _is(node, "A_Const") and _is(node.val, "Integer"):
        position = node.val.ival
        if not 1 <= position <= len(targets):
            # pglast's AST keeps no location for a constant: read it from the parse tree
            tree = json.loads(parse_sql_json(stmt.text))
            item = tree["stmts"][0]["stmt"]["SelectStmt"]["sortClause"][index]["SortBy"]
            raise PostgresError(
                "42P10",
                f"ORDER BY position {position} is not in select list",
                position=stmt.position + item["node"]["A_Const"]["location"] + 1,
            )
        return targets[position - 1].val
    return node


def _column(node: Any) -> str:
    fields: Any = node.fields or ()
    last = fields[-1]
    if not _is(last, "String"):
        raise UnsupportedByEmulator("SELECT * from a catalog is not emulated")
    return str(last.sval)


def _const(node: Any) -> Value:
    val: Any = node.val
    if node.isnull or val is None:
        return None
    if _is(val, "Integer"):
        return int(val.ival)
    if _is(val, "Boolean"):
        return bool(val.boolval)
    if _is(val, "String"):
        return str(val.sval)
    raise UnsupportedByEmulator("this constant is not emulated")


Expr = Callable[[dict[str, Value]], Value]


def _compile(node: Any) -> Expr:
    if _is(node, "ColumnRef"):
        name = _column(node)
        return lambda row: row[name] if name in row else _missing_column(name)
    if _is(node, "A_Const"):
        value = _const(node)
        return lambda row: value
    if _is(node, "TypeCast"):
        return _compile(node.arg)
    if _is(node, "NullTest"):
        inner = _compile(node.arg)
        is_null = node.nulltesttype == NullTestType.IS_NULL
        return lambda row: (inner(row) is None) == is_null
    if _is(node, "FuncCall"):
        fname = node.funcname[-1].sval
        if fname == "left" and node.args and len(node.args) == 2:
            text, count = _compile(node.args[0]), _compile(node.args[1])

            def left(row: dict[str, Value]) -> Value:
                value, n = text(row), count(row)
                return None if value is None or n is None else str(value)[: int(n)]

            return left
        raise UnsupportedByEmulator(f"function {fname} is not emulated in catalog reads")
    if _is(node, "BoolExpr"):
        parts = [_compile(arg) for arg in node.args]
        if node.boolop == BoolExprType.AND_EXPR:
            return lambda row: all(p(row) for p in parts)
        if node.boolop == BoolExprType.OR_EXPR:
            return lambda row: any(p(row) for p in parts)
        return lambda row: not parts[0](row)
    if _is(node, "A_Expr"):
        op = node.name[-1].sval
        left_e = _compile(node.lexpr)
        if node.kind == A_Expr_Kind.AEXPR_IN:
            options = [_compile(item) for item in node.rexpr]
            negate = op == "<>"
            return lambda row: (left_e(row) in [o(row) for o in options]) != negate
        right_e = _compile(node.rexpr)
        comparisons: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b,
            "<>": lambda a, b: a != b,
            "!=": lambda a, b: a != b,
            ">": lambda a, b: a > b,
            "<": lambda a, b: a < b,
            ">=": lambda a, b: a >= b,
            "<=": lambda a, b: a <= b,
        }
        compare = comparisons.get(op)
        if compare is None:
            raise UnsupportedByEmulator(f"operator {op} is not emulated in catalog reads")
        return lambda row: (
            None
            if left_e(row) is None or right_e(row) is None
            else compare(left_e(row), right_e(row))
        )
    raise UnsupportedByEmulator(f"{type(node).__name__} is not emulated in catalog reads")


def _missing_column(name: str) -> Value:
    raise PostgresError("42703", f'column "{name}" does not exist')


def _sort_key(key: Expr) -> Callable[[dict[str, Value]], tuple[bool, Any]]:
    return lambda row: (key(row) is None, key(row))


def _is_count(node: Any) -> bool:
    return _is(node, "FuncCall") and node.funcname[-1].sval == "count" and bool(node.agg_star)


def _catalog_select(
    ctx: ExecContext, stmt: st.SelectFunctions
) -> tuple[str, tuple[str, ...], Rows]:
    parsed = pglast.parse_sql(stmt.text)
    select: Any = parsed[0].stmt
    if not _is(select, "SelectStmt") or select.fromClause is None or len(select.fromClause) != 1:
        raise UnsupportedByEmulator("only single-catalog SELECTs are emulated")
    source = select.fromClause[0]
    if (
        not _is(source, "RangeVar")
        or select.groupClause
        or select.havingClause
        or select.op.name != "SETOP_NONE"
    ):
        raise UnsupportedByEmulator("only simple catalog SELECTs are emulated")
    rows = _relation_rows(ctx, source.relname)
    if select.whereClause is not None:
        where = _compile(select.whereClause)
        rows = [row for row in rows if where(row)]
    if select.sortClause:
        for index in reversed(range(len(select.sortClause))):
            sort = select.sortClause[index]
            key = _compile(_sort_target(stmt, index, sort.node, select.targetList or ()))
            reverse = sort.sortby_dir == SortByDir.SORTBY_DESC
            rows.sort(key=_sort_key(key), reverse=reverse)
    columns: list[str] = []
    targets = select.targetList or ()
    aggregate = any(
        _is_count(t.val) or (_is(t.val, "A_Expr") and _is_count(t.val.lexpr)) for t in targets
    )
    if aggregate:
        values: list[str | None] = []
        for target in targets:
            node = target.val
            if _is_count(node):
                columns.append(target.name or "count")
                values.append(str(len(rows)))
            elif _is(node, "A_Expr") and _is_count(node.lexpr):
                columns.append(target.name or "?column?")
                expr = _compile(
                    ast.A_Expr(
                        kind=node.kind,
                        name=node.name,
                        lexpr=ast.A_Const(val=ast.Integer(len(rows))),
                        rexpr=node.rexpr,
                    )
                )
                values.append(_text(expr({})))
            else:
                raise UnsupportedByEmulator("mixing aggregates and columns is not emulated")
        return "SELECT 1", tuple(columns), (tuple(values),)
    compiled = []
    for target in targets:
        node = target.val
        compiled.append(_compile(node))
        if target.name:
            columns.append(target.name)
        elif _is(node, "ColumnRef"):
            columns.append(_column(node))
        elif _is(node, "FuncCall"):
            columns.append(node.funcname[-1].sval)
        else:
            columns.append("?column?")
    out = tuple(tuple(_text(e(row)) for e in compiled) for row in rows)
    return f"SELECT {len(out)}", tuple(columns), out


def run_select(
    ctx: ExecContext, stmt: st.SelectFunctions, env: Mapping[str, Any]
) -> tuple[str, tuple[str, ...], Rows]:
    if stmt.simple:
        values: list[str | None] = []
        for target in stmt.targets:
            if target.call is not None:
                values.append(_text(_call(ctx, target.call, env)))
            else:
                constant = target.constant
                values.append(
                    None
                    if constant is None
                    else _text(constant)
                    if isinstance(constant, bool)
                    else str(constant)
                )
        return "SELECT 1", tuple(t.column for t in stmt.targets), (tuple(values),)
    names = {r.name for r in stmt.relations}
    if names and names <= {"pg_roles", "pg_authid", "pg_user", "pg_auth_members"}:
        return _catalog_select(ctx, stmt)
    raise UnsupportedByEmulator(
        "this SELECT is not emulated (only role functions and role catalogs are)"
    )
