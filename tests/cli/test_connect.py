"""``aurora-sec connect``: the negotiation attempt by attempt, and the driver's exact words."""

from __future__ import annotations

import pytest

from aurora_sec.cli import main
from aurora_sec.cli_commands.connect import fill_host

from .process import run_cli

SEED_FATAL = (
    'FATAL:  no pg_hba.conf entry for host "203.0.113.10", user "postgres", '
    'database "postgres", no encryption'
)
BANNER = "SSL connection (protocol: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, compression: off)"
ROOT_MISSING = 'root certificate file "/home/ec2-user/.postgresql/root.crt" does not exist'
VERIFY_FULL = "host=CLUSTER dbname=postgres user=app password=app-secret-pw sslmode=verify-full"


def test_sslmode_disable_against_force_ssl(capsys: pytest.CaptureFixture[str]) -> None:
    dsn = "host=CLUSTER user=postgres password=correct-horse-battery sslmode=disable"
    assert main(["connect", dsn, "--force-ssl", "--engine-version", "16.4"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "rds.force_ssl=1" in lines[0]
    assert lines[2].startswith("attempt 1: prod.cluster-")
    assert lines[2].endswith(": without encryption")
    assert "  events: fatal:28000" in lines
    assert lines[-2] == "outcome: failed"
    assert lines[-1].startswith('psql: error: connection to server at "prod.cluster-')
    assert lines[-1].endswith(SEED_FATAL)
    assert "correct-horse-battery" not in out


def test_the_same_in_a_child_process() -> None:
    proc = run_cli(
        "connect",
        "host=CLUSTER user=postgres password=correct-horse-battery sslmode=disable",
        "--force-ssl",
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.rstrip().endswith(SEED_FATAL)
    assert "\x1b[" not in proc.stdout


def test_verify_full_with_the_root_certificate(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["connect", VERIFY_FULL, "--force-ssl", "--driver-version", "16"]
    assert main([*args, "--root-cert", "present"]) == 0
    out = capsys.readouterr().out
    assert "  events: ssl-request -> ssl-accepted -> tls:TLSv1.3 -> accepted" in out
    assert out.splitlines()[-2:] == ["outcome: connected over TLS", BANNER]
    assert "app-secret-pw" not in out


def test_verify_full_without_the_root_certificate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connect", VERIFY_FULL, "--driver-version", "16", "--root-cert", "absent"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[-2].startswith("psql: error: connection to server at ")
    assert lines[-2].endswith(f"failed: {ROOT_MISSING}")
    assert lines[-1] == (
        "Either provide the file, use the system's trusted roots with sslrootcert=system, "
        "or change sslmode to disable server certificate verification."
    )


def test_verify_full_with_another_regions_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connect", VERIFY_FULL, "--root-cert", "wrong"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("failed: SSL error: certificate verify failed")


def test_banner_follows_the_psql_version(capsys: pytest.CaptureFixture[str]) -> None:
    dsn = "postgresql://postgres:master-password@/postgres?sslmode=require"
    assert main(["connect", dsn, "--engine-version", "15.4", "--driver-version", "14"]) == 0
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(
            "SSL connection (protocol: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, bits: 256, "
            "compression: off)"
        )
    )


def test_pgjdbc(capsys: pytest.CaptureFixture[str]) -> None:
    url = "jdbc:postgresql://CLUSTER:5432/postgres?user=app&password=app-secret-pw&sslmode=disable"
    assert main(["connect", url, "--driver", "pgjdbc", "--force-ssl"]) == 1
    out = capsys.readouterr().out
    assert "no pg_hba.conf entry" in out
    assert "app-secret-pw" not in out


def test_placeholders() -> None:
    host = "prod.cluster-x.us-east-1.rds.amazonaws.com"
    assert fill_host("host=CLUSTER user=a", host, "libpq") == f"host={host} user=a"
    assert fill_host("user=a", host, "libpq") == f"user=a host={host}"
    assert fill_host("postgresql://a:b@/db", host, "libpq") == f"postgresql://a:b@{host}/db"
    assert fill_host("postgresql:///db", host, "libpq") == f"postgresql://{host}/db"
    assert fill_host("jdbc:postgresql:db", host, "pgjdbc") == f"jdbc:postgresql://{host}/db"
    assert fill_host("host=other user=a", host, "libpq") == "host=other user=a"


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["connect", "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["connect", "host=CLUSTER", "--root-cert", "maybe"])
    assert "invalid choice" in capsys.readouterr().err
    assert main(["connect", "host=CLUSTER", "--engine-version", "15.99"]) == 2
    assert "Cannot find version 15.99" in capsys.readouterr().err
