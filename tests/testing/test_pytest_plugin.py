"""The pytest plugin: cheap to load, and its fixtures work in a test suite (run by pytester)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "aurora_sec.testing.pytest_plugin"


def _plugin_args() -> list[str]:
    """``-p PLUGIN`` unless an installed pytest11 entry point loads it already."""
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", PLUGIN])


def _run(pytester: pytest.Pytester, source: str, passed: int) -> None:
    pytester.makepyfile(source)
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=passed)


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest; before = set(sys.modules); import " + PLUGIN + "; "
        "print(sorted(m for m in set(sys.modules) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = eval(out)  # a list literal printed by the child
    assert set(loaded) <= {"aurora_sec", "aurora_sec.testing", PLUGIN}, loaded


def test_account_and_ca_bundle(pytester: pytest.Pytester) -> None:
    _run(
        pytester,
        """
        import aurora_sec

        def test_account(aurora_account):
            assert isinstance(aurora_account, aurora_sec.Account)
            assert aurora_account.seed == 0
            assert aurora_account.client("rds").describe_db_clusters()["DBClusters"] == []

        def test_bundle(rds_ca_bundle, aurora_account):
            assert isinstance(rds_ca_bundle, bytes)
            assert rds_ca_bundle.startswith(b"-----BEGIN CERTIFICATE-----")
            assert rds_ca_bundle == aurora_account.ca_bundle_pem()
        """,
        passed=2,
    )


def test_accounts_are_fresh_per_test(pytester: pytest.Pytester) -> None:
    _run(
        pytester,
        """
        def test_one(aurora_cluster):
            aurora_cluster(identifier="prod")

        def test_two(aurora_cluster, aurora_account):
            assert aurora_account.client("rds").describe_db_clusters()["DBClusters"] == []
            aurora_cluster(identifier="prod")  # the same name again: no DBClusterAlreadyExists
        """,
        passed=2,
    )


def test_cluster_runs_with_every_requested_parameter(pytester: pytest.Pytester) -> None:
    _run(
        pytester,
        """
        import pytest
        import aurora_sec

        def test_static_and_dynamic(aurora_cluster):
            prod = aurora_cluster(
                engine_version="15.4",
                parameters={"rds.restrict_password_commands": "1", "rds.force_ssl": "1"},
            )
            assert prod.identifier == "prod"
            assert prod.endpoint.startswith("prod.cluster-")
            assert prod.reader_endpoint.startswith("prod.cluster-ro-")
            assert prod.config.restrict_password_commands
            assert prod.config.force_ssl
            s = prod.session()
            assert s.execute("SHOW rds.restrict_password_commands").value == "on"
            assert s.execute("SELECT current_user").value == "postgres"
            s.execute("CREATE ROLE manager LOGIN CREATEROLE")
            with pytest.raises(aurora_sec.PostgresError) as err:
                prod.session("manager").execute("CREATE ROLE x PASSWORD 'p'")
            assert err.value.message == "must be a member of rds_password to alter passwords"

        def test_defaults(aurora_cluster):
            prod = aurora_cluster()
            assert str(prod.config.engine_version) == "16.4"
            assert not prod.config.force_ssl
            assert not prod.config.restrict_password_commands
            assert prod.account.client("rds").describe_db_instances()["DBInstances"][0][
                "DBInstanceClass"
            ] == "db.r6g.large"
        """,
        passed=2,
    )


def test_client_factory_connects_with_the_bundle(pytester: pytest.Pytester) -> None:
    _run(
        pytester,
        """
        import pytest
        import aurora_sec

        def test_verify_full(aurora_cluster, aurora_client):
            prod = aurora_cluster(parameters={"rds.force_ssl": "1"})
            laptop = aurora_client()
            assert laptop.ip == "203.0.113.10"
            conn = laptop.connect(prod.dsn(sslmode="verify-full"))
            assert conn.ssl is not None
            assert conn.execute("SELECT current_user").value == "postgres"
            with pytest.raises(aurora_sec.ConnectionFailed) as err:
                laptop.connect(prod.dsn(sslmode="disable"))
            assert "no pg_hba.conf entry" in str(err.value)

        def test_outside_the_security_group(aurora_cluster, aurora_client):
            prod = aurora_cluster(security_group_cidrs=["10.0.0.0/8"])
            with pytest.raises(aurora_sec.ConnectionFailed) as err:
                aurora_client().connect(prod.dsn(connect_timeout="2"))
            assert str(err.value).endswith("timeout expired")
            assert aurora_client(ip="10.1.2.3").connect(prod.dsn()).ssl is not None

        def test_pgjdbc(aurora_cluster, aurora_client):
            prod = aurora_cluster()
            client = aurora_client(driver="pgjdbc")
            conn = client.connect(
                f"jdbc:postgresql://{prod.endpoint}:5432/postgres",
                user="postgres", password=prod.master_password,
            )
            assert conn.execute("SELECT current_user").value == "postgres"
        """,
        passed=3,
    )


def test_a_failing_fixture_user_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_bad_version(aurora_cluster):
            aurora_cluster(engine_version="9.6")
        """
    )
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AwsError*"])
