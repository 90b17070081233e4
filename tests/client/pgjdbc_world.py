"""The scenarios of the pgjdbc recording: servers, certificates, root files and URLs.

Shared by record_pgjdbc_connect.py (which runs real pgjdbc against fake servers) and
test_pgjdbc_oracle.py (which replays the same scenarios on the emulator). Keys differ between
the two runs (they are random); names, SANs, dates and files are rebuilt the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from aurora_sec.client.certificates import RdsPki, TlsIdentity

REGION = "us-east-1"
CLUSTER = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"
READER = "prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com"
INSTANCE = "prod-1.abcdefghijkl.us-east-1.rds.amazonaws.com"

NO_ENC = 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption'
SSL_ENC = 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", SSL encryption'

Verdict = tuple[str, str] | None

#: server name -> (certificate, ssl on, pg_hba kind)
SERVER_KINDS: dict[str, tuple[str, bool, str]] = {
    "ssl-hostssl": ("rds", True, "hostssl"),
    "ssl-hostnossl": ("rds", True, "hostnossl"),
    "ssl-host": ("rds", True, "host"),
    "ssl-badpass": ("rds", True, "badpass"),
    "plain-hostssl": ("rds", False, "hostssl"),
    "plain-host": ("rds", False, "host"),
    "ssl-expired": ("expired", True, "host"),
}


def server_decide(kind: str) -> Callable[[bool, str, str], Verdict]:
    def decide(encrypted: bool, _user: str, _db: str) -> Verdict:
        if kind == "hostssl" and not encrypted:
            return ("28000", NO_ENC)
        if kind == "hostnossl" and encrypted:
            return ("28000", SSL_ENC)
        if kind == "badpass":
            return ("28P01", 'password authentication failed for user "u"')
        return None

    return decide


@attrs.frozen
class PgjdbcWorld:
    pki: RdsPki
    identities: dict[str, TlsIdentity]
    files: dict[str, bytes]
    roots_dir: str

    def server_config(self, name: str) -> tuple[TlsIdentity, bool, str, str, str | None]:
        cert, ssl_on, kind = SERVER_KINDS[name]
        return self.identities[cert], ssl_on, kind, "TLSv1.2", None


def build_world(now: dt.datetime, roots_dir: str) -> PgjdbcWorld:
    pki = RdsPki()
    names = [CLUSTER, READER, "localhost"]
    identities = {
        "rds": pki.issue_server_identity(
            "rds-ca-rsa2048-g1",
            REGION,
            common_name=INSTANCE,
            dns_names=names,
            issued_at=now - dt.timedelta(days=30),
        ),
        "expired": pki.issue_server_identity(
            "rds-ca-rsa2048-g1",
            REGION,
            common_name=INSTANCE,
            dns_names=names,
            issued_at=now - dt.timedelta(days=400),
            serial_kind="expired",
        ),
    }
    files = {
        f"{roots_dir}/good.pem": pki.ca_bundle_pem(REGION),
        f"{roots_dir}/wrong.pem": pki.ca_bundle_pem("eu-west-1"),
        f"{roots_dir}/garbage.pem": b"this is not a certificate\n",
    }
    return PgjdbcWorld(pki, identities, files, roots_dir)


_MODES = [
    "",
    "ssl=true",
    "sslmode=disable",
    "sslmode=allow",
    "sslmode=prefer",
    "sslmode=require",
    "sslmode=verify-ca&sslrootcert={ROOTS}/good.pem",
    "sslmode=verify-full&sslrootcert={ROOTS}/good.pem",
]


def _url(host: str, params: str) -> str:
    return f"jdbc:postgresql://{host}:{{PORT}}/d" + (f"?{params}" if params else "")


def case_list() -> list[tuple[str, str]]:
    """(server name, URL template with {PORT} and {ROOTS})."""
    cases = [(server, _url("localhost", params)) for server in SERVER_KINDS for params in _MODES]
    for params in (
        "sslmode=verify-full&sslrootcert={ROOTS}/wrong.pem",
        "sslmode=verify-full&sslrootcert={ROOTS}/garbage.pem",
        "sslmode=verify-full&sslrootcert={ROOTS}/missing.pem",
        "sslmode=verify-full",
        "sslmode=verify-ca&sslrootcert={ROOTS}/wrong.pem",
        "ssl=true&sslrootcert={ROOTS}/good.pem",
        "sslmode=verify-full&sslfactory=org.postgresql.ssl.NonValidatingFactory",
        "sslmode=require&sslrootcert={ROOTS}/wrong.pem",
    ):
        cases.append(("ssl-host", _url("localhost", params)))
    for params in (
        "sslmode=verify-full&sslrootcert={ROOTS}/good.pem",
        "sslmode=verify-ca&sslrootcert={ROOTS}/good.pem",
        "ssl=true&sslrootcert={ROOTS}/good.pem",
        "sslmode=verify-full&sslfactory=org.postgresql.ssl.NonValidatingFactory",
    ):
        cases.append(("ssl-host", _url("127.0.0.1", params)))
    return cases
