"""Every script in examples/ runs and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_restricted_passwords_example() -> None:
    out = run("restricted_passwords.py")
    assert "Cannot modify a default parameter group." in out
    assert "cannot use immediate apply method for static parameter" in out
    assert "before reboot: force_ssl=True restrict=False" in out
    assert "after reboot:  force_ssl=True restrict=True" in out


def test_verify_full_only_example() -> None:
    out = run("verify_full_only.py")
    lines = out.splitlines()
    assert lines[0] == "rds.force_ssl on prod-1: 1"
    endpoint = "prod.cluster-2xtajmzggjp9.us-east-1.rds.amazonaws.com"
    at = f'connection to server at "{endpoint}" (54.252.128.80), port 5432 failed: '
    assert lines[1:3] == [
        "disable: failed",
        f'  psql: error: {at}FATAL:  no pg_hba.conf entry for host "203.0.113.10", '
        'user "postgres", database "postgres", no encryption',
    ]
    assert "require, no bundle: connected (TLSv1.3, chain verified: False)" in lines
    missing = (
        f'  psql: error: {at}root certificate file "/home/ec2-user/.postgresql/root.crt" '
        "does not exist"
    )
    for mode in ("verify-ca", "verify-full"):
        index = lines.index(f"{mode}, no bundle: failed")
        assert lines[index + 1] == missing
        assert lines[index + 2] == (
            "  Either provide the file, use the system's trusted roots with sslrootcert=system, "
            "or change sslmode to disable server certificate verification."
        )
        assert f"{mode}, bundle: connected (TLSv1.3, chain verified: True)" in lines
    assert "verify-ca, custom endpoint: connected (TLSv1.3, chain verified: True)" in lines
    custom = "reporting.cluster-custom-2xtajmzggjp9.us-east-1.rds.amazonaws.com"
    index = lines.index("verify-full, custom endpoint: failed")
    assert lines[index + 1] == (
        f'  psql: error: connection to server at "{custom}" (54.252.128.80), port 5432 failed: '
        f'server certificate for "{endpoint}" (and 2 other names) does not match host name '
        f'"{custom}"'
    )
    index = lines.index("verify-full, hostaddr only: failed")
    assert lines[index + 1] == (
        '  psql: error: connection to server at "54.252.128.80", port 5432 failed: '
        "host name must be specified for a verified SSL connection"
    )
    assert "correct-horse-battery" not in out


def test_lint_migration_example() -> None:
    out = run("lint_migration.py")
    plain, member = out.split("== as rotator, a member of rds_password\n")
    assert plain.splitlines()[1:] == [
        "rotate.sql:2: ERROR 42501  CREATE ROLE app LOGIN PASSWORD '********'",
        "    ERROR:  must be a member of rds_password to alter passwords",
        "rotate.sql:3: ERROR 42501  ALTER ROLE app PASSWORD '********'",
        "    ERROR:  must be a member of rds_password to alter passwords",
        "rotate.sql:4: ERROR 42501  ALTER ROLE app VALID UNTIL '2030-01-01'",
        "    ERROR:  must be a member of rds_password to alter passwords",
        "rotate.sql:5: ok CREATE ROLE  CREATE ROLE reporting NOLOGIN",
        "rotate.sql:6: ERROR 42704  GRANT reporting TO app",
        '    ERROR:  role "app" does not exist',
        "5 statements, 4 failed (Aurora PostgreSQL 16.4, as rotator)",
        "exit status 1",
    ]
    assert member.splitlines() == [
        "rotate.sql:2: ok CREATE ROLE  CREATE ROLE app LOGIN PASSWORD '********'",
        "rotate.sql:3: ok ALTER ROLE  ALTER ROLE app PASSWORD '********'",
        "rotate.sql:4: ok ALTER ROLE  ALTER ROLE app VALID UNTIL '2030-01-01'",
        "rotate.sql:5: ok CREATE ROLE  CREATE ROLE reporting NOLOGIN",
        "rotate.sql:6: ok GRANT ROLE  GRANT reporting TO app",
        "5 statements, 0 failed (Aurora PostgreSQL 16.4, as rotator)",
        "exit status 0",
    ]
    assert "Secret" not in out  # neither password reaches the output


def test_iam_policy_check_example() -> None:
    out = run("iam_policy_check.py")
    denied = (
        "AccessDenied (403): User: arn:aws:iam::123456789012:user/ops is not authorized to perform"
    )
    cluster = "arn:aws:rds:us-east-1:123456789012:cluster:prod"
    assert out.splitlines() == [
        "DescribeDBClusters: allowed",
        f"DeleteDBCluster: {denied}: rds:DeleteDBCluster on resource: {cluster} "
        "with an explicit deny in an identity-based policy",
        f"ModifyDBCluster: {denied}: rds:ModifyDBCluster on resource: {cluster} "
        "because no identity-based policy allows the rds:ModifyDBCluster action",
        "simulate rds:DescribeDBClusters: allowed (statement in ops-rds)",
        "simulate rds:DeleteDBCluster: explicitDeny (statement in ops-rds)",
        "simulate rds:ModifyDBCluster: implicitDeny",
        "cluster prod is still available",
    ]


def test_every_example_is_tested() -> None:
    tested = {
        "iam_policy_check.py",
        "lint_migration.py",
        "restricted_passwords.py",
        "verify_full_only.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested
