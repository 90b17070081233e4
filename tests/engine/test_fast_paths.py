"""The engine's fast paths answer exactly as the general path does.

* one role DDL statement outside a block (``Session._execute_role_ddl``) against the same
  statement run inside the general statement loop (a two-statement string, or BEGIN/COMMIT);
* the memo of a statement that changed nothing is used only while what it read is unchanged;
* ``Catalog._copy`` and ``Role.replaced`` (spelled-out copies) keep every field.
"""

from __future__ import annotations

from typing import Any

import pytest

from aurora_sec.engine.catalog import Catalog, Role
from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.engine.result import Result
from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from tests.conformance.emulated import new_session

SCRIPT = [
    "CREATE ROLE a LOGIN",
    "CREATE ROLE b",
    "GRANT b TO a",
    "GRANT b TO a",
    "ALTER ROLE a PASSWORD 'secret-1' VALID UNTIL '2031-02-03'",
    "ALTER ROLE a RENAME TO a2",
    "REVOKE b FROM a2",
    "REVOKE b FROM a2",
    "DROP ROLE IF EXISTS nobody",
    "DROP ROLE IF EXISTS nobody",
    "CREATE ROLE a2",
    "ALTER ROLE pg_monitor LOGIN",
    "ALTER ROLE a2 LOGIN LOGIN",
    "GRANT nosuch TO a2",
    "ALTER ROLE a2 SET work_mem = '1MB'",
    "DROP ROLE b",
]


def _outcome(session: Session, sql: str, *, wrap: bool) -> object:
    try:
        if wrap:  # the general path: the statement loop inside an explicit block
            session.execute("BEGIN")
            result = session.execute(sql)
            session.execute("COMMIT")
        else:
            result = session.execute(sql)
    except PostgresError as error:
        if wrap:
            session.execute("ROLLBACK")
        return ("error", error.sqlstate, error.message, error.detail, error.hint, error.notices)
    return ("ok", result.tag, result.notices, result.rows, [r.tag for r in result.results])


@pytest.mark.parametrize("major", [15, 16])
def test_role_ddl_path_matches_the_general_path(major: int) -> None:
    fast, general = new_session(major), new_session(major)
    for sql in SCRIPT:
        assert _outcome(fast, sql, wrap=False) == _outcome(general, sql, wrap=True), sql
        assert fast.catalog == general.catalog, sql


@pytest.mark.parametrize("major", [15, 16])
def test_role_ddl_path_as_a_createrole_user(major: int) -> None:
    setup = new_session(major)
    setup.execute("CREATE ROLE cr LOGIN CREATEROLE")
    fast = Session(setup._db, setup._config, "cr")
    other = new_session(major)
    other.execute("CREATE ROLE cr LOGIN CREATEROLE")
    general = Session(other._db, other._config, "cr")
    for sql in SCRIPT:
        assert _outcome(fast, sql, wrap=False) == _outcome(general, sql, wrap=True), sql
        assert fast.catalog == general.catalog, sql


def test_unchanged_memo_is_dropped_when_the_catalog_changes() -> None:
    session = new_session(15)
    session.execute("CREATE ROLE m; CREATE ROLE g")
    session.execute("GRANT g TO m")
    again = session.execute("GRANT g TO m")
    assert [n.message for n in again.notices] == ['role "m" is already a member of role "g"']
    assert session.execute("GRANT g TO m") == again  # the memo's answer
    session.execute("REVOKE g FROM m")
    fresh = session.execute("GRANT g TO m")  # the catalog changed: decided again
    assert fresh.notices == ()
    assert fresh.tag == "GRANT ROLE"


def test_unchanged_memo_is_dropped_when_the_identity_changes() -> None:
    session = new_session(15)
    session.execute("CREATE ROLE m; CREATE ROLE g; CREATE ROLE plain LOGIN")
    session.execute("GRANT g TO m")
    session.execute("GRANT g TO m")
    session.execute("SET ROLE plain")
    with pytest.raises(PostgresError) as caught:
        session.execute("GRANT g TO m")
    assert caught.value.sqlstate == "42501"


def test_plain_results_are_equal_to_built_ones() -> None:
    session = new_session(15)
    result = session.execute("CREATE ROLE p")
    assert result == Result("CREATE ROLE", (), None, (), (Result("CREATE ROLE"),))


def test_catalog_copy_keeps_every_slot() -> None:
    catalog = new_session(15).catalog
    copy = catalog._copy()
    for name in Catalog.__slots__:
        assert getattr(copy, name) is getattr(catalog, name), name


def test_role_replaced_is_namedtuple_replace() -> None:
    role = Role(16400, "r", login=True, password=StoredPassword("md5", secret="md5" + "0" * 32))
    changes: dict[str, Any] = {
        "name": "s",
        "superuser": True,
        "inherit": False,
        "createrole": True,
        "createdb": True,
        "login": False,
        "replication": True,
        "bypassrls": True,
        "connection_limit": 7,
        "password": None,
        "valid_until": "infinity",
    }
    assert set(Role._fields) == {"oid", *changes}
    assert role.replaced() == role
    for name, value in changes.items():
        assert role.replaced(**{name: value}) == role._replace(**{name: value})
    assert role.replaced(**changes) == role._replace(**changes)
    assert type(role.replaced(**changes)) is Role
    secret = StoredPassword("md5", secret="md5" + "1" * 32)
    assert role.with_secret(secret, "infinity") == role._replace(
        password=secret, valid_until="infinity"
    )
    assert type(role.with_secret(None, None)) is Role


def test_role_repr_leaves_out_the_password() -> None:
    role = Role(16400, "r", password=StoredPassword("md5", secret="md5" + "0" * 32))
    assert "password" not in repr(role) and "md5" not in repr(role)
    assert repr(role).startswith("Role(oid=16400, name='r', ")


def test_select_memo_follows_identity_and_catalog() -> None:
    session = new_session(15)
    session.execute("CREATE ROLE u LOGIN; CREATE ROLE v LOGIN")
    assert session.execute("SELECT current_user").value == "rdsadmin"
    assert session.execute("SELECT current_user").value == "rdsadmin"
    session.execute("SET ROLE u")
    assert session.execute("SELECT current_user").value == "u"
    session.execute("RESET ROLE")
    session.execute("SET SESSION AUTHORIZATION v")
    assert session.execute("SELECT session_user").value == "v"
    session.execute("RESET SESSION AUTHORIZATION")
    session.execute("ALTER ROLE v RENAME TO w")
    session.execute("SET SESSION AUTHORIZATION w")
    assert session.execute("SELECT session_user").value == "w"
    assert session.execute("SELECT 1") == session.execute("SELECT 1")
    assert session.execute("SELECT 1").rows == (("1",),)


def test_select_in_a_block_is_not_memoised_across_the_block() -> None:
    session = new_session(15)
    session.execute("CREATE ROLE u LOGIN")
    assert session.execute("SELECT current_user").value == "rdsadmin"
    session.execute("BEGIN")
    session.execute("SET LOCAL ROLE u")
    assert session.execute("SELECT current_user").value == "u"
    session.execute("COMMIT")
    assert session.execute("SELECT current_user").value == "rdsadmin"
