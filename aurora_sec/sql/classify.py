"""``classify(sql, engine_version)``: SQL text -> typed, immutable statements. Pure.

How it works, in the order the server works:

1. The query string is checked for bytes that are not valid UTF-8 on the wire (22021).
2. It is parsed whole, with pglast's ``parse_sql_json`` (libpg_query: PostgreSQL's own scanner
   and grammar, version 18). A raw-parse error rejects the whole string, as on the server:
   :func:`classify` raises the server's :class:`~aurora_sec.errors.PostgresError`.
   ``parse_sql_json`` is used rather than ``parse_sql`` because it is 3-5x cheaper (pglast
   builds no Python AST); the JSON is the same parse tree.
3. Grammar gates: constructs the engine's major does not have fail as that major's grammar
   fails (:mod:`aurora_sec.sql.grammar_gates`), also a whole-string error.
4. Each statement is dispatched on its node type to a builder (a dict lookup, no visitor).
   Checks the server makes when it *starts executing* a statement, before any catalog or
   permission check, are attached as ``precheck`` (the engine raises them in order).

Results are cached per ``(sql, major)`` in a bounded LRU (a pure memo: statements are
immutable). The cache holds the statements, whose passwords are :class:`Secret` values that
never show in a repr.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Literal

from pglast import parser as pg_parser

from aurora_sec.errors import PostgresError
from aurora_sec.secrets import Secret
from aurora_sec.sql import grammar_gates, parse_errors
from aurora_sec.sql import statements as st
from aurora_sec.sql._text import ByteToChar, scan, token_text
from aurora_sec.sql.tags import command_tag
from aurora_sec.versions import MAJORS, RULES, EngineVersion

__all__ = [
    "DEFAULT_MAJOR",
    "SUPPORTED_FUNCTIONS",
    "cache_clear",
    "classify",
    "classify_major",
    "parse_notices",
]

Json = dict[str, Any]

#: The major used when ``engine_version`` is None: the newest modelled major.
DEFAULT_MAJOR: int = MAJORS[-1]

#: Functions a SELECT may call that the emulator answers itself (sslinfo, role functions).
SUPPORTED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "current_user",
        "session_user",
        "current_role",
        "user",
        "current_setting",
        "set_config",
        "pg_has_role",
        "ssl_is_used",
        "ssl_version",
        "ssl_cipher",
        "ssl_client_cert_present",
        "ssl_client_serial",
        "ssl_client_dn",
        "ssl_issuer_dn",
        "ssl_client_dn_field",
        "ssl_issuer_field",
        "ssl_extension_info",
    }
)

#: The SQL-standard keyword forms (SQLValueFunction) and their column names
#: (parse_target.c FigureColnameInternal, identical 11-18).
_SVF_NAMES: Mapping[str, str] = {
    "SVFOP_CURRENT_USER": "current_user",
    "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_USER": "user",
}

_ROLESPEC_KINDS: Mapping[str, st.RoleRefKind] = {
    "ROLESPEC_CSTRING": st.RoleRefKind.NAME,
    "ROLESPEC_CURRENT_USER": st.RoleRefKind.CURRENT_USER,
    "ROLESPEC_SESSION_USER": st.RoleRefKind.SESSION_USER,
    "ROLESPEC_CURRENT_ROLE": st.RoleRefKind.CURRENT_ROLE,
    "ROLESPEC_PUBLIC": st.RoleRefKind.PUBLIC,
}

_ROLE_KINDS: Mapping[str, st.RoleKind] = {
    "ROLESTMT_ROLE": st.RoleKind.ROLE,
    "ROLESTMT_USER": st.RoleKind.USER,
    "ROLESTMT_GROUP": st.RoleKind.GROUP,
}

_SET_KINDS: Mapping[str, Literal["value", "default", "current", "multi", "reset", "reset_all"]] = {
    "VAR_SET_VALUE": "value",
    "VAR_SET_DEFAULT": "default",
    "VAR_SET_CURRENT": "current",
    "VAR_SET_MULTI": "multi",
    "VAR_RESET": "reset",
    "VAR_RESET_ALL": "reset_all",
}

_TRANSACTION_KINDS: Mapping[str, st.TransactionKind] = {
    "TRANS_STMT_BEGIN": st.TransactionKind.BEGIN,
    "TRANS_STMT_START": st.TransactionKind.START,
    "TRANS_STMT_COMMIT": st.TransactionKind.COMMIT,
    "TRANS_STMT_ROLLBACK": st.TransactionKind.ROLLBACK,
    "TRANS_STMT_SAVEPOINT": st.TransactionKind.SAVEPOINT,
    "TRANS_STMT_RELEASE": st.TransactionKind.RELEASE,
    "TRANS_STMT_ROLLBACK_TO": st.TransactionKind.ROLLBACK_TO,
    "TRANS_STMT_PREPARE": st.TransactionKind.PREPARE,
    "TRANS_STMT_COMMIT_PREPARED": st.TransactionKind.COMMIT_PREPARED,
    "TRANS_STMT_ROLLBACK_PREPARED": st.TransactionKind.ROLLBACK_PREPARED,
}

#: Statements whose ``relation`` field is the table they write or alter.
_TARGET_FIELD_NODES = frozenset(
    {
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
        "CopyStmt",
        "AlterTableStmt",
        "CreateStmt",
        "IndexStmt",
        "CreateTrigStmt",
        "RuleStmt",
        "CreatePolicyStmt",
        "AlterPolicyStmt",
        "ClusterStmt",
        "RefreshMatViewStmt",
    }
)

#: Options whose value is a password in statements that are otherwise unmodelled.
_SECRET_OPTION_NODES = frozenset(
    {
        "CreateUserMappingStmt",
        "AlterUserMappingStmt",
        "CreateForeignServerStmt",
        "AlterForeignServerStmt",
    }
)

_MASK = "'********'"

# Messages (the server's texts, with their sources).
# user.c CreateRole: ereport(NOTICE, (errmsg("SYSID can no longer be specified"))) -> 00000
_SYSID_NOTICE = st.ServerMessage("NOTICE", "00000", "SYSID can no longer be specified")
# define.c errorConflictingDefElem (15+) / user.c ereport (11-14): ERRCODE_SYNTAX_ERROR
_CONFLICTING = "conflicting or redundant options"
# user.c CreateRole/AlterRole: ERRCODE_INVALID_PARAMETER_VALUE "invalid connection limit: %d"
_CONNLIMIT = "invalid connection limit: {}"
# acl.c check_rolespec_name: ERRCODE_RESERVED_NAME, errdetail_internal
_RESERVED = 'role name "{}" is reserved'
_CANNOT_ALTER_RESERVED = "Cannot alter reserved roles."
# user.c GrantRole (16+): ERRCODE_SYNTAX_ERROR, parser_errposition(opt->location)
_UNRECOGNIZED_ROLE_OPTION = 'unrecognized role option "{}"'
# guc.c flatten_set_variable_args: ERRCODE_INVALID_PARAMETER_VALUE (verified 15.18, 16.2)
_ONE_ARGUMENT = "SET {} takes only one argument"
# scansup.c truncate_identifier: ERRCODE_NAME_TOO_LONG
_TRUNCATED = 'identifier "{}" will be truncated to "{}"'
# parse_expr.c transformParamRef with no parameters: ERRCODE_UNDEFINED_PARAMETER
_NO_PARAMETER = "there is no parameter ${}"

_NAMEDATALEN = 64


class _GateViolation(Exception):
    """Internal: an older grammar's syntax error (a whole-string error)."""

    def __init__(self, error: PostgresError) -> None:
        super().__init__(error.message)
        self.error = error


# --------------------------------------------------------------------------- context


class _Ctx:
    """One parse: the text, its offset in the whole script, the major, byte->char."""

    __slots__ = ("base", "conv", "major", "sql")

    def __init__(self, sql: str, base: int, major: int) -> None:
        self.sql = sql
        self.base = base
        self.major = major
        self.conv = ByteToChar(sql)

    def loc(self, byte_offset: int | None) -> int:
        """Absolute 0-based character offset of a byte offset of ``sql`` (-1 stays -1)."""
        if byte_offset is None or byte_offset < 0:
            return -1
        return self.base + self.conv(byte_offset)

    def rel(self, absolute: int) -> int:
        return absolute - self.base


def _msg(
    sqlstate: str,
    message: str,
    *,
    position: int | None = None,
    detail: str | None = None,
    severity: str = "ERROR",
) -> st.ServerMessage:
    return st.ServerMessage(severity, sqlstate, message, detail=detail, position=position)


def _syntax_error_at(ctx: _Ctx, rel_index: int) -> PostgresError:
    """``syntax error at or near "TOKEN"`` for the token starting at ``rel_index``."""
    tokens = scan(ctx.sql[rel_index:])
    text = token_text(ctx.sql[rel_index:], tokens[0]) if tokens else ""
    return PostgresError(
        "42601", f'syntax error at or near "{text}"', position=ctx.base + rel_index + 1
    )


# --------------------------------------------------------------------------- small nodes


def _roleref(ctx: _Ctx, spec: Json) -> st.RoleRef:
    inner = spec.get("RoleSpec", spec)
    kind = _ROLESPEC_KINDS[inner.get("roletype", "ROLESPEC_CSTRING")]
    return st.RoleRef(
        kind,
        inner.get("rolename") if kind is st.RoleRefKind.NAME else None,
        ctx.loc(inner.get("location", 0)),
    )


def _rolerefs(ctx: _Ctx, specs: list[Json] | None) -> tuple[st.RoleRef, ...]:
    return tuple(_roleref(ctx, s) for s in specs or ())


def _string(node: Json | None) -> str:
    if not node:
        return ""
    return str(node.get("String", node).get("sval", ""))


def _const_value(node: Json) -> tuple[bool, str | int | float | bool | None]:
    """(is_literal, value) of an A_Const (or a TypeCast of one)."""
    if "TypeCast" in node:
        arg = node["TypeCast"].get("arg", {})
        return _const_value(arg) if "A_Const" in arg else (False, None)
    const = node.get("A_Const")
    if const is None:
        return False, None
    if const.get("isnull"):
        return True, None
    if "sval" in const:
        return True, str(const["sval"].get("sval", ""))
    if "ival" in const:
        return True, int(const["ival"].get("ival", 0))
    if "fval" in const:
        return True, float(const["fval"].get("fval", "0"))
    if "boolval" in const:
        return True, bool(const["boolval"].get("boolval", False))
    if "bsval" in const:
        return True, str(const["bsval"].get("bsval", ""))
    return False, None


def _walk(node: Any) -> Iterator[Json]:
    """Every dict in ``node``, in document order (iterative: trees can be deep)."""
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, dict):
            yield item
            extend(reversed(list(item.values())))
        elif isinstance(item, list):
            extend(reversed(item))


def _relation(ctx: _Ctx, rv: Json) -> st.RelationRef:
    inner = rv.get("RangeVar", rv)
    return st.RelationRef(
        inner.get("relname", ""), inner.get("schemaname"), ctx.loc(inner.get("location", 0))
    )


# --------------------------------------------------------------------------- redaction


def _literal_end(ctx: _Ctx, rel_start: int, rel_limit: int) -> int:
    """Relative end (exclusive) of the literal token starting at ``rel_start``.

    A plain ``'...'`` literal is measured directly (standard_conforming_strings: only ``''``
    escapes a quote); anything else (E'', U&'', dollar quotes, a literal continued on the
    next line) is measured by the scanner.
    """
    sql = ctx.sql
    if sql.startswith("'", rel_start):
        j = rel_start + 1
        while True:
            k = sql.find("'", j, rel_limit)
            if k < 0:
                break
            if sql.startswith("'", k + 1):
                j = k + 2
                continue
            end = k + 1
            m = end
            while m < rel_limit and sql[m] in " \t\r\n\f\v":
                m += 1
            if m < rel_limit and sql[m] == "'" and ("\n" in sql[end:m] or "\r" in sql[end:m]):
                break  # 'a'<newline>'b' is one literal: let the scanner measure it
            return end
    tokens = scan(sql[rel_start:rel_limit])
    if not tokens:
        return rel_limit
    return rel_start + tokens[0].end + 1


def _redact(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each (start, end) span (relative to text) replaced by the mask."""
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(_MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------- role options


def _role_options(
    ctx: _Ctx, options: list[Json] | None, rel_end: int
) -> tuple[tuple[st.RoleOption, ...], list[tuple[int, int]]]:
    """The typed option list, and the relative spans of password literals."""
    items: list[st.RoleOption] = []
    secrets: list[tuple[int, int]] = []
    for option in options or ():
        d = option["DefElem"]
        name: str = d["defname"]
        arg = d.get("arg")
        loc = ctx.loc(d.get("location", 0))
        value: st.RoleOptionValue
        if name == "password":
            rel = ctx.rel(loc)
            encrypted = ctx.sql[rel : rel + 9].lower() == "encrypted"
            if arg is None:
                value = st.PasswordSpec(None, encrypted, loc)
            else:
                value = st.PasswordSpec(Secret(_string(arg)), encrypted, loc)
                arg_rel = ctx.rel(ctx.loc(d.get("arg_location", -1)))
                if arg_rel >= 0:
                    secrets.append((arg_rel, _literal_end(ctx, arg_rel, rel_end)))
        elif name in ("addroleto", "rolemembers", "adminmembers"):
            value = _rolerefs(ctx, arg["List"].get("items") if arg else None)
        elif name in ("connectionlimit", "sysid"):
            value = int(arg["Integer"].get("ival", 0)) if arg else 0
        elif name == "validUntil":
            value = _string(arg)
        else:
            value = bool(arg["Boolean"].get("boolval", False)) if arg and "Boolean" in arg else True
        items.append(st.RoleOption(name, value, loc))
    return tuple(items), secrets


def _role_precheck(
    ctx: _Ctx, items: tuple[st.RoleOption, ...], *, create: bool, target: st.RoleRef | None = None
) -> st.Precheck | None:
    """user.c CreateRole/AlterRole, up to the first catalog access (see the classes' docs)."""
    if (
        target is not None
        and target.kind is st.RoleRefKind.NAME
        and (target.name or "").startswith("pg_")
    ):
        return st.Precheck(
            error=_msg("42939", _RESERVED.format(target.name), detail=_CANNOT_ALTER_RESERVED)
        )
    if not items:
        return None
    with_position = create or bool(
        RULES["sql.alter_role.conflicting_option_position"].at(ctx.major)
    )
    notices: list[st.ServerMessage] = []
    seen: set[str] = set()
    connlimit: int | None = None
    for item in items:
        if item.name == "sysid":
            notices.append(_SYSID_NOTICE)
            continue
        if item.name in seen:
            position = item.location + 1 if with_position else None
            return st.Precheck(tuple(notices), _msg("42601", _CONFLICTING, position=position))
        seen.add(item.name)
        if item.name == "connectionlimit":
            connlimit = item.value  # type: ignore[assignment]
    error = None
    if connlimit is not None and connlimit < -1:
        error = _msg("22023", _CONNLIMIT.format(connlimit))
    if error is None and not notices:
        return None
    return st.Precheck(tuple(notices), error)


# --------------------------------------------------------------------------- builders

_Builder = Callable[[_Ctx, Json, dict[str, Any], int], st.Statement]


def _b_create_role(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    items, secrets = _role_options(ctx, node.get("options"), rel_end)
    if secrets:
        common["redacted"] = _redact_common(ctx, common, secrets)
    name = node.get("role", "")
    return st.CreateRole(
        kind=_ROLE_KINDS[node.get("stmt_type", "ROLESTMT_ROLE")],
        name=name,
        options=st.RoleOptions.from_items(items),
        precheck=_role_precheck(ctx, items, create=True),
        **common,
    )


def _redact_common(ctx: _Ctx, common: dict[str, Any], secrets: list[tuple[int, int]]) -> str:
    start = ctx.rel(common["span"].start)
    return _redact(common["text"], [(a - start, b - start) for a, b in secrets])


def _b_alter_role(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    items, secrets = _role_options(ctx, node.get("options"), rel_end)
    if secrets:
        common["redacted"] = _redact_common(ctx, common, secrets)
    target = _roleref(ctx, node["role"])
    rel = ctx.rel(common["span"].start)
    return st.AlterRole(
        target=target,
        options=st.RoleOptions.from_items(items),
        member_action="drop" if node.get("action", 1) < 0 else "add",
        is_group_statement=ctx.sql[rel : rel + 11].upper().split()[1:2] == ["GROUP"],
        precheck=_role_precheck(ctx, items, create=False, target=target),
        **common,
    )


def _b_drop_role(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    return st.DropRole(
        names=_rolerefs(ctx, node.get("roles")), missing_ok=bool(node.get("missing_ok")), **common
    )


def _granted_roles(node: Json) -> tuple[st.GrantedRole, ...]:
    out = []
    for priv in node.get("granted_roles") or ():
        ap = priv.get("AccessPriv", priv)
        out.append(
            st.GrantedRole(
                ap.get("priv_name") or "", tuple(_string(c) for c in ap.get("cols") or ())
            )
        )
    return tuple(out)


def _b_grant_role(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    opts = []
    for opt in node.get("opt") or ():
        d = opt["DefElem"]
        arg = d.get("arg") or {}
        opts.append(
            st.GrantOption(
                d["defname"],
                bool(arg.get("Boolean", {}).get("boolval", False)),
                ctx.loc(d.get("location", 0)),
            )
        )
    precheck = None
    for opt_ in opts:
        if opt_.name not in ("admin", "inherit", "set"):
            error = _msg(
                "42601", _UNRECOGNIZED_ROLE_OPTION.format(opt_.name), position=opt_.location + 1
            )
            precheck = st.Precheck(error=error)
            break
    roles = _granted_roles(node)
    grantees = _rolerefs(ctx, node.get("grantee_roles"))
    grantor = _roleref(ctx, node["grantor"]) if node.get("grantor") else None
    if node.get("is_grant"):
        values: dict[str, bool] = {}
        for opt_ in opts:
            values[opt_.name] = opt_.value  # last one wins (user.c GrantRole)
        return st.GrantRole(
            roles=roles,
            grantees=grantees,
            admin=values.get("admin"),
            inherit=values.get("inherit"),
            set=values.get("set"),
            options=tuple(opts),
            grantor=grantor,
            precheck=precheck,
            **common,
        )
    if RULES["sql.revoke_role.granted_by"].at(ctx.major) == "ignored":
        grantor = None
    return st.RevokeRole(
        roles=roles,
        grantees=grantees,
        option_for=opts[0].name if opts else None,
        option_location=opts[0].location if opts else -1,
        behavior="CASCADE" if node.get("behavior") == "DROP_CASCADE" else "RESTRICT",
        grantor=grantor,
        precheck=precheck,
        **common,
    )


def _b_rename(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    if node.get("renameType") == "OBJECT_ROLE":
        return st.RenameRole(old=node.get("subname", ""), new=node.get("newname", ""), **common)
    return _b_unmodelled(ctx, node, common, rel_end, "RenameStmt")


def _set_args(ctx: _Ctx, args: list[Json] | None) -> tuple[st.SetArg, ...]:
    out = []
    for arg in args or ():
        if "A_Const" in arg:
            const = arg["A_Const"]
            loc = ctx.loc(const.get("location", 0))
            if "sval" in const:
                out.append(st.SetArg("string", str(const["sval"].get("sval", "")), loc))
            elif "ival" in const:
                out.append(st.SetArg("number", str(const["ival"].get("ival", 0)), loc))
            elif "fval" in const:
                out.append(st.SetArg("number", str(const["fval"].get("fval", "")), loc))
            else:
                ok, value = _const_value(arg)
                out.append(st.SetArg("other", "" if value is None else str(value), loc))
        elif "DefElem" in arg:
            d = arg["DefElem"]
            ok, value = _const_value(d.get("arg") or {})
            text = d["defname"] if not ok else f"{d['defname']} {value}"
            out.append(st.SetArg("other", text, ctx.loc(d.get("location", 0))))
        else:
            out.append(st.SetArg("other", "", -1))
    return tuple(out)


def _setting(ctx: _Ctx, node: Json) -> st.SettingChange:
    return st.SettingChange(
        kind=_SET_KINDS[node.get("kind", "VAR_SET_VALUE")],
        name=node.get("name"),
        args=_set_args(ctx, node.get("args")),
    )


def _b_variable_set(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    change = _setting(ctx, node)
    is_local = bool(node.get("is_local"))
    kind = change.kind
    if change.name in ("role", "session_authorization") and kind in ("value", "default", "reset"):
        is_role = change.name == "role"
        if kind == "value":
            precheck = None
            if len(change.args) > 1:
                precheck = st.Precheck(error=_msg("22023", _ONE_ARGUMENT.format(change.name)))
            first = change.args[0] if change.args else st.SetArg("string", "")
            cls = st.SetRole if is_role else st.SetSessionAuthorization
            return cls(
                role=first.text,
                is_local=is_local,
                location=first.location,
                precheck=precheck,
                **common,
            )
        reset_cls = st.ResetRole if is_role else st.ResetSessionAuthorization
        return reset_cls(is_local=is_local, via_set=kind == "default", **common)
    if kind in ("reset", "reset_all"):
        return st.ResetParameter(name=change.name, **common)
    return st.SetParameter(change=change, is_local=is_local, **common)


def _b_show(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    return st.ShowParameter(name=node.get("name", ""), **common)


def _b_alter_role_set(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    target = _roleref(ctx, node["role"]) if node.get("role") else None
    precheck = None
    if (
        target is not None
        and target.kind is st.RoleRefKind.NAME
        and (target.name or "").startswith("pg_")
    ):
        precheck = st.Precheck(
            error=_msg("42939", _RESERVED.format(target.name), detail=_CANNOT_ALTER_RESERVED)
        )
    return st.AlterRoleSet(
        target=target,
        database=node.get("database"),
        change=_setting(ctx, node.get("setstmt", {})),
        precheck=precheck,
        **common,
    )


def _b_transaction(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    return st.TransactionControl(
        kind=_TRANSACTION_KINDS[node.get("kind", "TRANS_STMT_BEGIN")],
        savepoint=node.get("savepoint_name"),
        gid=node.get("gid"),
        chain=bool(node.get("chain")),
        modes=tuple(o["DefElem"]["defname"] for o in node.get("options") or ()),
        **common,
    )


def _b_create_extension(
    ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int
) -> st.Statement:
    schema = version = None
    cascade = False
    for option in node.get("options") or ():
        d = option["DefElem"]
        if d["defname"] == "schema":
            schema = _string(d.get("arg"))
        elif d["defname"] == "new_version":
            version = _string(d.get("arg"))
        elif d["defname"] == "cascade":
            cascade = True
    return st.CreateExtension(
        name=node.get("extname", ""),
        if_not_exists=bool(node.get("if_not_exists")),
        schema=schema,
        version=version,
        cascade=cascade,
        **common,
    )


def _b_drop(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    if node.get("removeType") == "OBJECT_EXTENSION":
        return st.DropExtension(
            names=tuple(_string(o) for o in node.get("objects") or ()),
            missing_ok=bool(node.get("missing_ok")),
            behavior="CASCADE" if node.get("behavior") == "DROP_CASCADE" else "RESTRICT",
            **common,
        )
    return _b_unmodelled(ctx, node, common, rel_end, "DropStmt")


def _function_call(ctx: _Ctx, item: Json) -> st.FunctionCall | None:
    """A supported call in ``item`` (a SQLValueFunction or FuncCall dict), else None."""
    if "SQLValueFunction" in item:
        svf = item["SQLValueFunction"]
        name = _SVF_NAMES.get(svf.get("op", ""))
        if name is None:
            return None
        return st.FunctionCall(name, None, (), True, ctx.loc(svf.get("location", 0)))
    fc = item.get("FuncCall")
    if fc is None:
        return None
    names = [_string(n) for n in fc.get("funcname") or ()]
    if not names or names[-1] not in SUPPORTED_FUNCTIONS:
        return None
    args: list[str | int | float | bool | None] = []
    literal = True
    for arg in fc.get("args") or ():
        ok, value = _const_value(arg)
        literal = literal and ok
        args.append(value)
    plain = not any(
        k in fc
        for k in ("agg_order", "agg_filter", "over", "agg_star", "agg_distinct", "func_variadic")
    )
    return st.FunctionCall(
        names[-1],
        names[-2] if len(names) > 1 else None,
        tuple(args) if literal and plain else None,
        False,
        ctx.loc(fc.get("location", 0)),
    )


_SELECT_SIMPLE_KEYS = frozenset({"targetList", "limitOption", "op"})


def _b_select(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    calls: list[st.FunctionCall] = []
    relations: list[st.RelationRef] = []
    params: list[int] = []
    for item in _walk(node):
        if "SQLValueFunction" in item or "FuncCall" in item:
            call = _function_call(ctx, item)
            if call is not None:
                calls.append(call)
        elif "relname" in item and ("relpersistence" in item or "inh" in item):
            relations.append(_relation(ctx, item))
        elif "ParamRef" in item:
            params.append(item["ParamRef"].get("number", 0))
            params.append(ctx.loc(item["ParamRef"].get("location", 0)))
    calls.sort(key=lambda c: c.location)
    simple = node.get("op", "SETOP_NONE") == "SETOP_NONE" and set(node) <= _SELECT_SIMPLE_KEYS
    targets: list[st.SelectTarget] = []
    if simple:
        bool_column = RULES["sql.select.boolean_literal_column"].at(ctx.major)
        for target in node.get("targetList") or ():
            rt = target["ResTarget"]
            val = rt.get("val", {})
            ok, value = _const_value(val)
            if ok and "A_Const" in val:
                column = bool_column if isinstance(value, bool) else "?column?"
                targets.append(st.SelectTarget(rt.get("name") or column, None, value))
                continue
            call = (
                _function_call(ctx, val)
                if ("SQLValueFunction" in val or "FuncCall" in val)
                else None
            )
            if call is None or call.args is None:
                simple = False
                break
            targets.append(st.SelectTarget(rt.get("name") or call.name, call))
    precheck = None
    if params and not node.get("fromClause") and not node.get("withClause"):
        pairs = sorted(zip(params[1::2], params[0::2], strict=True))
        loc, number = pairs[0]
        precheck = st.Precheck(error=_msg("42P02", _NO_PARAMETER.format(number), position=loc + 1))
    return st.SelectFunctions(
        calls=tuple(calls),
        simple=simple,
        targets=tuple(targets) if simple else (),
        relations=tuple(sorted(relations, key=lambda r: r.location)),
        precheck=precheck,
        **common,
    )


def _b_do(ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int) -> st.Statement:
    from aurora_sec.sql.plpgsql import build_do_block

    return build_do_block(ctx, node, common, classify_inner=_classify_fragment)


def _b_unmodelled(
    ctx: _Ctx, node: Json, common: dict[str, Any], rel_end: int, node_type: str
) -> st.Statement:
    relations: list[st.RelationRef] = []
    roles: list[st.RoleRef] = []
    secrets: list[tuple[int, int]] = []
    for item in _walk(node):
        if "relname" in item and ("relpersistence" in item or "inh" in item):
            relations.append(_relation(ctx, item))
        elif "roletype" in item:
            roles.append(_roleref(ctx, item))
    if node_type in _SECRET_OPTION_NODES:
        for option in node.get("options") or ():
            d = option.get("DefElem", {})
            if d.get("defname") == "password" and d.get("arg_location", -1) >= 0:
                arg_rel = ctx.rel(ctx.loc(d["arg_location"]))
                secrets.append((arg_rel, _literal_end(ctx, arg_rel, rel_end)))
    if secrets:
        common["redacted"] = _redact_common(ctx, common, secrets)
    target = None
    rel_field = node.get("relation")
    if node_type in _TARGET_FIELD_NODES and isinstance(rel_field, dict):
        target = _relation(ctx, rel_field)
    elif node_type in ("TruncateStmt", "LockStmt") and node.get("relations"):
        target = _relation(ctx, node["relations"][0])
    return st.Unmodelled(
        tag_text=command_tag(node_type, node),
        node_type=node_type,
        target=target,
        relations=tuple(sorted(relations, key=lambda r: r.location)),
        roles=tuple(sorted(roles, key=lambda r: r.location)),
        **common,
    )


_BUILDERS: Mapping[str, _Builder] = {
    "CreateRoleStmt": _b_create_role,
    "AlterRoleStmt": _b_alter_role,
    "DropRoleStmt": _b_drop_role,
    "GrantRoleStmt": _b_grant_role,
    "RenameStmt": _b_rename,
    "AlterRoleSetStmt": _b_alter_role_set,
    "VariableSetStmt": _b_variable_set,
    "VariableShowStmt": _b_show,
    "TransactionStmt": _b_transaction,
    "CreateExtensionStmt": _b_create_extension,
    "DropStmt": _b_drop,
    "SelectStmt": _b_select,
    "DoStmt": _b_do,
}


# --------------------------------------------------------------------------- gates


def _gate_violation(
    ctx: _Ctx, node_type: str, node: Json, rel_start: int, rel_end: int
) -> PostgresError | None:
    """The error of the engine's (older) grammar for this statement, if it lacks a construct."""
    major = ctx.major
    found: list[PostgresError] = []
    if node_type == "GrantRoleStmt" and node.get("opt"):
        if node.get("is_grant") and not grammar_gates.gate_open("grant_role_option_list", major):
            first = ctx.rel(ctx.loc(node["opt"][0]["DefElem"].get("location", 0)))
            tokens = scan(ctx.sql[first:rel_end])
            if not tokens or tokens[0].name != "ADMIN":
                found.append(_syntax_error_at(ctx, first))
            elif len(tokens) < 2 or tokens[1].name != "OPTION":
                found.append(
                    _syntax_error_at(ctx, first + tokens[1].start)
                    if len(tokens) > 1
                    else _syntax_error_at(ctx, rel_end)
                )
            elif len(tokens) > 2 and tokens[2].name == "ASCII_44":
                found.append(_syntax_error_at(ctx, first + tokens[2].start))
        elif not node.get("is_grant") and not grammar_gates.gate_open(
            "revoke_role_option_for", major
        ):
            first = ctx.rel(ctx.loc(node["opt"][0]["DefElem"].get("location", 0)))
            tokens = scan(ctx.sql[first:rel_end])
            if tokens and tokens[0].name != "ADMIN" and len(tokens) > 1:
                found.append(_syntax_error_at(ctx, first + tokens[1].start))
    elif node_type == "TransactionStmt" and not grammar_gates.gate_open("transaction_chain", major):
        if node.get("kind") in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            for token in scan(ctx.sql[rel_start:rel_end]):
                if token.name == "AND":
                    found.append(_syntax_error_at(ctx, rel_start + token.start))
                    break
    elif (
        node_type == "GrantStmt"
        and node.get("grantor")
        and not grammar_gates.gate_open("grant_privileges_granted_by", major)
    ):
        for token in scan(ctx.sql[rel_start:rel_end]):
            if token.name == "GRANTED":
                found.append(_syntax_error_at(ctx, rel_start + token.start))
                break
    elif node_type == "MergeStmt" and not grammar_gates.gate_open("merge", major):
        found.append(_syntax_error_at(ctx, rel_start))
    if not grammar_gates.gate_open("rolespec_current_role", major):
        for item in _walk(node):
            if item.get("roletype") == "ROLESPEC_CURRENT_ROLE":
                found.append(_syntax_error_at(ctx, ctx.rel(ctx.loc(item.get("location", 0)))))
    if not found:
        return None
    return min(found, key=lambda e: e.position or 0)


# --------------------------------------------------------------------------- notices


def _maybe_long_identifier(text: str) -> bool:
    """Cheap filter: can ``text`` hold an identifier longer than 63 bytes? (No false "no":
    such an identifier is at least 16 characters, within one blank-separated word or a
    double-quoted segment, and not a whole single-quoted literal.)"""
    if len(text) < 16:
        return False
    for word in text.split():
        if len(word) >= 16:
            core = word.rstrip(",;)")
            if not (
                len(core) >= 2
                and core[0] == "'"
                and core[-1] == "'"
                and "'" not in core[1:-1].replace("''", "")
            ):
                return True
    if '"' in text:
        return any(len(part) >= 16 for part in text.split('"')[1::2])
    return False


def _truncation_notices(ctx: _Ctx, rel_start: int, rel_end: int) -> tuple[st.ServerMessage, ...]:
    """scansup.c truncate_identifier NOTICEs for the identifiers of one statement."""
    text = ctx.sql[rel_start:rel_end]
    if not _maybe_long_identifier(text):
        return ()
    notices = []
    for token in scan(text):
        if token.name != "IDENT":
            continue
        raw = token_text(text, token)
        if raw.startswith('"'):
            ident = raw[1:-1].replace('""', '"')
        elif raw[:2] in ("U&", "u&"):
            continue  # Unicode-escaped identifiers: decoded by the parser, rare
        else:
            ident = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in raw)
        encoded = ident.encode("utf-8")
        if len(encoded) < _NAMEDATALEN:
            continue
        clipped = encoded[: _NAMEDATALEN - 1].decode("utf-8", "ignore")
        notices.append(_msg("42622", _TRUNCATED.format(ident, clipped), severity="NOTICE"))
    return tuple(notices)


# --------------------------------------------------------------------------- driver


def _statement(ctx: _Ctx, raw: Json, check_gates: bool) -> st.Statement:
    stmt_node: Json = raw["stmt"]
    ((node_type, node),) = stmt_node.items()
    sql = ctx.sql
    rel_start = ctx.conv(raw.get("stmt_location", 0))
    length = raw.get("stmt_len", 0)
    rel_end = ctx.conv(raw.get("stmt_location", 0) + length) if length else len(sql)
    while rel_end > rel_start and sql[rel_end - 1] in " \t\n\r\f\v":
        rel_end -= 1
    if check_gates:
        violation = _gate_violation(ctx, node_type, node, rel_start, rel_end)
        if violation is not None:
            raise _GateViolation(violation)
    text = sql[rel_start:rel_end]
    common: dict[str, Any] = {
        "text": text,
        "span": st.Span(ctx.base + rel_start, ctx.base + rel_end),
        "redacted": text,
        "parse_notices": _truncation_notices(ctx, rel_start, rel_end),
    }
    builder = _BUILDERS.get(node_type)
    if builder is not None:
        return builder(ctx, node, common, rel_end)
    return _b_unmodelled(ctx, node, common, rel_end, node_type)


def _parse(
    sql: str, base: int, major: int, *, deep_fallback: bool = True
) -> tuple[st.Statement, ...]:
    """Parse ``sql`` (a whole script, or a part of one starting at character ``base``).

    Raises RecursionError when the tree is too deep for ``json.loads`` and ``deep_fallback``
    is false.
    """
    try:
        js = pg_parser.parse_sql_json(sql)
    except pg_parser.ParseError as exc:
        message, index = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        if message == "stack depth limit exceeded":
            raise parse_errors.stack_depth_error() from None
        error = parse_errors.from_parse_error(message, index, sql)
        if error.position is not None:
            error.position += base
        earlier = _earlier_gate_violation(sql, base, major, index)
        raise (earlier or error) from None
    try:
        tree = json.loads(js)
    except RecursionError:
        if not deep_fallback:
            raise
        return _parse_deep(sql, base, major)
    ctx = _Ctx(sql, base, major)
    check_gates = major <= grammar_gates.LAST_GATED_MAJOR
    try:
        return tuple(_statement(ctx, raw, check_gates) for raw in tree.get("stmts", ()))
    except _GateViolation as violation:
        raise violation.error from None


def _earlier_gate_violation(
    sql: str, base: int, major: int, index: int | None
) -> PostgresError | None:
    """A gate violation in the complete statements before a raw-parse error, if any.

    The older grammar stops at the first construct it lacks; when that is in a statement
    before the one pglast failed on, that error is the server's. (A violation inside the
    failing statement itself, before the error token, is not detected: UNCONFIRMED cases.)
    """
    if major > grammar_gates.LAST_GATED_MAJOR or index == 0:
        return None
    cut = len(sql) if index is None else index
    tokens = scan(sql[:cut])
    semicolons = [t for t in tokens if t.name == "ASCII_59"]
    if semicolons:
        prefix = sql[: semicolons[-1].start]
        try:
            _parse(prefix, base, major)
        except PostgresError as error:
            if error.sqlstate == "42601" and error.message.startswith("syntax error at or near"):
                return error
    failing = [t for t in tokens if not semicolons or t.start > semicolons[-1].start]
    at = _token_gate(failing, major)
    if at is None:
        return None
    return _syntax_error_at(_Ctx(sql, base, major), at)


def _token_gate(tokens: list[Any], major: int) -> int | None:
    """Token-level gate check of a statement that pglast could not parse: the index of the
    token where the older grammar of GRANT/REVOKE role fails, if any."""
    names = [t.name for t in tokens]
    if len(names) < 3:
        return None
    grant_gate = names[0] == "GRANT" and not grammar_gates.gate_open(
        "grant_role_option_list", major
    )
    if (
        grant_gate
        and "TO" in names
        and ("ON" not in names or names.index("ON") > names.index("TO"))
    ):
        to = names.index("TO")
        if "WITH" in names[to:]:
            w = names.index("WITH", to)
            rest = names[w + 1 :]
            if rest and rest[0] != "ADMIN":
                return int(tokens[w + 1].start)
            if len(rest) > 1 and rest[1] != "OPTION":
                return int(tokens[w + 2].start)
            if len(rest) > 2 and rest[2] == "ASCII_44":
                return int(tokens[w + 3].start)
    revoke_gate = names[0] == "REVOKE" and not grammar_gates.gate_open(
        "revoke_role_option_for", major
    )
    if revoke_gate and names[2] == "OPTION" and names[1] not in ("ADMIN", "GRANT"):
        return int(tokens[2].start)
    return None


def _parse_deep(sql: str, base: int, major: int) -> tuple[st.Statement, ...]:
    """Statements too deep for ``json.loads``: parse them one by one; classify the deep ones
    from pglast's AST (safe below libpg_query's own stack limit, which was not hit)."""
    import pglast
    from pglast import ast

    limit = int(RULES["sql.stack_depth.expression_limit"].at(major))
    out: list[st.Statement] = []
    for raw in pglast.parse_sql(sql):
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(sql)
        while end > start and sql[end - 1].isspace():
            end -= 1
        text = sql[start:end]
        try:
            out.extend(_parse(text, base + start, major, deep_fallback=False))
            continue
        except RecursionError:
            pass
        node: Any = raw.stmt
        node_type = type(node).__name__
        shallow = {
            slot: getattr(getattr(node, slot), "name", getattr(node, slot))
            for slot in node.__slots__
            if isinstance(getattr(node, slot), (str, int, bool))
        }
        depth = _ast_depth(node, ast.Node)
        precheck = None
        if depth - 3 > limit:
            error = parse_errors.stack_depth_error()
            precheck = st.Precheck(
                error=st.ServerMessage("ERROR", error.sqlstate, error.message, hint=error.hint)
            )
        common: dict[str, Any] = {
            "text": text,
            "span": st.Span(base + start, base + end),
            "redacted": text,
            "precheck": precheck,
        }
        if node_type == "SelectStmt":
            out.append(st.SelectFunctions(simple=False, **common))
        else:
            out.append(
                st.Unmodelled(
                    tag_text=command_tag(node_type, shallow), node_type=node_type, **common
                )
            )
    return tuple(out)


def _ast_depth(root: Any, node_class: type) -> int:
    best = 0
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, node_class):
            best = max(best, depth)
            for slot in item.__slots__:  # type: ignore[attr-defined]
                value = getattr(item, slot)
                if isinstance(value, (node_class, tuple, list)):
                    stack.append((value, depth + 1))
        elif isinstance(item, (tuple, list)):
            stack.extend((v, depth) for v in item)
    return best


def _classify_fragment(text: str, major: int) -> tuple[st.Statement, ...]:
    """Classify a statement text found inside another (a DO body); may raise PostgresError."""
    return _classify_major(text, major)


# --------------------------------------------------------------------------- public API

_MAX_CACHED_LENGTH = 8192
#: Longer texts go straight to pglast (the recognizer's shapes are short).
_MAX_RECOGNIZED_LENGTH = 1024


@lru_cache(maxsize=4096)
def _classify_cached(sql: str, major: int) -> tuple[st.Statement, ...]:
    return _classify_uncached(sql, major)


def _classify_uncached(sql: str, major: int) -> tuple[st.Statement, ...]:
    if not sql.isascii() or "\x00" in sql:
        error = parse_errors.encoding_error(sql)
        if error is not None:
            raise error
    elif len(sql) <= _MAX_RECOGNIZED_LENGTH:
        recognized = _recognize(sql, major)
        if recognized is not None:
            return recognized
    return _parse(sql, 0, major)


def _classify_pglast(sql: str, major: int) -> tuple[st.Statement, ...]:
    """The classification through pglast alone, bypassing the recognizer and the cache (the
    reference the recognizer is tested against)."""
    if not sql.isascii() or "\x00" in sql:
        error = parse_errors.encoding_error(sql)
        if error is not None:
            raise error
    return _parse(sql, 0, major)


def _classify_major(sql: str, major: int) -> tuple[st.Statement, ...]:
    if len(sql) <= _MAX_CACHED_LENGTH:
        return _classify_cached(sql, major)
    return _classify_uncached(sql, major)


_MAJOR_OF: dict[str, int] = {}


def _major(engine_version: EngineVersion | str | int | None) -> int:
    if engine_version is None:
        return DEFAULT_MAJOR
    if isinstance(engine_version, EngineVersion):
        return engine_version.major
    if isinstance(engine_version, int) and not isinstance(engine_version, bool):
        if engine_version not in MAJORS:
            raise ValueError(f"unknown PostgreSQL major: {engine_version}")
        return engine_version
    if not isinstance(engine_version, str):
        raise TypeError(
            f"engine_version must be an EngineVersion, str or int, not {type(engine_version).__name__}"
        )
    major = _MAJOR_OF.get(engine_version)
    if major is None:
        major = EngineVersion.coerce(engine_version).major
        if len(_MAJOR_OF) < 256:
            _MAJOR_OF[engine_version] = major
    return major


def classify(
    sql: str, engine_version: EngineVersion | str | int | None = None
) -> tuple[st.Statement, ...]:
    """Classify ``sql`` (one or more statements) as the engine of ``engine_version`` parses it.

    Returns the statements in order; empty statements (``;;``, comments) are skipped, as the
    server skips them. Raises :class:`~aurora_sec.errors.PostgresError` with the server's
    SQLSTATE, message, HINT and 1-based position when the server would reject the whole
    string before running any of it (syntax errors, syntax the engine's major lacks, invalid
    encoding); never any other exception for any ``str``. ``engine_version`` is an
    :class:`~aurora_sec.versions.EngineVersion`, its text (``"15.4"``), a major number, or
    None for the newest modelled major.
    """
    if not isinstance(sql, str):
        raise TypeError(f"sql must be a str, not {type(sql).__name__}")
    major = _major(engine_version)
    try:
        return _classify_major(sql, major)
    except PostgresError:
        raise
    except RecursionError:
        raise parse_errors.stack_depth_error() from None


def classify_major(sql: str, major: int) -> tuple[st.Statement, ...]:
    """:func:`classify` for a ``str`` and a modelled major number, without re-checking them
    (the engine's entry: it always has both)."""
    if not isinstance(sql, str):
        raise TypeError(f"sql must be a str, not {type(sql).__name__}")
    try:
        if len(sql) <= _MAX_CACHED_LENGTH:
            return _classify_cached(sql, major)
        return _classify_uncached(sql, major)
    except RecursionError:
        raise parse_errors.stack_depth_error() from None


def cache_clear() -> None:
    """Empty the classification cache (for benchmarks of first-sight cost)."""
    _classify_cached.cache_clear()


def parse_notices(statements: tuple[st.Statement, ...]) -> tuple[st.ServerMessage, ...]:
    """The scanner NOTICEs of a whole script, in order: the server sends them all before it
    executes the first statement, because it parses the whole string first."""
    return tuple(n for s in statements for n in s.parse_notices)


# The recognizer of the commonest role statements (tried before pglast); imported last because
# it builds its statements with this module's helpers.
from aurora_sec.sql._recognize import recognize as _recognize  # noqa: E402
