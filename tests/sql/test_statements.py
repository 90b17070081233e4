"""Every statement type and option the classifier models."""

from __future__ import annotations

import pytest

from aurora_sec.secrets import Secret
from aurora_sec.sql import (
    AlterRole,
    AlterRoleSet,
    CreateExtension,
    CreateRole,
    DoBlock,
    DropExtension,
    DropRole,
    GrantRole,
    PasswordSpec,
    RenameRole,
    ResetParameter,
    ResetRole,
    ResetSessionAuthorization,
    RevokeRole,
    RoleKind,
    RoleRef,
    RoleRefKind,
    SelectFunctions,
    SetParameter,
    SetRole,
    SetSessionAuthorization,
    ShowParameter,
    Statement,
    TransactionControl,
    TransactionKind,
    Unmodelled,
    classify,
)


def one(sql: str, version: str | int | None = None) -> Statement:
    (statement,) = classify(sql, version)
    return statement


@pytest.mark.parametrize(
    ("sql", "kind", "login_default"),
    [
        ("CREATE ROLE r", RoleKind.ROLE, False),
        ("CREATE USER u", RoleKind.USER, True),
        ("CREATE GROUP g", RoleKind.GROUP, False),
    ],
)
def test_create_role_kinds(sql: str, kind: RoleKind, login_default: bool) -> None:
    s = one(sql)
    assert isinstance(s, CreateRole)
    assert s.kind is kind
    assert s.login_default is login_default
    assert s.tag == "CREATE ROLE"
    assert not s.affects_password
    assert s.precheck is None


def test_create_role_every_option() -> None:
    s = one(
        'CREATE ROLE "Mixed" WITH SUPERUSER NOCREATEDB CREATEROLE NOINHERIT LOGIN REPLICATION '
        "NOBYPASSRLS CONNECTION LIMIT 7 ENCRYPTED PASSWORD 'pw' VALID UNTIL 'infinity' "
        "IN ROLE a, CURRENT_USER ROLE b ADMIN c, SESSION_USER"
    )
    assert isinstance(s, CreateRole)
    assert s.name == "Mixed"
    o = s.options
    assert (o.superuser, o.createdb, o.createrole, o.inherit) == (True, False, True, False)
    assert (o.login, o.replication, o.bypassrls) == (True, True, False)
    assert o.connection_limit == 7
    assert o.password is not None and o.password.value is not None
    assert o.password == PasswordSpec(Secret("pw"), encrypted=True, location=o.password.location)
    assert o.password.value.reveal() == "pw"
    assert o.valid_until == "infinity"
    assert o.in_role == (
        RoleRef(RoleRefKind.NAME, "a", o.in_role[0].location),
        RoleRef(RoleRefKind.CURRENT_USER, None, o.in_role[1].location),
    )
    assert [str(r) for r in o.role] == ["b"]
    assert [str(r) for r in o.admin] == ["c", "SESSION_USER"]
    assert o.names() == (
        "superuser",
        "createdb",
        "createrole",
        "inherit",
        "canlogin",
        "isreplication",
        "bypassrls",
        "connectionlimit",
        "password",
        "validUntil",
        "addroleto",
        "rolemembers",
        "adminmembers",
    )
    assert s.affects_password
    assert "pw" not in repr(s)


def test_create_role_sysid_and_in_group_and_user() -> None:
    s = one("CREATE GROUP g SYSID 5 IN GROUP a USER u")
    assert isinstance(s, CreateRole)
    assert s.options.sysid == 5
    assert [str(r) for r in s.options.in_role] == ["a"]
    assert [str(r) for r in s.options.role] == ["u"]
    # user.c CreateRole: the SYSID NOTICE, emitted in the option loop
    assert s.precheck is not None
    assert [n.message for n in s.precheck.notices] == ["SYSID can no longer be specified"]
    assert s.precheck.error is None


def test_password_null_and_valid_until_affect_password() -> None:
    s = one("ALTER ROLE app PASSWORD NULL")
    assert isinstance(s, AlterRole)
    assert s.options.password is not None and s.options.password.is_null
    assert s.affects_password
    v = one("ALTER USER app VALID UNTIL '2030-01-01'")
    assert v.affects_password
    assert not one("ALTER ROLE app LOGIN").affects_password


@pytest.mark.parametrize(
    ("sql", "kind", "name"),
    [
        ("ALTER ROLE CURRENT_USER PASSWORD 'x'", RoleRefKind.CURRENT_USER, None),
        ("ALTER ROLE SESSION_USER LOGIN", RoleRefKind.SESSION_USER, None),
        ("ALTER ROLE CURRENT_ROLE LOGIN", RoleRefKind.CURRENT_ROLE, None),
        ('ALTER ROLE "Bob" LOGIN', RoleRefKind.NAME, "Bob"),
        ("ALTER ROLE Bob LOGIN", RoleRefKind.NAME, "bob"),
        ("ALTER ROLE public LOGIN", RoleRefKind.PUBLIC, None),
    ],
)
def test_alter_role_targets(sql: str, kind: RoleRefKind, name: str | None) -> None:
    s = one(sql)
    assert isinstance(s, AlterRole)
    assert s.target.kind is kind
    assert s.target.name == name
    assert s.tag == "ALTER ROLE"


def test_alter_group_add_and_drop_user() -> None:
    add = one("ALTER GROUP g ADD USER a, b")
    drop = one("ALTER GROUP g DROP USER a")
    assert isinstance(add, AlterRole) and isinstance(drop, AlterRole)
    assert add.member_action == "add" and drop.member_action == "drop"
    assert add.is_group_statement
    assert [str(r) for r in add.options.role] == ["a", "b"]
    assert add.tag == drop.tag == "ALTER ROLE"


def test_rename_role() -> None:
    s = one('ALTER USER a RENAME TO "B"')
    assert isinstance(s, RenameRole)
    assert (s.old, s.new, s.tag) == ("a", "B", "ALTER ROLE")
    assert not s.affects_password  # decided by the engine (MD5 passwords only)
    other = one("ALTER TABLE t RENAME TO u")
    assert isinstance(other, Unmodelled)
    assert other.tag == "ALTER TABLE"


def test_drop_role() -> None:
    s = one("DROP ROLE IF EXISTS a, CURRENT_USER, public")
    assert isinstance(s, DropRole)
    assert s.missing_ok
    assert [r.kind for r in s.names] == [
        RoleRefKind.NAME,
        RoleRefKind.CURRENT_USER,
        RoleRefKind.PUBLIC,
    ]
    assert s.tag == "DROP ROLE"


def test_grant_role_16_options() -> None:
    s = one(
        "GRANT a, b TO c, PUBLIC WITH ADMIN TRUE, INHERIT FALSE, SET OPTION GRANTED BY CURRENT_USER",
        16,
    )
    assert isinstance(s, GrantRole)
    assert [r.name for r in s.roles] == ["a", "b"]
    assert [str(g) for g in s.grantees] == ["c", "PUBLIC"]
    assert (s.admin, s.inherit, s.set) == (True, False, True)
    assert s.grantor is not None and s.grantor.kind is RoleRefKind.CURRENT_USER
    assert s.tag == "GRANT ROLE"


def test_grant_role_15_admin_option_and_granted_by() -> None:
    s = one("GRANT a TO b WITH ADMIN OPTION GRANTED BY postgres", "15.4")
    assert isinstance(s, GrantRole)
    assert s.admin is True and s.inherit is None and s.set is None
    assert s.grantor is not None and s.grantor.name == "postgres"


def test_grant_role_with_columns() -> None:
    s = one("GRANT a(c1) TO b")
    assert isinstance(s, GrantRole)
    assert s.roles[0].columns == ("c1",)


@pytest.mark.parametrize(
    ("sql", "option_for", "behavior"),
    [
        ("REVOKE a FROM b", None, "RESTRICT"),
        ("REVOKE ADMIN OPTION FOR a FROM b CASCADE", "admin", "CASCADE"),
        ("REVOKE INHERIT OPTION FOR a FROM b", "inherit", "RESTRICT"),
        ("REVOKE SET OPTION FOR a FROM b RESTRICT", "set", "RESTRICT"),
    ],
)
def test_revoke_role(sql: str, option_for: str | None, behavior: str) -> None:
    s = one(sql, 16)
    assert isinstance(s, RevokeRole)
    assert s.option_for == option_for
    assert s.behavior == behavior
    assert s.admin_option_only is (option_for == "admin")
    assert s.inherit_option_only is (option_for == "inherit")
    assert s.set_option_only is (option_for == "set")
    assert s.tag == "REVOKE ROLE"


def test_revoke_granted_by_is_dropped_before_16() -> None:
    # gram.y 15: RevokeRoleStmt parses opt_granted_by but never stores it
    old = one("REVOKE a FROM b GRANTED BY c", 15)
    new = one("REVOKE a FROM b GRANTED BY c", 16)
    assert isinstance(old, RevokeRole) and isinstance(new, RevokeRole)
    assert old.grantor is None
    assert new.grantor is not None and new.grantor.name == "c"


def test_alter_role_set_forms() -> None:
    s = one("ALTER ROLE r IN DATABASE d SET work_mem = '1MB'")
    assert isinstance(s, AlterRoleSet)
    assert s.target is not None and s.target.name == "r"
    assert s.database == "d"
    assert (s.change.kind, s.change.name, s.change.value) == ("value", "work_mem", "1MB")
    every = one("ALTER ROLE ALL SET search_path = a, 'b'")
    assert isinstance(every, AlterRoleSet) and every.target is None
    assert every.change.value == "a, b"
    reset = one("ALTER USER r RESET ALL")
    assert isinstance(reset, AlterRoleSet) and reset.change.kind == "reset_all"
    assert reset.tag == "ALTER ROLE"


def test_set_role_forms() -> None:
    s = one("SET LOCAL ROLE 'Bob'")
    assert isinstance(s, SetRole)
    assert (s.role, s.is_local, s.tag) == ("Bob", True, "SET")
    assert isinstance(one("SET ROLE bob"), SetRole)
    generic = one("SET role = bob")
    assert isinstance(generic, SetRole) and generic.role == "bob"
    none = one("SET ROLE NONE")
    assert isinstance(none, SetRole) and none.is_none
    reset = one("RESET ROLE")
    assert isinstance(reset, ResetRole) and reset.tag == "RESET"
    via_set = one("SET role TO DEFAULT")
    assert isinstance(via_set, ResetRole) and via_set.tag == "SET"


def test_set_role_list_is_a_precheck_error() -> None:
    s = one("SET role = a, b")
    assert s.error is not None
    # guc.c flatten_set_variable_args, verified on 15.18 and 16.2
    assert (s.error.sqlstate, s.error.message) == ("22023", "SET role takes only one argument")


def test_session_authorization() -> None:
    s = one("SET SESSION AUTHORIZATION alice")
    assert isinstance(s, SetSessionAuthorization) and s.role == "alice"
    for sql, tag in (
        ("RESET SESSION AUTHORIZATION", "RESET"),
        ("SET SESSION AUTHORIZATION DEFAULT", "SET"),
    ):
        r = one(sql)
        assert isinstance(r, ResetSessionAuthorization)
        assert r.tag == tag


def test_set_reset_show_parameters() -> None:
    s = one("SET password_encryption = 'md5'")
    assert isinstance(s, SetParameter)
    assert (s.name, s.value, s.is_local, s.tag) == ("password_encryption", "md5", False, "SET")
    n = one("SET LOCAL work_mem TO 1024")
    assert isinstance(n, SetParameter) and n.value == "1024" and n.is_local
    assert n.change.args[0].kind == "number"
    r = one("RESET password_encryption")
    assert isinstance(r, ResetParameter) and r.name == "password_encryption" and r.tag == "RESET"
    a = one("RESET ALL")
    assert isinstance(a, ResetParameter) and a.name is None
    show = one("SHOW password_encryption")
    assert (
        isinstance(show, ShowParameter)
        and show.name == "password_encryption"
        and show.tag == "SHOW"
    )
    assert one("SHOW TIME ZONE").name == "timezone"  # type: ignore[attr-defined]
    t = one("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    assert isinstance(t, SetParameter) and t.change.kind == "multi"


def test_extensions() -> None:
    c = one("CREATE EXTENSION IF NOT EXISTS sslinfo WITH SCHEMA s VERSION '1.2' CASCADE")
    assert isinstance(c, CreateExtension)
    assert (c.name, c.if_not_exists, c.schema, c.version, c.cascade) == (
        "sslinfo",
        True,
        "s",
        "1.2",
        True,
    )
    assert c.tag == "CREATE EXTENSION"
    d = one("DROP EXTENSION IF EXISTS sslinfo, pgcrypto CASCADE")
    assert isinstance(d, DropExtension)
    assert (d.names, d.missing_ok, d.behavior, d.tag) == (
        ("sslinfo", "pgcrypto"),
        True,
        "CASCADE",
        "DROP EXTENSION",
    )


@pytest.mark.parametrize(
    ("sql", "kind", "tag"),
    [
        ("BEGIN", TransactionKind.BEGIN, "BEGIN"),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY", TransactionKind.BEGIN, "BEGIN"),
        ("START TRANSACTION", TransactionKind.START, "START TRANSACTION"),
        ("COMMIT", TransactionKind.COMMIT, "COMMIT"),
        ("END", TransactionKind.COMMIT, "COMMIT"),
        ("ROLLBACK", TransactionKind.ROLLBACK, "ROLLBACK"),
        ("ABORT", TransactionKind.ROLLBACK, "ROLLBACK"),
        ("SAVEPOINT s", TransactionKind.SAVEPOINT, "SAVEPOINT"),
        ("RELEASE SAVEPOINT s", TransactionKind.RELEASE, "RELEASE"),
        ("RELEASE s", TransactionKind.RELEASE, "RELEASE"),
        ("ROLLBACK TO SAVEPOINT s", TransactionKind.ROLLBACK_TO, "ROLLBACK"),
        ("PREPARE TRANSACTION 'g'", TransactionKind.PREPARE, "PREPARE TRANSACTION"),
        ("COMMIT PREPARED 'g'", TransactionKind.COMMIT_PREPARED, "COMMIT PREPARED"),
        ("ROLLBACK PREPARED 'g'", TransactionKind.ROLLBACK_PREPARED, "ROLLBACK PREPARED"),
    ],
)
def test_transaction_control(sql: str, kind: TransactionKind, tag: str) -> None:
    s = one(sql)
    assert isinstance(s, TransactionControl)
    assert s.kind is kind
    assert s.tag == tag


def test_transaction_details() -> None:
    s = one("ROLLBACK TO s")
    assert isinstance(s, TransactionControl) and s.savepoint == "s"
    c = one("COMMIT AND CHAIN")
    assert isinstance(c, TransactionControl) and c.chain
    b = one("BEGIN READ ONLY")
    assert isinstance(b, TransactionControl) and b.modes == ("transaction_read_only",)
    p = one("PREPARE TRANSACTION 'g1'")
    assert isinstance(p, TransactionControl) and p.gid == "g1"


def test_select_supported_functions_simple() -> None:
    s = one(
        "SELECT current_user, session_user, current_role, user, pg_has_role('a', 'member') AS m, "
        "ssl_is_used(), ssl_cipher(), ssl_version(), set_config('role', 'x'::text, false), 1"
    )
    assert isinstance(s, SelectFunctions)
    assert s.simple and not s.complex
    assert s.tag == "SELECT 1"
    assert [t.column for t in s.targets] == [
        "current_user",
        "session_user",
        "current_role",
        "user",
        "m",
        "ssl_is_used",
        "ssl_cipher",
        "ssl_version",
        "set_config",
        "?column?",
    ]
    assert [c.name for c in s.calls] == [
        "current_user",
        "session_user",
        "current_role",
        "user",
        "pg_has_role",
        "ssl_is_used",
        "ssl_cipher",
        "ssl_version",
        "set_config",
    ]
    assert s.calls[4].args == ("a", "member")
    assert s.calls[8].args == ("role", "x", False)
    assert s.calls[0].keyword and not s.calls[4].keyword


def test_select_qualified_and_complex() -> None:
    s = one("SELECT pg_catalog.current_user()")
    assert isinstance(s, SelectFunctions) and s.simple
    assert s.calls[0].schema == "pg_catalog"
    c = one("SELECT rolname FROM pg_catalog.pg_roles WHERE pg_has_role(rolname, 'member')")
    assert isinstance(c, SelectFunctions)
    assert c.complex and c.tag == "SELECT" and c.targets == ()
    assert [str(r) for r in c.relations] == ["pg_catalog.pg_roles"]
    assert c.calls[0].name == "pg_has_role" and c.calls[0].args is None
    assert one("SELECT 1 UNION SELECT 2").complex  # type: ignore[attr-defined]
    assert one("SELECT now()").complex  # type: ignore[attr-defined]


def test_select_empty_and_boolean_column_names() -> None:
    empty = one("SELECT")
    assert isinstance(empty, SelectFunctions) and empty.simple and empty.targets == ()
    # makeBoolAConst built a ::bool cast before 15 (gram.y 14 vs 15); 15.18 printed ?column?
    assert one("SELECT true", 14).targets[0].column == "bool"  # type: ignore[attr-defined]
    assert one("SELECT true", 15).targets[0].column == "?column?"  # type: ignore[attr-defined]


def test_select_parameter_precheck() -> None:
    s = one("SELECT current_user, $2, $1")
    assert s.error is not None
    # parse_expr.c; verified on 15.18/16.2 for SELECT $1 (42P02 at position 8)
    assert (s.error.sqlstate, s.error.message, s.error.position) == (
        "42P02",
        "there is no parameter $2",
        22,
    )


@pytest.mark.parametrize(
    ("sql", "tag", "target"),
    [
        ("UPDATE pg_catalog.pg_authid SET rolsuper = true", "UPDATE", "pg_catalog.pg_authid"),
        ("INSERT INTO pg_auth_members VALUES (1)", "INSERT", "pg_auth_members"),
        ("DELETE FROM ONLY pg_authid", "DELETE", "pg_authid"),
        ("TRUNCATE pg_authid, t", "TRUNCATE TABLE", "pg_authid"),
        ("COPY pg_authid FROM STDIN", "COPY", "pg_authid"),
        ("CREATE TABLE t (a int)", "CREATE TABLE", "t"),
        ("ALTER TABLE s.t ADD COLUMN b int", "ALTER TABLE", "s.t"),
        ("DROP TABLE t", "DROP TABLE", None),
        ("GRANT SELECT ON t TO x", "GRANT", None),
        ("REVOKE SELECT ON t FROM x", "REVOKE", None),
        ("ALTER SYSTEM SET ssl = on", "ALTER SYSTEM", None),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'", "CREATE FUNCTION", None),
        ("CREATE PROCEDURE p() LANGUAGE sql AS 'select 1'", "CREATE PROCEDURE", None),
        ("VACUUM", "VACUUM", None),
        ("ANALYZE", "ANALYZE", None),
        ("DISCARD ALL", "DISCARD ALL", None),
        ("CREATE TABLE t2 AS SELECT 1", "CREATE TABLE AS", None),
        ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO x", "ALTER DEFAULT PRIVILEGES", None),
        ("REASSIGN OWNED BY a TO b", "REASSIGN OWNED", None),
        ("DROP OWNED BY a", "DROP OWNED", None),
        ("ALTER TABLE t OWNER TO CURRENT_USER", "ALTER TABLE", "t"),
        ("CREATE DATABASE d", "CREATE DATABASE", None),
        ("CLOSE ALL", "CLOSE CURSOR ALL", None),
        ("MOVE NEXT IN c", "MOVE", None),
    ],
)
def test_unmodelled_tags_and_targets(sql: str, tag: str, target: str | None) -> None:
    s = one(sql)
    assert isinstance(s, Unmodelled)
    assert s.tag == tag
    assert (str(s.target) if s.target else None) == target


def test_unmodelled_roles_are_listed() -> None:
    s = one("REASSIGN OWNED BY a, CURRENT_USER TO b")
    assert isinstance(s, Unmodelled)
    assert [str(r) for r in s.roles] == ["a", "CURRENT_USER", "b"]


def test_do_block_is_classified() -> None:
    s = one("DO $$ BEGIN ALTER ROLE app PASSWORD 'x'; END $$")
    assert isinstance(s, DoBlock)
    assert s.tag == "DO"
    assert s.affects_password


def test_multi_statement_order_spans_and_empty_statements() -> None:
    sql = "  SET ROLE a ;; -- comment\n;SELECT 1;  /* c */ RESET ROLE  "
    out = classify(sql)
    assert [type(s).__name__ for s in out] == ["SetRole", "SelectFunctions", "ResetRole"]
    assert [s.text for s in out] == ["SET ROLE a", "SELECT 1", "RESET ROLE"]
    for s in out:
        assert sql[s.span.start : s.span.end] == s.text
        assert s.position == s.span.start
    assert classify("") == ()
    assert classify(" ;; -- nothing\n") == ()


def test_version_argument_forms() -> None:
    from aurora_sec.versions import EngineVersion

    sql = "GRANT a TO b WITH ADMIN OPTION"
    assert classify(sql, "15.4") == classify(sql, EngineVersion(15, 4)) == classify(sql, 15)
    with pytest.raises(ValueError, match="engine version"):
        classify(sql, "fifteen")
    with pytest.raises(ValueError, match="major"):
        classify(sql, 99)


def test_statements_are_immutable_and_hashable() -> None:
    import attrs

    s = one("ALTER ROLE a PASSWORD 'x'")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        s.text = "y"  # type: ignore[misc]
    assert hash(s) == hash(one("ALTER ROLE a PASSWORD 'x'"))


def test_repeated_classification_is_cached() -> None:
    sql = "ALTER ROLE cached_role PASSWORD 'x'"
    assert classify(sql, 16) is classify(sql, 16)
