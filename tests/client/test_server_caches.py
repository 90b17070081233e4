"""The server's caches never change an answer: password verdicts, pg_hba membership.

A role whose password was stored as a SCRAM secret (``PASSWORD 'SCRAM-SHA-256$...'``) costs a
PBKDF2 per check, so verdicts are remembered per stored password and keyed digest of the
password offered; a changed password is a new stored password, and no password is kept.
"""

from __future__ import annotations

import pytest

import aurora_sec as aurora
from aurora_sec.engine import server
from aurora_sec.engine.passwords import scram_secret
from tests.client.test_end_to_end import world

IP = "203.0.113.10"


def dsn(host: str, password: str) -> str:
    return f"host={host} dbname=postgres user=app password={password} sslmode=require"


def test_scram_secret_verdicts_follow_the_stored_password() -> None:
    acct, hosts = world("15.4")
    host = hosts["cluster"]
    master = acct.session("prod")
    secret = scram_secret("first-pw", b"0123456789abcdef", 4096)
    master.execute(f"CREATE ROLE app LOGIN PASSWORD '{secret}'")
    client = aurora.Client(acct, ip=IP, driver_version=15)
    for _ in range(2):
        with client.connect(dsn(host, "first-pw")) as conn:
            assert conn.execute("SELECT current_user").value == "app"
        with pytest.raises(aurora.ConnectionFailed, match="password authentication failed"):
            client.connect(dsn(host, "second-pw"))
    master.execute("ALTER ROLE app PASSWORD 'second-pw'")
    with pytest.raises(aurora.ConnectionFailed, match="password authentication failed"):
        client.connect(dsn(host, "first-pw"))
    client.connect(dsn(host, "second-pw")).close()
    remembered = repr(server._PASSWORD_VERDICTS)
    for text in ("first-pw", "second-pw", b"first-pw".hex()):
        assert text not in remembered


def test_rds_iam_membership_follows_the_catalog() -> None:
    acct, hosts = world("15.4")
    host = hosts["cluster"]
    master = acct.session("prod")
    master.execute("CREATE ROLE app LOGIN PASSWORD 'app-pw'")
    client = aurora.Client(acct, ip=IP, driver_version=15)
    client.connect(dsn(host, "app-pw")).close()
    master.execute("GRANT rds_iam TO app")
    # now the pam line matches: the password is taken as an IAM token, and refused
    with pytest.raises(aurora.ConnectionFailed, match='PAM authentication failed for user "app"'):
        client.connect(dsn(host, "app-pw"))
    master.execute("REVOKE rds_iam FROM app")
    client.connect(dsn(host, "app-pw")).close()
