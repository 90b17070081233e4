"""The hypothesis strategies: everything they draw is accepted by the library it targets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from pglast import ast, parse_sql
from pglast.enums import RoleSpecType
from pglast.stream import RawStream
from pglast.visitors import Visitor

import aurora_sec
from aurora_sec.aws.account import Account
from aurora_sec.catalog import engine_versions as catalog_versions
from aurora_sec.catalog import parameters as catalog_parameters
from aurora_sec.sql import statements as stmts
from aurora_sec.testing import strategies as aurora_st
from aurora_sec.versions import EngineVersion

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _Gates(Visitor):
    """The version-gated constructs a statement uses, with the token the old grammar fails on."""

    def __init__(self) -> None:
        self.tokens: dict[int, set[str]] = {}

    def _add(self, first_major: int, token: str) -> None:
        self.tokens.setdefault(first_major, set()).add(token)

    def visit_RoleSpec(self, _ancestors: Any, node: ast.RoleSpec) -> None:  # noqa: N802
        if node.roletype == RoleSpecType.ROLESPEC_CURRENT_ROLE:
            self._add(14, "CURRENT_ROLE")

    def visit_GrantRoleStmt(self, _ancestors: Any, node: ast.GrantRoleStmt) -> None:  # noqa: N802
        opts = list(node.opt or ())
        if node.is_grant and opts:
            first = opts[0]
            if first.defname != "admin":
                self._add(16, first.defname.upper())  # WITH INHERIT ...
            elif not first.arg.boolval:
                self._add(16, "FALSE")  # WITH ADMIN FALSE
            elif len(opts) > 1:
                self._add(16, ",")  # WITH ADMIN OPTION, SET ...
        elif not node.is_grant and opts and opts[0].defname != "admin":
            self._add(16, "OPTION")


def _gates(sql: str) -> dict[int, set[str]]:
    visitor = _Gates()
    visitor(parse_sql(sql))
    return visitor.tokens


@SETTINGS
@given(sql=aurora_st.role_statements(), version=aurora_st.engine_versions())
def test_role_statements_classify_or_hit_a_version_gate(sql: str, version: str) -> None:
    major = EngineVersion.parse(version).major
    closed = {first: tokens for first, tokens in _gates(sql).items() if major < first}
    try:
        (statement,) = aurora_sec.classify(sql, version)
    except aurora_sec.PostgresError as err:
        assert closed, (sql, version, err)
        assert err.sqlstate == "42601"
        assert err.message.startswith("syntax error at or near ")
        token = err.message.removeprefix("syntax error at or near ").strip('"')
        gated_tokens = set().union(*closed.values())
        assert token in gated_tokens, (sql, err.message)
        return
    assert not closed, (sql, version, statement)
    assert statement.text == sql
    assert isinstance(
        statement,
        stmts.CreateRole
        | stmts.AlterRole
        | stmts.GrantRole
        | stmts.RevokeRole
        | stmts.DropRole
        | stmts.RenameRole
        | stmts.Unmodelled,
    ), (sql, statement)


@SETTINGS
@given(data=st.data(), version=aurora_st.engine_versions())
def test_role_statements_for_a_version_always_classify(data: st.DataObject, version: str) -> None:
    sql = data.draw(aurora_st.role_statements(engine_version=version))
    (statement,) = aurora_sec.classify(sql, version)
    assert statement.tag in ("CREATE ROLE", "ALTER ROLE", "GRANT ROLE", "REVOKE ROLE", "DROP ROLE")


WORDS = (
    "CREATE ROLE", "CREATE USER", "CREATE GROUP", "ALTER ROLE", "ALTER GROUP", "DROP ROLE",
    "GRANT", "REVOKE", "SUPERUSER", "NOSUPERUSER", "CREATEDB", "NOCREATEDB", "CREATEROLE",
    "NOCREATEROLE", "INHERIT", "NOINHERIT", "LOGIN", "NOLOGIN", "REPLICATION",
    "NOREPLICATION", "BYPASSRLS", "NOBYPASSRLS", "CONNECTION LIMIT", "PASSWORD '",
    "PASSWORD NULL", "VALID UNTIL", "IN ROLE", " ROLE ", "ADMIN ", "SYSID", "CURRENT_USER",
    "CURRENT_ROLE", "SESSION_USER", "PUBLIC", "GRANTED BY", "WITH ADMIN", "WITH INHERIT",
    "WITH SET", "ADMIN OPTION FOR", "INHERIT OPTION FOR", "SET OPTION FOR", "CASCADE",
    "IF EXISTS", "RENAME TO", "ADD USER", "DROP USER",
)  # fmt: skip


class _Found(Exception):
    pass


def _reaches(predicate: Callable[[str], bool]) -> bool:
    """Does role_statements() draw a statement with ``predicate`` within 3000 examples?"""

    @settings(max_examples=3000, database=None, phases=[Phase.generate], deadline=None)
    @given(aurora_st.role_statements())
    def search(sql: str) -> None:
        if predicate(sql):
            raise _Found(sql)

    try:
        search()
    except _Found:
        return True
    return False


@pytest.mark.parametrize("word", WORDS)
def test_role_statements_reach_every_kind_and_option(word: str) -> None:
    assert _reaches(lambda sql: word in sql)


@pytest.mark.parametrize(
    "message",
    ['syntax error at or near "CURRENT_ROLE"', 'syntax error at or near "OPTION"'],
)
def test_role_statements_reach_the_gates_of_13(message: str) -> None:
    def fails_with(sql: str) -> bool:
        try:
            aurora_sec.classify(sql, "13.9")
        except aurora_sec.PostgresError as err:
            return err.message == message
        return False

    assert _reaches(fails_with)


@SETTINGS
@given(name=aurora_st.role_names())
def test_role_names_are_grammatical_role_names(name: str) -> None:
    (statement,) = aurora_sec.classify(str(RawStream()(ast.CreateRoleStmt(role=name))), "16.4")
    assert isinstance(statement, stmts.CreateRole)
    assert 1 <= len(name) <= 70
    # the server keeps at most 63 bytes of a name and says so in a NOTICE
    truncated = len(name.encode()) > 63
    assert bool(statement.parse_notices) == truncated, (name, statement.parse_notices)


def test_engine_versions_are_available_ones() -> None:
    @settings(max_examples=100, deadline=None, database=None)
    @given(aurora_st.engine_versions())
    def check(version: str) -> None:
        info = catalog_versions.lookup_available(version)
        assert info is not None

    check()
    with pytest.raises(ValueError, match="no engine version"):
        aurora_st.engine_versions(majors=[10])
    old = find(aurora_st.engine_versions(majors=[10], include_deprecated=True), lambda _v: True)
    assert old.startswith("10.")


def _group(acct: Account, family: str) -> str:
    acct.client("rds").create_db_cluster_parameter_group(
        DBClusterParameterGroupName="custom", DBParameterGroupFamily=family, Description="d"
    )
    return "custom"


@SETTINGS
@given(entry=aurora_st.parameter_settings(), family=st.sampled_from(catalog_versions.FAMILIES))
def test_parameter_settings_are_accepted_by_every_family(
    entry: dict[str, str], family: str
) -> None:
    acct = Account(seed=0)
    rds = acct.client("rds")
    group = _group(acct, family)
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[entry])
    shown = {
        p["ParameterName"]: p
        for p in rds.describe_db_cluster_parameters(
            DBClusterParameterGroupName=group, Source="user"
        )["Parameters"]
    }
    assert shown[entry["ParameterName"]]["ParameterValue"] == entry["ParameterValue"]
    assert shown[entry["ParameterName"]]["ApplyMethod"] == entry["ApplyMethod"]


@SETTINGS
@given(data=st.data(), version=aurora_st.engine_versions(majors=[16, 17]))
def test_parameter_settings_of_a_family(data: st.DataObject, version: str) -> None:
    family = EngineVersion.parse(version).family
    entry = data.draw(aurora_st.parameter_settings(family))
    assert catalog_parameters.lookup(entry["ParameterName"], family, "cluster") is not None
    acct = Account(seed=0)
    acct.client("rds").modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=_group(acct, family), Parameters=[entry]
    )


def test_parameter_settings_reach_version_specific_parameters() -> None:
    names: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(aurora_st.parameter_settings("aurora-postgresql16"))
    def collect(entry: dict[str, str]) -> None:
        names.add(entry["ParameterName"])

    collect()
    assert {"createrole_self_grant", "rds.force_ssl", "rds.restrict_password_commands"} <= names
    assert "ssl_cert_file" not in names  # not modifiable


@SETTINGS
@given(document=aurora_st.iam_policies())
def test_iam_policies_are_accepted_by_create_policy(document: str) -> None:
    acct = Account(seed=0)
    iam = acct.client("iam")
    policy = iam.create_policy(PolicyName="generated", PolicyDocument=document)["Policy"]
    assert policy["Arn"] == "arn:aws:iam::123456789012:policy/generated"
    parsed = json.loads(document)
    assert parsed["Version"] == "2012-10-17"
    for statement in parsed["Statement"]:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            assert action.startswith(("rds:", "rds-db:"))


PASSWORD = "correct-horse-battery"


def _world(version: str = "16.4") -> tuple[Account, str]:
    acct = Account(seed=0)
    ec2, rds = acct.client("ec2"), acct.client("rds")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    )
    endpoint = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion=version,
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        VpcSecurityGroupIds=[sg],
    )["DBCluster"]["Endpoint"]
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return acct, endpoint


@pytest.fixture(scope="module")
def world() -> tuple[Account, str]:
    return _world()


@pytest.mark.parametrize("driver", ["libpq", "pgjdbc"])
def test_connection_strings_connect_or_fail_as_the_driver_does(
    driver: str, world: tuple[Account, str]
) -> None:
    acct, host = world
    client = aurora_sec.Client(
        acct,
        ip="203.0.113.10",
        driver=driver,  # type: ignore[arg-type]
        files={"global-bundle.pem": acct.ca_bundle_pem()},
    )
    outcomes: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(aurora_st.connection_strings(host, driver=driver, password=PASSWORD))
    def check(dsn: str) -> None:
        try:
            conn = client.connect(dsn)
        except aurora_sec.ConnectionFailed as err:
            # without a root certificate, verify-* modes fail; nothing else may
            assert "verify-" in dsn and "sslrootcert" not in dsn, (dsn, str(err))
            assert PASSWORD not in str(err)
            outcomes.add("failed")
            return
        assert conn.execute("SELECT current_user").value == "postgres"
        plain_first = any(f"sslmode={m}" in dsn for m in ("disable", "allow"))
        assert (conn.ssl is None) == plain_first, dsn
        outcomes.add("ssl" if conn.ssl is not None else "plain")

    check()
    assert {"ssl", "plain"} <= outcomes


@given(st.from_type(EngineVersion))
def test_from_type_draws_catalogue_versions(version: EngineVersion) -> None:
    """The hypothesis entry point registers EngineVersion with catalogue versions."""
    assert str(version) in {info.engine_version for info in catalog_versions.VERSIONS}


def test_strategies_import_first_without_cycle() -> None:
    """Importing the strategies before hypothesis runs the entry-point hook mid-import."""
    import subprocess
    import sys

    code = "import aurora_sec.testing.strategies as s; print(s.engine_versions().example())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert str(EngineVersion.parse(done.stdout.strip())) == done.stdout.strip()
