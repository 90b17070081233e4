"""Properties: any text gives statements or a PostgresError; AST -> SQL -> classify round-trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pglast import ast
from pglast.enums import RoleSpecType, RoleStmtType
from pglast.parser import scan
from pglast.stream import RawStream

from aurora_sec.errors import PostgresError
from aurora_sec.sql import AlterRole, CreateRole, DropRole, GrantRole, RoleRefKind, classify

SQLISH = st.sampled_from(
    [
        "ALTER",
        "ROLE",
        "CREATE",
        "USER",
        "GROUP",
        "GRANT",
        "REVOKE",
        "TO",
        "FROM",
        "WITH",
        "ADMIN",
        "INHERIT",
        "SET",
        "OPTION",
        "FOR",
        "TRUE",
        "FALSE",
        "PASSWORD",
        "ENCRYPTED",
        "UNENCRYPTED",
        "NULL",
        "VALID",
        "UNTIL",
        "LOGIN",
        "NOLOGIN",
        "SUPERUSER",
        "CONNECTION",
        "LIMIT",
        "-2",
        "5",
        "'pw'",
        "$$x$$",
        "E'\\n'",
        "U&'\\0041'",
        "public",
        "none",
        "CURRENT_USER",
        "CURRENT_ROLE",
        "SESSION_USER",
        "a",
        '"Q"',
        ",",
        ";",
        "(",
        ")",
        "DO",
        "$$ BEGIN",
        "END $$",
        "SELECT",
        "current_user",
        "pg_has_role('a','member')",
        "SHOW",
        "RESET",
        "BEGIN",
        "COMMIT",
        "AND",
        "CHAIN",
        "SAVEPOINT",
        "RENAME",
        "DROP",
        "IF",
        "EXISTS",
        "IN",
        "DATABASE",
        "ALL",
        "GRANTED",
        "BY",
        "CASCADE",
        "EXTENSION",
        "--",
        "/*",
        "*/",
    ]
)


def check(text: str, version: int) -> None:
    try:
        statements = classify(text, version)
    except PostgresError as error:
        assert error.sqlstate and len(error.sqlstate) == 5
        assert error.position is None or 1 <= error.position <= len(text) + 1
        return
    for s in statements:
        assert text[s.span.start : s.span.end] == s.text
        assert isinstance(s.tag, str) and s.tag
        assert isinstance(s.redacted, str)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), version=st.sampled_from([11, 13, 15, 16, 17]))
def test_any_text_gives_statements_or_a_postgres_error(text: str, version: int) -> None:
    check(text, version)


@settings(max_examples=400, deadline=None)
@given(words=st.lists(SQLISH, max_size=14), version=st.sampled_from([11, 13, 15, 16, 17]))
def test_sql_like_text_gives_statements_or_a_postgres_error(words: list[str], version: int) -> None:
    check(" ".join(words), version)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_redacted_never_contains_a_password_literal(text: str) -> None:
    secret = "S3cr3t-" + str(abs(hash(text)) % 10_000)
    sql = f"ALTER ROLE x PASSWORD '{secret}'; SELECT {text!r}"
    try:
        statements = classify(sql)
    except PostgresError:
        return
    for s in statements:
        if s.affects_password:
            assert secret not in s.redacted
            assert secret not in repr(s)


# ------------------------------------------------------------------ AST round trips

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True).filter(
    # keywords are not quoted by pglast's printer in every position: keep plain identifiers
    lambda n: n not in {"public", "none"} and scan(n)[0].kind == "NO_KEYWORD"
)


def rolespec(name: str) -> ast.RoleSpec:
    return ast.RoleSpec(roletype=RoleSpecType.ROLESPEC_CSTRING, rolename=name)


BOOL_OPTIONS = [
    "superuser",
    "createdb",
    "createrole",
    "inherit",
    "canlogin",
    "isreplication",
    "bypassrls",
]


@st.composite
def role_options(draw: st.DrawFn) -> tuple[ast.DefElem, ...]:
    names = draw(st.lists(st.sampled_from(BOOL_OPTIONS), unique=True, max_size=4))
    options = [ast.DefElem(defname=n, arg=ast.Boolean(boolval=draw(st.booleans()))) for n in names]
    if draw(st.booleans()):
        options.append(
            ast.DefElem(
                defname="password",
                arg=ast.String(sval=draw(st.text(alphabet="abc'$\\é", max_size=8))),
            )
        )
    if draw(st.booleans()):
        options.append(
            ast.DefElem(defname="connectionlimit", arg=ast.Integer(ival=draw(st.integers(-1, 100))))
        )
    return tuple(options)


@settings(max_examples=150, deadline=None)
@given(name=NAMES, kind=st.sampled_from(list(RoleStmtType)), options=role_options())
def test_create_role_round_trip(
    name: str, kind: RoleStmtType, options: tuple[ast.DefElem, ...]
) -> None:
    node = ast.CreateRoleStmt(stmt_type=kind, role=name, options=options or None)
    sql = RawStream()(node)
    (s,) = classify(sql)
    assert isinstance(s, CreateRole)
    assert s.name == name
    assert s.kind.value == kind.name.removeprefix("ROLESTMT_")
    assert s.options.names() == tuple(o.defname for o in options)
    for option in options:
        arg: Any = option.arg
        if option.defname == "password":
            assert s.options.password is not None and s.options.password.value is not None
            assert s.options.password.value.reveal() == arg.sval
            assert "PASSWORD '********'" in s.redacted
        elif option.defname == "connectionlimit":
            assert s.options.connection_limit == arg.ival


@settings(max_examples=100, deadline=None)
@given(name=NAMES, options=role_options())
def test_alter_role_round_trip(name: str, options: tuple[ast.DefElem, ...]) -> None:
    assume(options)  # pglast's printer cannot print ALTER ROLE without options
    node = ast.AlterRoleStmt(role=rolespec(name), options=options or None, action=1)
    (s,) = classify(RawStream()(node))
    assert isinstance(s, AlterRole)
    assert s.target.kind is RoleRefKind.NAME and s.target.name == name
    assert s.options.names() == tuple(o.defname for o in options)


@settings(max_examples=100, deadline=None)
@given(
    roles=st.lists(NAMES, min_size=1, max_size=3),
    grantees=st.lists(NAMES, min_size=1, max_size=3),
    admin=st.booleans(),
)
def test_grant_role_round_trip(roles: list[str], grantees: list[str], admin: bool) -> None:
    opt = (ast.DefElem(defname="admin", arg=ast.Boolean(boolval=True)),) if admin else None
    node = ast.GrantRoleStmt(
        granted_roles=tuple(ast.AccessPriv(priv_name=r) for r in roles),
        grantee_roles=tuple(rolespec(g) for g in grantees),
        is_grant=True,
        opt=opt,
    )
    sql = RawStream()(node)
    for version in (15, 16):
        (s,) = classify(sql, version)
        assert isinstance(s, GrantRole)
        assert [r.name for r in s.roles] == roles
        assert [g.name for g in s.grantees] == grantees
        assert s.admin is (True if admin else None)


@settings(max_examples=50, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4), missing_ok=st.booleans())
def test_drop_role_round_trip(names: list[str], missing_ok: bool) -> None:
    node = ast.DropRoleStmt(roles=tuple(rolespec(n) for n in names), missing_ok=missing_ok)
    (s,) = classify(RawStream()(node))
    assert isinstance(s, DropRole)
    assert [r.name for r in s.names] == names
    assert s.missing_ok is missing_ok


@pytest.mark.parametrize("version", [15, 16])
def test_hand_built_ast_with_specifiers(version: int) -> None:
    node = ast.AlterRoleStmt(
        role=ast.RoleSpec(roletype=RoleSpecType.ROLESPEC_CURRENT_USER),
        options=(ast.DefElem(defname="password", arg=ast.String(sval="x")),),
        action=1,
    )
    (s,) = classify(RawStream()(node), version)
    assert isinstance(s, AlterRole) and s.target.kind is RoleRefKind.CURRENT_USER
