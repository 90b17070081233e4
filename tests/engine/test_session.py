"""Sessions: transactions, the Aurora rules through the control plane, and the seed's story."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from tests.conformance.emulated import new_session
from tests.conformance.outcomes import text_value
from tests.oracle.servers import PgServer


def _cluster(acct: Account, version: str = "15.4", **extra: Any) -> RdsClient:
    rds = acct.client("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily=f"aurora-postgresql{version.split('.')[0]}",
        Description="d",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion=version,
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        DBClusterParameterGroupName="g",
        **extra,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return rds


def _restrict_password_commands(rds: Any) -> None:
    """Set rds.restrict_password_commands = 1 in the cluster parameter group "g" (static:
    it applies at the next reboot)."""
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {
                "ParameterName": "rds.restrict_password_commands",
                "ParameterValue": "1",
                "ApplyMethod": "pending-reboot",
            }
        ],
    )


def _error(session: Any, sql: str) -> PostgresError:
    with pytest.raises(PostgresError) as info:
        session.execute(sql)
    return info.value


def test_master_user_and_bootstrap_roles(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    assert s.execute("SELECT current_user, session_user").rows == (("postgres", "postgres"),)
    assert s.execute("SELECT pg_has_role('rds_superuser', 'MEMBER')").value == "t"
    assert s.execute("SELECT rolname FROM pg_roles WHERE rolname = 'rdsadmin'").value == "rdsadmin"
    err = _error(s, "SELECT rolpassword FROM pg_authid")
    assert (err.sqlstate, err.message) == ("42501", "permission denied for table pg_authid")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DROP ROLE rdsadmin", "must be superuser to drop superusers"),
        ("ALTER ROLE rdsadmin RENAME TO x", "must be superuser to rename superusers"),
        (
            "ALTER ROLE rdsadmin PASSWORD 'x'",
            "must be superuser to alter superuser roles or change superuser attribute",
        ),
        (
            "ALTER ROLE postgres SUPERUSER",
            "must be superuser to alter superuser roles or change superuser attribute",
        ),
        ("CREATE ROLE evil SUPERUSER", "must be superuser to create superusers"),
    ],
)
def test_rdsadmin_is_protected_on_15(acct: Account, sql: str, message: str) -> None:
    _cluster(acct)
    err = _error(acct.session("prod"), sql)
    assert (err.sqlstate, err.message) == ("42501", message)


def test_rdsadmin_is_protected_on_16(acct: Account) -> None:
    _cluster(acct, "16.4")
    err = _error(acct.session("prod"), "DROP ROLE rdsadmin")
    assert (err.message, err.detail) == (
        "permission denied to drop role",
        "Only roles with the SUPERUSER attribute may drop roles with the SUPERUSER attribute.",
    )


def test_restricted_password_management_end_to_end(acct: Account) -> None:
    rds = _cluster(acct)
    s = acct.session("prod")
    s.execute("CREATE ROLE app LOGIN PASSWORD 'one'")
    s.execute("CREATE ROLE manager LOGIN CREATEROLE")
    _restrict_password_commands(rds)
    # static: nothing changes until the reboot
    s.execute("ALTER ROLE app PASSWORD 'two'")
    assert s.execute("SHOW rds.restrict_password_commands").value == "off"
    rds.reboot_db_instance(DBInstanceIdentifier="prod-1")
    assert s.execute("SHOW rds.restrict_password_commands").value == "on"
    manager = acct.session("prod", "manager")
    for sql in (
        "ALTER ROLE app PASSWORD 'three'",
        "ALTER ROLE app VALID UNTIL '2030-01-01'",
        "CREATE ROLE x PASSWORD 'p'",
        "CREATE ROLE y VALID UNTIL 'infinity'",
        "ALTER ROLE manager PASSWORD 'mine'",
    ):
        err = _error(manager, sql)
        assert (err.sqlstate, err.message) == (
            "42501",
            "must be a member of rds_password to alter passwords",
        ), sql
    manager.execute("CREATE ROLE z LOGIN")  # no password: not restricted
    s.execute(
        "ALTER ROLE app PASSWORD 'three'"
    )  # the master user is in rds_superuser -> rds_password
    s.execute("GRANT rds_password TO manager")
    manager.execute("ALTER ROLE app PASSWORD 'four'")


def test_rename_is_restricted_only_for_md5_passwords(acct: Account) -> None:
    rds = _cluster(acct)
    s = acct.session("prod")
    s.execute("SET password_encryption = 'md5'; CREATE ROLE m1 LOGIN PASSWORD 'x'")
    s.execute("SET password_encryption = 'scram-sha-256'; CREATE ROLE s1 LOGIN PASSWORD 'x'")
    s.execute("CREATE ROLE manager LOGIN CREATEROLE")
    _restrict_password_commands(rds)
    rds.reboot_db_cluster(DBClusterIdentifier="prod")
    manager = acct.session("prod", "manager")
    err = _error(manager, "ALTER ROLE m1 RENAME TO m2")
    assert err.message == "must be a member of rds_password to alter passwords"
    assert manager.execute("ALTER ROLE s1 RENAME TO s2").tag == "ALTER ROLE"


def test_simple_query_string_is_one_transaction(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    err = _error(s, "CREATE ROLE a; CREATE ROLE b; CREATE ROLE a")
    assert err.sqlstate == "42710"
    assert s.execute("SELECT count(*) > 0 FROM pg_roles WHERE rolname IN ('a', 'b')").value == "f"


def test_explicit_transaction_and_aborted_state(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    other = acct.session("prod")
    s.execute("BEGIN")
    s.execute("CREATE ROLE t1")
    assert other.execute("SELECT count(*) FROM pg_roles WHERE rolname = 't1'").value == "0"
    _error(s, "CREATE ROLE t1")
    err = _error(s, "CREATE ROLE t2")
    assert (err.sqlstate, err.message) == (
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
    assert s.execute("COMMIT").tag == "ROLLBACK"
    assert other.execute("SELECT count(*) FROM pg_roles WHERE rolname = 't1'").value == "0"
    s.execute("BEGIN; CREATE ROLE t3; SAVEPOINT sp; CREATE ROLE t4")
    _error(s, "CREATE ROLE t4")
    s.execute("ROLLBACK TO SAVEPOINT sp")
    assert s.execute("COMMIT").tag == "COMMIT"
    names = other.execute("SELECT rolname FROM pg_roles WHERE rolname IN ('t3', 't4')").rows
    assert names == (("t3",),)


def test_syntax_error_rejects_the_whole_string(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    err = _error(s, "CREATE ROLE ok1; CREATE ROLE")
    assert (err.sqlstate, err.message) == ("42601", "syntax error at end of input")
    assert s.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'ok1'").value == "0"


def test_sslinfo(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    err = _error(s, "SELECT ssl_is_used()")
    assert (err.sqlstate, err.message, err.position) == (
        "42883",
        "function ssl_is_used() does not exist",
        8,
    )
    assert s.execute("CREATE EXTENSION sslinfo").tag == "CREATE EXTENSION"
    assert s.execute("SELECT ssl_is_used()").value == "f"
    s.execute("CREATE ROLE plain LOGIN")
    err = _error(acct.session("prod", "plain"), "CREATE EXTENSION IF NOT EXISTS pgcrypto")
    assert err.sqlstate in ("0A000", "42501")


def test_rds_iam_and_rds_ad_exclusive(acct: Account) -> None:
    _cluster(acct)
    s = acct.session("prod")
    s.execute("CREATE ROLE u LOGIN; CREATE ROLE grp; GRANT rds_ad TO grp; GRANT grp TO u")
    err = _error(s, "GRANT rds_iam TO u")
    assert err.sqlstate == "42501"
    s.execute("CREATE ROLE v LOGIN; GRANT rds_iam TO v")


def test_master_password_follows_the_control_plane(acct: Account) -> None:
    rds = _cluster(acct)
    s = acct.session("prod", "rdsadmin")
    before = s.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'").value
    assert before is not None and before.startswith("SCRAM-SHA-256$4096:")
    rds.modify_db_cluster(DBClusterIdentifier="prod", MasterUserPassword="another-password")
    after = (
        acct.session("prod", "rdsadmin")
        .execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")
        .value
    )
    assert after != before
    assert "another-password" not in repr(acct.rds.database("prod").catalog)


def test_password_encryption_default_per_version(acct: Account) -> None:
    _cluster(acct, "13.9")
    s = acct.session("prod")
    assert s.execute("SHOW password_encryption").value == "md5"
    assert s.execute("SET password_encryption = 'on'").tag == "SET"  # 11-13 alias


def test_concurrent_transactions_never_lose_a_commit(acct: Account) -> None:
    _cluster(acct)
    first, second, reader = acct.session("prod"), acct.session("prod"), acct.session("prod")
    first.execute("BEGIN; CREATE ROLE from_first")
    second.execute("BEGIN; CREATE ROLE from_second")
    assert reader.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'from_first'").value == "0"
    assert first.execute("COMMIT").tag == "COMMIT"
    # different rows: both commit (tests/engine/test_concurrent_commits.py has PostgreSQL's)
    assert second.execute("COMMIT").tag == "COMMIT"
    names = reader.execute(
        "SELECT rolname FROM pg_roles WHERE rolname IN ('from_first', 'from_second')"
    ).rows
    assert names is not None and sorted(names) == [("from_first",), ("from_second",)]
    # the same row from one thread: PostgreSQL's second writer would wait for ever; here it
    # gets 55P03 at once and its block is aborted (tests/engine/test_row_locks.py)
    first.execute("BEGIN; ALTER ROLE from_second CONNECTION LIMIT 1")
    second.execute("BEGIN")
    err = _error(second, "DROP ROLE from_second")
    assert (err.sqlstate, err.message) == ("55P03", "canceling statement due to lock timeout")
    assert second.execute("COMMIT").tag == "ROLLBACK"
    assert first.execute("COMMIT").tag == "COMMIT"
    limit = reader.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'from_second'")
    assert limit.rows == (("1",),)
    # rows that do not collide, but a statement that cannot be made again on the newer
    # catalog (15 takes no lock on the granted role): the later COMMIT fails, changing nothing
    first.execute("CREATE ROLE another")
    first.execute("BEGIN; GRANT another TO from_first")
    second.execute("DROP ROLE another")
    err = _error(first, "COMMIT")
    assert (err.sqlstate, err.message) == (
        "40001",
        "could not serialize access due to concurrent update",
    )
    assert not first.in_transaction
    members = reader.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'another'")
    assert members.value == "0"
    # a read-only transaction commits whatever others did
    second.execute("BEGIN; SELECT current_user")
    first.execute("CREATE ROLE yet_another")
    assert second.execute("COMMIT").tag == "COMMIT"
    # ... and leaves them in place (its COMMIT used to put back the catalog it began from)
    assert (
        reader.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'yet_another'").value == "1"
    )
    # so does one whose change a savepoint rolled back
    second.execute("BEGIN; SAVEPOINT s; CREATE ROLE rolled_back; ROLLBACK TO SAVEPOINT s")
    first.execute("CREATE ROLE one_more")
    assert second.execute("COMMIT").tag == "COMMIT"
    counted = reader.execute(
        "SELECT count(*) FROM pg_roles WHERE rolname IN ('one_more', 'rolled_back')"
    )
    assert counted.value == "1"


def test_rds_superuser_keeps_rds_password(acct: Account) -> None:
    _cluster(acct)
    err = _error(acct.session("prod"), "REVOKE rds_password FROM rds_superuser")
    assert (err.sqlstate, err.message) == (
        "42501",
        'permission denied to revoke role "rds_password"',
    )
    s = acct.session("prod")
    assert s.execute("SELECT pg_has_role('rds_superuser', 'rds_password', 'MEMBER')").value == "t"


def test_a_commit_inside_a_string_starts_a_new_implicit_transaction(pg: PgServer) -> None:
    """A COMMIT in a simple-query string ends the block; the statements after it form a new
    implicit transaction, which a later error rolls back alone (compared with the server)."""
    script = (
        "BEGIN; CREATE ROLE mq1; COMMIT; CREATE ROLE mq2; SET ROLE mq1; RESET ROLE; CREATE ROLE mq1"
    )
    check = "SELECT rolname FROM pg_roles WHERE rolname IN ('mq1', 'mq2') ORDER BY 1"
    with pg.connect("rdsadmin") as conn:
        conn.autocommit = True
        try:
            conn.execute(script)
        except psycopg.Error as exc:
            real_error = exc.diag.sqlstate
        real_rows = [tuple(row) for row in conn.execute(check).fetchall()]
        real_user = conn.execute("SELECT current_user").fetchone()
        conn.execute("DROP ROLE IF EXISTS mq1, mq2")
    session = new_session(pg.major)
    with pytest.raises(PostgresError) as caught:
        session.execute(script)
    assert caught.value.sqlstate == real_error == "42710"
    assert list(session.execute(check).rows or ()) == real_rows == [("mq1",)]
    assert (session.current_user,) == real_user


#: What a session does after another session dropped the role it runs as.
AFTER_OWN_ROLE_DROPPED = [
    "SELECT current_user",
    "SELECT session_user",
    "ALTER ROLE dr_t PASSWORD 'p1'",
    "ALTER ROLE dr_t VALID UNTIL 'infinity'",
    "ALTER ROLE CURRENT_USER PASSWORD 'x'",
    "ALTER ROLE SESSION_USER NOLOGIN",
    "CREATE ROLE dr_x",
    "ALTER ROLE dr_t RENAME TO dr_t2",
    "GRANT dr_t TO rdsadmin",
    "REVOKE dr_t FROM rdsadmin",
    "SET ROLE dr_t",
    "DROP ROLE dr_t",
    "DROP ROLE IF EXISTS dr_nosuch",
    "SELECT pg_has_role('dr_t', 'MEMBER')",
    "SELECT 1",
    "RESET ROLE",
    "SET password_encryption = md5",
    "SHOW password_encryption",
    "SHOW is_superuser",
    "SHOW session_authorization",
    "BEGIN",
    "COMMIT",
    "SELECT rolname FROM pg_roles WHERE rolname = 'dr_t'",
]


def test_a_session_whose_role_another_session_dropped(pg: PgServer) -> None:
    """The server finds no row for the session's role: no attribute, no membership, and
    "invalid role OID" / "cache lookup failed" where it needs the name (compared with it)."""
    setup = ["CREATE ROLE dr_cr LOGIN CREATEROLE", "CREATE ROLE dr_t LOGIN"]
    if pg.major >= 16:
        setup.append("GRANT dr_t TO dr_cr WITH ADMIN OPTION")

    def outcome(run: Any) -> tuple[Any, ...]:
        try:
            rows = run()
        except psycopg.Error as exc:
            d = exc.diag
            return ("error", d.sqlstate, d.message_primary, d.message_detail, d.message_hint)
        except PostgresError as err:
            return ("error", err.sqlstate, err.message, err.detail, err.hint)
        return ("ok", [tuple(text_value(v) for v in row) for row in rows or ()])

    def masked(result: tuple[Any, ...], oid: int) -> tuple[Any, ...]:
        return tuple(v.replace(str(oid), "<oid>") if isinstance(v, str) else v for v in result)

    real = []
    with pg.connect("rdsadmin") as admin:
        admin.autocommit = True
        for sql in setup:
            admin.execute(sql)
        try:
            real_oid = admin.execute("SELECT oid FROM pg_roles WHERE rolname = 'dr_cr'").fetchone()
            assert real_oid is not None
            with pg.connect("dr_cr") as conn:
                conn.autocommit = True
                admin.execute("DROP ROLE dr_cr")
                for sql in AFTER_OWN_ROLE_DROPPED:

                    def run(sql: str = sql) -> Any:
                        cur = conn.execute(sql)
                        return cur.fetchall() if cur.description else None

                    real.append(masked(outcome(run), real_oid[0]))
        finally:
            admin.execute("DROP ROLE IF EXISTS dr_cr, dr_t, dr_t2, dr_x")
    admin_session = new_session(pg.major)
    admin_session.execute("; ".join(setup))
    role = admin_session.catalog.get("dr_cr")
    assert role is not None
    session = Session(admin_session._db, admin_session._config, "dr_cr")
    admin_session.execute("DROP ROLE dr_cr")
    emulated = []
    for sql in AFTER_OWN_ROLE_DROPPED:

        def run_emulated(sql: str = sql) -> Any:
            return session.execute(sql).rows

        emulated.append(masked(outcome(run_emulated), role.oid))
    assert emulated == real
    assert ("error", "42704", "invalid role OID: <oid>", None, None) in real
    with pytest.raises(PostgresError):
        session.current_user  # noqa: B018 - the property raises as SELECT current_user does


def test_a_remembered_statement_is_decided_again_after_the_configuration_changes(
    acct: Account,
) -> None:
    """A repeated password change is replayed (engine/replay.py) only while the instance's
    configuration is the one it was remembered under: after the reboot that turns
    rds.restrict_password_commands on, the same session's repeat is refused."""
    rds = _cluster(acct)
    acct.session("prod").execute("CREATE ROLE app LOGIN; CREATE ROLE manager LOGIN CREATEROLE")
    manager = acct.session("prod", "manager")
    for _ in range(4):  # noted, remembered, then answered by the replay
        assert manager.execute("ALTER ROLE app VALID UNTIL '2030-01-01'").tag == "ALTER ROLE"
    _restrict_password_commands(rds)
    rds.reboot_db_instance(DBInstanceIdentifier="prod-1")
    err = _error(manager, "ALTER ROLE app VALID UNTIL '2030-01-01'")
    assert (err.sqlstate, err.message) == (
        "42501",
        "must be a member of rds_password to alter passwords",
    )


def test_a_remembered_statement_is_decided_again_for_another_session_user() -> None:
    """ALTER ROLE SESSION_USER, remembered for session user cr, is decided again once the
    session user is rdsadmin (current user cr both times): another target, refused."""
    session = new_session(15)
    session.execute("CREATE ROLE cr LOGIN")
    session.execute("SET SESSION AUTHORIZATION cr")
    text = "ALTER ROLE SESSION_USER PASSWORD 'own-password'"
    for _ in range(4):  # noted, remembered, then answered by the replay
        assert session.execute(text).tag == "ALTER ROLE"
    session.execute("RESET SESSION AUTHORIZATION; SET ROLE cr")
    before = session.catalog
    err = _error(session, text)
    assert err.sqlstate == "42501"
    assert session.catalog == before


def test_role_settings_keep_the_names_a_session_took_on(pg: PgServer) -> None:
    """``SHOW session_authorization`` and ``SHOW role`` print the names as they were when the
    session took the roles on; ``session_user``/``current_user`` look them up again. Another
    session renames both (compared with the server)."""
    reads = [
        "SHOW session_authorization",
        "SHOW role",
        "SELECT session_user, current_user",
        "BEGIN",
        "SET ROLE NONE",
        "SHOW role",
        "ROLLBACK",
        "SHOW role",
    ]
    setup = "CREATE ROLE rn_cr LOGIN CREATEROLE; CREATE ROLE rn_t; GRANT rn_t TO rn_cr"
    renames = ["ALTER ROLE rn_cr RENAME TO rn_cr2", "ALTER ROLE rn_t RENAME TO rn_t2"]
    real = []
    with pg.connect("rdsadmin") as admin:
        admin.autocommit = True
        admin.execute(setup)
        try:
            with pg.connect("rn_cr") as conn:
                conn.autocommit = True
                conn.execute("SET ROLE rn_t")
                for sql in renames:
                    admin.execute(sql)
                for sql in reads:
                    cur = conn.execute(sql)
                    real.append([tuple(row) for row in cur.fetchall()] if cur.description else [])
        finally:
            admin.execute("DROP ROLE IF EXISTS rn_cr, rn_cr2, rn_t, rn_t2")
    admin_session = new_session(pg.major)
    admin_session.execute(setup)
    session = Session(admin_session._db, admin_session._config, "rn_cr")
    session.execute("SET ROLE rn_t")
    for sql in renames:
        admin_session.execute(sql)
    emulated = [list(session.execute(sql).rows or ()) for sql in reads]
    assert emulated == real
    assert real[0] == [("rn_cr",)] and real[2] == [("rn_cr2", "rn_t2")]
