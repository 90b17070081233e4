"""The engine's fast paths answer exactly as the general path does.

* one role DDL statement outside a block (``Session._execute_role_ddl``) against the same
  statement run inside the general statement loop (a two-statement string, or BEGIN/COMMIT);
* the memo of a statement that changed nothing is used only while what it read is unchanged;
* a repeated password change is stored again without its checks (``PasswordReplay``) only
  while nothing they read has changed (the catalog's ``checks_epoch``, the identities, the
  settings), and stores exactly what the checked run stores, with the next salt;
* ``Catalog._copy`` and ``Role.replaced`` (spelled-out copies) keep every field.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as hst

from aurora_sec.engine.catalog import Catalog, Grant, Role
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
    # repeated password changes (PasswordReplay), and what must stop a replay
    "ALTER ROLE a2 PASSWORD 'p1' VALID UNTIL '2031-01-01'",
    "ALTER ROLE a2 PASSWORD 'p1' VALID UNTIL '2031-01-01'",
    "ALTER ROLE a2 PASSWORD 'p1' VALID UNTIL '2031-01-01'",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a2 VALID UNTIL 'infinity'",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a2 VALID UNTIL '2032-01-01'",
    "ALTER ROLE a2 VALID UNTIL '2032-01-01'",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "SET password_encryption = 'md5'",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "RESET password_encryption",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a2 PASSWORD 'md50123456789abcdef0123456789abcdef'",
    "ALTER ROLE a2 PASSWORD 'md50123456789abcdef0123456789abcdef'",
    "ALTER ROLE a2 PASSWORD ''",
    "ALTER ROLE a2 PASSWORD ''",
    "ALTER ROLE a2 PASSWORD NULL",
    "ALTER ROLE a2 PASSWORD NULL",
    "ALTER ROLE a2 NOLOGIN PASSWORD 'p2'",
    "ALTER ROLE a2 NOLOGIN PASSWORD 'p2'",
    "ALTER ROLE a2 LOGIN",
    "ALTER ROLE a2 NOLOGIN PASSWORD 'p2'",
    "ALTER ROLE CURRENT_USER PASSWORD 'p3'",
    "ALTER ROLE CURRENT_USER PASSWORD 'p3'",
    "ALTER ROLE a2 CREATEDB",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a2 RENAME TO a3",
    "ALTER ROLE a2 PASSWORD 'p1'",
    "ALTER ROLE a3 PASSWORD 'p1'",
    "ALTER ROLE a3 RENAME TO a2",
    "ALTER ROLE a2 PASSWORD 'p1'",
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
        return (
            "error",
            type(error),
            error.sqlstate,
            error.message,
            error.detail,
            error.hint,
            error.position,
            error.notices,
        )
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


def test_catalog_copy_keeps_every_slot_but_the_epoch() -> None:
    catalog = new_session(15).catalog
    copy = catalog._copy()
    for name in Catalog.__slots__:
        if name == "checks_epoch":  # a change through _copy is a change of what checks read
            assert copy.checks_epoch is not catalog.checks_epoch
        else:
            assert getattr(copy, name) is getattr(catalog, name), name


def test_only_password_and_valid_until_changes_keep_the_checks_epoch() -> None:
    session = new_session(16)
    session.execute("CREATE ROLE e LOGIN; CREATE ROLE g")
    catalog = session.catalog
    row = catalog.get("e")
    assert row is not None
    secret = StoredPassword("md5", secret="md5" + "0" * 32)
    kept = [
        catalog.with_secret_row(row.with_secret(secret, "infinity")),
        catalog.replace_role(row.with_secret(secret, None)),
        catalog.replace_role(row.replaced(valid_until="2030-01-01 00:00:00+00")),
        catalog.with_salts_drawn(catalog.salts_drawn + 1),
    ]
    for changed in kept:
        assert changed.checks_epoch is catalog.checks_epoch
    assert kept[0].role(row.oid) == row.with_secret(secret, "infinity")
    g = catalog.get("g")
    assert g is not None
    renewed = [
        catalog.replace_role(row.replaced(login=False)),
        catalog.replace_role(row.replaced(name="e2")),
        catalog.add_role(Role(0, "n"))[0],
        catalog.drop_roles([g.oid]),
        catalog.put_grant(Grant(g.oid, row.oid, catalog.bootstrap_oid)),
        catalog.set_setting(row.oid, None, "work_mem", "1MB"),
        catalog.with_extensions(catalog.extensions | {"sslinfo"}),
    ]
    for changed in renewed:
        assert changed.checks_epoch is not catalog.checks_epoch


def _refusal(session: Session, sql: str) -> tuple[str, str]:
    with pytest.raises(PostgresError) as caught:
        session.execute(sql)
    return caught.value.sqlstate, caught.value.message


def test_a_repeated_password_change_is_checked_again_after_a_change_it_depends_on() -> None:
    admin = new_session(15)
    admin.execute("CREATE ROLE cr LOGIN CREATEROLE; CREATE ROLE t LOGIN; CREATE ROLE w")
    admin.execute("GRANT w TO cr")
    cr = Session(admin._db, admin._config, "cr")
    text = "ALTER ROLE t PASSWORD 'p1'"
    first = cr.execute(text)
    assert cr.execute(text) == first  # the replay
    drawn = cr.catalog.salts_drawn
    admin.execute("ALTER ROLE cr NOCREATEROLE")  # another session takes CREATEROLE away
    refused = _refusal(cr, text)
    assert refused == _refusal(Session(admin._db, admin._config, "cr"), text)
    assert refused[0] == "42501"
    assert cr.catalog.salts_drawn == drawn  # the refused statement stored nothing
    admin.execute("ALTER ROLE cr CREATEROLE")
    cr.execute(text)
    cr.execute(text)
    cr.execute("SET ROLE w")  # the identity changes: decided again, as w
    assert _refusal(cr, text) == refused
    cr.execute("RESET ROLE")
    cr.execute(text)
    assert cr.catalog.salts_drawn == drawn + 3


def _twin_clusters(major: int, created_by_cr: str) -> tuple[Session, Session]:
    """Two clusters in the same state (rdsadmin sessions): a CREATEROLE role cr, and what
    ``created_by_cr`` creates as cr (on 16, cr then holds ADMIN OPTION on it)."""
    twins = []
    for _ in range(2):
        setup = new_session(major)
        setup.execute("CREATE ROLE cr LOGIN CREATEROLE")
        Session(setup._db, setup._config, "cr").execute(created_by_cr)
        twins.append(setup)
    return twins[0], twins[1]


#: (session, statement): two sessions on one cluster, so that one changes what the other's
#: remembered password change must keep (a PASSWORD replay keeps the VALID UNTIL of now).
TWO_SESSIONS = [
    ("a", "ALTER ROLE t PASSWORD 'p1'"),
    ("a", "ALTER ROLE t PASSWORD 'p1'"),
    ("b", "ALTER ROLE t VALID UNTIL '2033-01-01'"),
    ("a", "ALTER ROLE t PASSWORD 'p1'"),
    ("b", "ALTER ROLE t PASSWORD 'p9'"),
    ("a", "ALTER ROLE t PASSWORD 'p1'"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("b", "ALTER ROLE t PASSWORD 'p8'"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("b", "SET password_encryption = 'md5'"),
    ("b", "ALTER ROLE t PASSWORD 'p7'"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("b", "ALTER ROLE t RENAME TO t2"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("b", "ALTER ROLE t2 RENAME TO t"),
    ("a", "ALTER ROLE t VALID UNTIL 'infinity'"),
    ("a", "ALTER ROLE t PASSWORD 'p1' VALID UNTIL '2040-01-01'"),
    ("a", "ALTER ROLE t PASSWORD 'p1' VALID UNTIL '2040-01-01'"),
    ("b", "ALTER ROLE t NOLOGIN"),
    ("a", "ALTER ROLE t PASSWORD 'p1' VALID UNTIL '2040-01-01'"),
    ("b", "ALTER ROLE t PASSWORD NULL"),
    ("a", "ALTER ROLE t PASSWORD 'p1' VALID UNTIL '2040-01-01'"),
]


@pytest.mark.parametrize("major", [15, 16])
@pytest.mark.parametrize("user", ["rdsadmin", "cr"])
def test_replays_across_sessions_match_checked_runs(major: int, user: str) -> None:
    """Each statement against the same cluster state: run by one of two long-lived sessions
    (which replay), and by a new session each time (which never does)."""
    replaying, checked = _twin_clusters(major, "CREATE ROLE t LOGIN")
    sessions = {name: Session(replaying._db, replaying._config, user) for name in "ab"}
    gucs: dict[str, list[str]] = {"a": [], "b": []}
    for name, sql in TWO_SESSIONS:
        fresh = Session(checked._db, checked._config, user)
        for earlier in gucs[name]:
            fresh.execute(earlier)
        if sql.startswith("SET "):
            gucs[name].append(sql)
        assert _outcome(sessions[name], sql, wrap=False) == _outcome(fresh, sql, wrap=False), sql
        assert replaying.catalog == checked.catalog, sql


def test_each_replayed_scram_change_draws_the_next_salt() -> None:
    session = new_session(15)
    session.execute("CREATE ROLE s LOGIN")
    secrets = []
    for _ in range(4):
        session.execute("ALTER ROLE s PASSWORD 'same-password'")
        secrets.append(
            session.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 's'").value
        )
    assert len(set(secrets)) == 4
    assert all(str(secret).startswith("SCRAM-SHA-256$4096:") for secret in secrets)
    fresh = new_session(15)  # the same salts, drawn by checked runs in a new session each
    fresh.execute("CREATE ROLE s LOGIN")
    for expected in secrets:
        Session(fresh._db, fresh._config, "rdsadmin").execute(
            "ALTER ROLE s PASSWORD 'same-password'"
        )
        assert (
            fresh.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 's'").value == expected
        )


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


# -- random interleavings: every memo and replay against the general path ------------------

_NAMES = ["t", "u", "w", "cr", "gone"]
_name = hst.sampled_from(_NAMES)
_secret = hst.sampled_from(["'p1'", "'p2'", "NULL", "''", "'md50123456789abcdef0123456789abcdef'"])
_until = hst.sampled_from(["'2031-01-01'", "'infinity'", "'2040-06-30 12:00:00+02'"])
_attribute = hst.sampled_from(
    ["LOGIN", "NOLOGIN", "CREATEROLE", "NOCREATEROLE", "INHERIT", "NOINHERIT", "CREATEDB"]
)
_statement = hst.one_of(
    hst.builds("ALTER ROLE {} PASSWORD {}".format, _name, _secret),
    hst.builds("ALTER ROLE {} PASSWORD {} VALID UNTIL {}".format, _name, _secret, _until),
    hst.builds("ALTER ROLE {} VALID UNTIL {}".format, _name, _until),
    hst.builds("ALTER ROLE {} {}".format, _name, _attribute),
    hst.builds("ALTER ROLE {} {} PASSWORD {}".format, _name, _attribute, _secret),
    hst.builds("ALTER ROLE {} RENAME TO {}".format, _name, _name),
    hst.builds("CREATE ROLE {} LOGIN".format, _name),
    hst.builds("CREATE ROLE {} PASSWORD {}".format, _name, _secret),
    hst.builds("DROP ROLE IF EXISTS {}".format, _name),
    hst.builds("DROP ROLE {}".format, _name),
    hst.builds("SELECT pg_has_role('{}', 'MEMBER')".format, _name),
    hst.builds("SELECT pg_has_role('{}', '{}', 'USAGE')".format, _name, _name),
    hst.builds("CREATE ROLE {} SUPERUSER".format, _name),
    hst.builds("ALTER ROLE {} SET work_mem = '1MB'".format, _name),
    hst.builds("ALTER TABLE tb OWNER TO {}".format, _name),
    hst.builds("GRANT SELECT ON tb TO {}".format, _name),
    hst.builds("GRANT {} TO {} GRANTED BY {}".format, _name, _name, _name),
    hst.sampled_from(["CREATE TABLE tb (x int)", "DROP TABLE tb"]),
    hst.builds("GRANT {} TO {}".format, _name, _name),
    hst.builds("GRANT {} TO {} WITH ADMIN OPTION".format, _name, _name),
    hst.builds("REVOKE {} FROM {}".format, _name, _name),
    hst.builds("SET ROLE {}".format, _name),
    hst.just("RESET ROLE"),
    hst.builds("SET SESSION AUTHORIZATION {}".format, _name),
    hst.sampled_from(["RESET SESSION AUTHORIZATION", "SHOW role", "SHOW session_authorization"]),
    hst.sampled_from(
        [
            "SET password_encryption = 'md5'",
            "SET password_encryption = 'scram-sha-256'",
            "SET createrole_self_grant = 'set, inherit'",
            "SELECT current_user",
            "SELECT session_user, current_role, 1 AS one",
            "SELECT ssl_is_used()",
            "SELECT rolname, rolpassword, rolvaliduntil FROM pg_authid ORDER BY rolname",
        ]
    ),
)
#: A few statements, then a script of them: repeats (what the memos remember) are the rule.
_steps = hst.lists(_statement, min_size=1, max_size=4, unique=True).flatmap(
    lambda vocabulary: hst.lists(
        hst.tuples(hst.sampled_from("ab"), hst.sampled_from(vocabulary)), min_size=1, max_size=30
    )
)


_PW = "ALTER ROLE t PASSWORD 'p1'"
_THERE, _BACK = "ALTER ROLE t RENAME TO w", "ALTER ROLE w RENAME TO t"
#: a's renames, repeated until a replay answers, then b's change, then a's rename again.
_RENAMES = [("a", _THERE), ("a", _BACK), ("a", _THERE), ("a", _BACK), ("a", _THERE), ("a", _BACK)]
_CREATES = [("a", "CREATE ROLE n"), ("a", "DROP ROLE n")] * 3
#: a's creates and drops until both replay, then a's CREATE again; then b's change, a's DROP.
_AGAIN, _DROP = [*_CREATES, ("a", "CREATE ROLE n")], ("a", "DROP ROLE n")


#: a failing statement, repeated until its failure is remembered (replay.Failed)
_FAILS = [("a", "DROP ROLE n")] * 3
_DENIED = [("a", "CREATE ROLE n CREATEDB")] * 3


def _then(steps: list[tuple[str, str]], *more: tuple[str, str]) -> list[tuple[str, str]]:
    return [*steps, *more]


@settings(max_examples=500, deadline=None, derandomize=True)
@example(15, ("rdsadmin", "rdsadmin"), [("a", _PW), ("b", "DROP ROLE IF EXISTS t"), ("a", _PW)])
@example(16, ("cr", "cr"), [("a", _PW), ("b", "ALTER ROLE t VALID UNTIL 'infinity'"), ("a", _PW)])
@example(15, ("cr", "rdsadmin"), [("a", _PW), ("b", "ALTER ROLE cr NOCREATEROLE"), ("a", _PW)])
@example(16, ("cr", "rdsadmin"), [("a", _PW), ("b", "REVOKE t FROM cr"), ("a", _PW)])
@example(16, ("cr", "rdsadmin"), _then(_RENAMES, ("b", "REVOKE t FROM cr"), ("a", _THERE)))
@example(
    15, ("cr", "rdsadmin"), _then(_RENAMES, ("b", "ALTER ROLE cr NOCREATEROLE"), ("a", _THERE))
)
@example(
    15,
    ("rdsadmin", "rdsadmin"),
    _then(
        _RENAMES,
        ("b", "SET password_encryption = 'md5'"),
        ("b", "ALTER ROLE t PASSWORD 'p2' VALID UNTIL 'infinity'"),
        ("a", _THERE),
        ("a", _BACK),
    ),
)
@example(
    16,
    ("cr", "rdsadmin"),
    _then(_CREATES, ("b", "ALTER ROLE cr NOCREATEROLE"), ("a", "CREATE ROLE n")),
)
@example(16, ("cr", "rdsadmin"), _then(_CREATES, ("b", "CREATE ROLE n"), ("a", "CREATE ROLE n")))
@example(15, ("cr", "rdsadmin"), _then(_AGAIN, ("b", "ALTER ROLE cr NOCREATEROLE"), _DROP))
@example(15, ("cr", "rdsadmin"), _then(_AGAIN, ("b", "ALTER ROLE n SUPERUSER"), _DROP))
@example(15, ("rdsadmin", "cr"), _then(_AGAIN, ("b", "GRANT n TO cr"), _DROP))
@example(
    15, ("rdsadmin", "rdsadmin"), _then(_AGAIN, ("b", "ALTER ROLE n SET work_mem = 64"), _DROP)
)
@example(
    15,
    ("rdsadmin", "rdsadmin"),
    _then(_AGAIN, ("b", "CREATE TABLE tb (x int)"), ("b", "ALTER TABLE tb OWNER TO n"), _DROP),
)
@example(
    16,
    ("rdsadmin", "rdsadmin"),
    _then(_AGAIN, ("b", "DROP ROLE n"), ("b", "ALTER ROLE u RENAME TO n"), _DROP),
)
@example(16, ("cr", "rdsadmin"), _then(_CREATES, ("b", "CREATE ROLE n"), _DROP))
@example(15, ("rdsadmin", "rdsadmin"), _then(_AGAIN, ("b", "GRANT t TO n"), _DROP))
@example(
    15,
    ("rdsadmin", "rdsadmin"),
    [
        ("b", "CREATE TABLE tb (x int)"),
        ("b", "ALTER TABLE tb OWNER TO u"),
        *_AGAIN,
        ("b", "DROP ROLE n"),
        ("b", "ALTER ROLE u RENAME TO n"),
        _DROP,
    ],
)
@example(16, ("cr", "rdsadmin"), _then(_AGAIN, ("b", "REVOKE n FROM cr"), _DROP))
@example(15, ("rdsadmin", "rdsadmin"), _then(_FAILS, ("b", "CREATE ROLE n"), ("a", "DROP ROLE n")))
@example(16, ("cr", "rdsadmin"), _then(_DENIED, ("b", "ALTER ROLE cr CREATEDB"), _DENIED[0]))
@example(16, ("cr", "cr"), _then(_AGAIN, ("b", "GRANT n TO t"), _DROP))
@given(
    major=hst.sampled_from([15, 16]),
    users=hst.tuples(hst.sampled_from(["rdsadmin", "cr"]), hst.sampled_from(["rdsadmin", "cr"])),
    steps=_steps,
)
def test_random_interleavings_match_the_general_path(
    major: int, users: tuple[str, str], steps: list[tuple[str, str]]
) -> None:
    """Two sessions on one cluster run each statement on its own (where the memos and
    replays answer); two sessions on a twin cluster run it inside BEGIN/COMMIT (the general
    statement loop, which remembers nothing). Every outcome and the catalog after each
    step must be equal."""
    fast_cluster, general_cluster = _twin_clusters(major, "CREATE ROLE t LOGIN; CREATE ROLE u")
    fast = {
        n: Session(fast_cluster._db, fast_cluster._config, u)
        for n, u in zip("ab", users, strict=True)
    }
    general = {
        n: Session(general_cluster._db, general_cluster._config, u)
        for n, u in zip("ab", users, strict=True)
    }
    for who, sql in steps:
        got = _outcome(fast[who], sql, wrap=False)
        assert got == _outcome(general[who], sql, wrap=True), (who, sql)
        assert fast_cluster.catalog == general_cluster.catalog, (who, sql)


def test_a_remembered_failure_is_raised_afresh_each_time() -> None:
    """replay.Failed raises a new error object each time, of the same class and fields, with
    nothing a caller added to an earlier one (a note, a traceback)."""
    session = new_session(16)
    session.execute("CREATE ROLE n")
    errors = []
    for _ in range(4):  # the third and fourth come from the memo
        with pytest.raises(PostgresError) as caught:
            session.execute("CREATE ROLE n LOGIN")
        caught.value.add_note("a caller's note")
        errors.append(caught.value)
    first, remembered = errors[0], errors[3]
    assert remembered is not errors[2]
    assert type(remembered) is type(first)
    assert (remembered.sqlstate, remembered.message, remembered.args) == (
        first.sqlstate,
        first.message,
        first.args,
    )
    assert remembered.__notes__ == ["a caller's note"]  # only the note added to it
    assert len(list(_frames(remembered))) == len(list(_frames(errors[2])))


def _frames(error: BaseException) -> Any:
    tb = error.__traceback__
    while tb is not None:
        yield tb
        tb = tb.tb_next
