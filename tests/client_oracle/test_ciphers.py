"""Proof against a real server and real clients: the cipher suite a server picks.

A real PostgreSQL 15 (Debian's ``postgresql-15``, :mod:`tests.client_oracle.tls_server`) runs
with the certificate and key the emulator issued for one instance of an emulated Aurora
PostgreSQL 15.4 cluster ``prod``: ``prod-1`` (rds-ca-rsa2048-g1, an RSA key) or ``prod-2``
(rds-ca-ecc384-g1, an ECDSA P-384 key), with ``ssl_max_protocol_version`` and
``ssl_ciphers`` as the emulated cluster parameter group says, Aurora's comma-separated value
written in OpenSSL's syntax (``:`` between names, IANA names as OpenSSL names; the
translation is checked against ``openssl ciphers -stdname`` below). pg_hba.conf and the
master password are the emulated instance's (as in test_real_libpq_matrix.py).

Each case connects with ``sslmode=require`` and ``sslmode=prefer`` through two real clients,
psycopg's bundled libpq 18 (OpenSSL 3.5) and Debian's psql 15 (libpq 15, OpenSSL 3.0), and
through the emulated client of the same libpq major, and compares: connected, encrypted,
``ssl_version()`` / ``ssl_cipher()`` (sslinfo) and ``pg_stat_ssl.bits`` against the
emulator's session, or the error text (after the ``connection to server at`` prefixes). When
no suite is shared, the real server's log says ``could not accept SSL connection: no shared
cipher``.

The tables the emulator uses are read from the real OpenSSL and clients too: what libpq offers
in its ClientHello (a TLS server that accepts every suite and reports the shared ones), the
IANA -> OpenSSL names, each suite's key type, key size and oldest protocol
(``openssl ciphers -v``), and the order of PostgreSQL's default ``HIGH:MEDIUM:+3DES:!aNULL``
(``openssl ciphers -s -tls1_2``).
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import pq

import aurora_sec as aurora
from aurora_sec.aws.account import Account
from aurora_sec.catalog.parameters import lookup
from aurora_sec.client.negotiation import CLIENT_OFFERED_SUITES, LIBPQ_HANDSHAKE_FAILURE
from aurora_sec.engine.hba import aurora_rules
from aurora_sec.engine.server import IANA_TO_OPENSSL, TLS12_SUITES, TLS13_SUITES
from tests.client_oracle.test_real_libpq_matrix import body, hba_lines, in_fresh_thread
from tests.client_oracle.tls_server import TlsPgServer, start_tls_server

PASSWORD = "cipher-Master-pw-42"
CLIENT_IP = "203.0.113.10"
HOME = "/home/ec2-user"
LIBPQ_MAJOR = pq.version() // 10000
PSQL = "/usr/bin/psql"
_EXTRA = "aurora_sec_ciphers.conf"

#: (Aurora's ssl_ciphers value or None for no value, ssl_max_protocol_version or None).
SETTINGS: tuple[tuple[str | None, str | None], ...] = (
    (None, None),
    (None, "TLSv1.2"),
    ("ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2"),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLSv1.2"),
    ("DHE-RSA-AES256-GCM-SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2"),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", None),
    ("ALLOWED", "TLSv1.2"),  # the whole AllowedValues list, in its order
)
INSTANCES = ("prod-1", "prod-2")
SSLMODES = ("require", "prefer")


def aurora_value(value: str | None) -> str | None:
    if value == "ALLOWED":
        spec = lookup("ssl_ciphers", "aurora-postgresql15", "cluster")
        assert spec is not None and spec.allowed_values is not None
        return spec.allowed_values
    return value


def openssl_syntax(value: str) -> str:
    """Aurora's comma-separated list as an OpenSSL cipher string."""
    return ":".join(IANA_TO_OPENSSL.get(name, name) for name in value.split(","))


# --------------------------------------------------------------------------------------------
# The emulated account and the real server


class Lab:
    def __init__(self, server: TlsPgServer, folder: Path) -> None:
        self.server = server
        self.acct = Account(seed=11)
        rds, ec2 = self.acct.client("rds"), self.acct.client("ec2")
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
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="g",
            DBParameterGroupFamily="aurora-postgresql15",
            Description="ciphers",
        )
        rds.create_db_cluster(
            DBClusterIdentifier="prod",
            Engine="aurora-postgresql",
            EngineVersion="15.4",
            MasterUsername="postgres",
            MasterUserPassword=PASSWORD,
            DBClusterParameterGroupName="g",
            VpcSecurityGroupIds=[sg],
        )
        self.hosts: dict[str, str] = {}
        for name, ca in zip(INSTANCES, ("rds-ca-rsa2048-g1", "rds-ca-ecc384-g1"), strict=True):
            created = rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBClusterIdentifier="prod",
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
                CACertificateIdentifier=ca,
            )["DBInstance"]
            self.hosts[name] = str(created["Endpoint"]["Address"])
        self.rds = rds
        self._installed: tuple[str, str | None, str | None] | None = None
        with (server.datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"include_if_exists = '{_EXTRA}'\n")
        with server.local_connect() as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS sslinfo")
        with self.emulated(15).connect(self.dsn("prod-1", "require")) as conn:
            conn.execute("CREATE EXTENSION sslinfo")

    def emulated(self, major: int) -> aurora.Client:
        return aurora.Client(self.acct, ip=CLIENT_IP, driver_version=major, env={})

    def dsn(self, instance: str, sslmode: str) -> str:
        return (
            f"host={self.hosts[instance]} user=postgres password={PASSWORD} dbname=postgres"
            f" sslmode={sslmode} connect_timeout=5"
        )

    def install(self, instance: str, ciphers: str | None, max_version: str | None) -> None:
        key = (instance, ciphers, max_version)
        if self._installed == key:
            return
        params = [("ssl_ciphers", ciphers), ("ssl_max_protocol_version", max_version)]
        to_set = [
            {"ParameterName": n, "ParameterValue": v, "ApplyMethod": "immediate"}
            for n, v in params
            if v is not None
        ]
        to_reset = [
            {"ParameterName": n, "ApplyMethod": "immediate"} for n, v in params if v is None
        ]
        if to_set:
            self.rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="g", Parameters=to_set
            )
        if to_reset:
            self.rds.reset_db_cluster_parameter_group(
                DBClusterParameterGroupName="g", Parameters=to_reset
            )
        config = self.acct.rds.engine_config(instance)
        assert config.gucs.get("ssl_ciphers") == ciphers
        assert (config.ssl_max_protocol_version or None) == max_version
        extra = ""
        if ciphers is not None:
            extra += f"ssl_ciphers = '{openssl_syntax(ciphers)}'\n"
        if max_version is not None:
            extra += f"ssl_max_protocol_version = '{max_version}'\n"
        self.server._write_private(_EXTRA, extra.encode(), 0o644)
        identity = self.acct.rds.tls_identity(instance, ("TLSv1.2",))
        self.server.configure(
            ssl=config.ssl,
            chain_pem=identity.chain_pem(),
            key_pem=identity.key_pem(),
            hba_lines=hba_lines(aurora_rules(config)),
        )
        self.server.set_password("postgres", PASSWORD, config.password_encryption)
        self._installed = key


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server = start_tls_server()
    try:
        yield Lab(server, tmp_path_factory.mktemp("ciphers"))
    finally:
        server.stop()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PG"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", HOME)


# --------------------------------------------------------------------------------------------
# One connection each way

_QUERY = (
    "SELECT ssl_version(), ssl_cipher(), (SELECT bits FROM pg_stat_ssl"
    " WHERE pid = pg_backend_pid())"
)


@dataclass(frozen=True)
class Result:
    ok: bool
    encrypted: bool
    ssl: tuple[str, str, int] | None
    message: str


def real_psycopg(dsn: str) -> Result:
    def call() -> Result:
        try:
            conn = psycopg.connect(dsn)
        except psycopg.OperationalError as exc:
            assert exc.pgconn is not None
            return Result(False, False, None, exc.pgconn.error_message.decode().rstrip("\n"))
        try:
            row = conn.execute(_QUERY).fetchone()
            assert row is not None
            ssl_row = None if row[0] is None else (str(row[0]), str(row[1]), int(row[2]))
            return Result(True, bool(conn.pgconn.ssl_in_use), ssl_row, "")
        finally:
            conn.close()

    return in_fresh_thread(call)


def real_psql(dsn: str) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    done = subprocess.run(
        [PSQL, "-X", "-At", "-F", "|", "-c", _QUERY, dsn],
        capture_output=True,
        text=True,
        env={**env, "HOME": HOME},
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        return Result(False, False, None, done.stderr.rstrip("\n"))
    version, cipher, bits = done.stdout.strip().split("|")
    if not version:
        return Result(True, False, None, "")
    return Result(True, True, (version, cipher, int(bits)), "")


def emulated(lab: Lab, major: int, dsn: str, *, psql: bool) -> Result:
    outcome = lab.emulated(major).attempt(dsn)
    if not outcome.ok:
        text = outcome.psql_text() if psql else outcome.message
        return Result(False, False, None, (text or "").rstrip("\n"))
    with lab.emulated(major).connect(dsn) as conn:
        row = conn.execute("SELECT ssl_version(), ssl_cipher()").rows
        assert row is not None
        if row[0][0] is None:
            assert conn.ssl is None
            return Result(True, outcome.encrypted, None, "")
        assert (conn.ssl.version, conn.ssl.cipher) == row[0]
        assert conn.trace[-1].cipher == conn.ssl.cipher == outcome.cipher
        return Result(True, outcome.encrypted, (*row[0], conn.ssl.bits), "")


def _strip_psql(text: str) -> str:
    return text.removeprefix("psql: error: ")


@dataclass(frozen=True)
class Case:
    instance: str
    ciphers: str | None
    max_version: str | None
    sslmode: str

    @property
    def id(self) -> str:
        label = "default" if self.ciphers is None else self.ciphers.replace(",", "+")
        if self.ciphers == "ALLOWED":
            label = "allowed"
        return f"{self.instance}-{label}-{self.max_version or 'nomax'}-{self.sslmode}"


CASES = [
    Case(instance, ciphers, max_version, sslmode)
    for instance in INSTANCES
    for ciphers, max_version in SETTINGS
    for sslmode in SSLMODES
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_real_server_and_emulator_pick_the_same_cipher(
    lab: Lab, clean_env: None, case: Case
) -> None:
    ciphers = aurora_value(case.ciphers)
    lab.install(case.instance, ciphers, case.max_version)
    dsn = lab.dsn(case.instance, case.sslmode)
    real_dsn = f"{dsn} hostaddr=127.0.0.1 port={lab.server.port}"
    log_before = lab.server.logfile.read_text(errors="replace")

    real18 = real_psycopg(real_dsn)
    real15 = real_psql(real_dsn)
    emulated18 = emulated(lab, LIBPQ_MAJOR, dsn, psql=False)
    emulated15 = emulated(lab, 15, dsn, psql=True)

    for real, mine in ((real18, emulated18), (real15, emulated15)):
        assert (mine.ok, mine.encrypted, mine.ssl) == (real.ok, real.encrypted, real.ssl)
        assert body(_strip_psql(mine.message), CLIENT_IP) == body(
            _strip_psql(real.message), "127.0.0.1"
        ), f"\nreal:     {real.message!r}\nemulated: {mine.message!r}"
    new_log = lab.server.logfile.read_text(errors="replace")[len(log_before) :]
    shared = real18.encrypted
    assert ("could not accept SSL connection: no shared cipher" in new_log) == (not shared)


def test_the_cases_cover_success_and_failure(lab: Lab, clean_env: None) -> None:
    """The matrix above is not vacuous: ECDSA with an RSA-only list fails, the rest pick."""
    lab.install("prod-2", "ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2")
    failed = real_psql(f"{lab.dsn('prod-2', 'require')} hostaddr=127.0.0.1 port={lab.server.port}")
    assert not failed.ok
    assert failed.message.endswith(LIBPQ_HANDSHAKE_FAILURE[10])
    lab.install("prod-1", "ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2")
    picked = real_psql(f"{lab.dsn('prod-1', 'require')} hostaddr=127.0.0.1 port={lab.server.port}")
    assert picked.ssl == ("TLSv1.2", "ECDHE-RSA-AES128-SHA", 128)


# --------------------------------------------------------------------------------------------
# The tables, read from the real OpenSSL and the real clients


def _openssl(*args: str) -> str:
    return subprocess.run(
        ["openssl", "ciphers", *args], capture_output=True, text=True, check=True
    ).stdout


def offered_by_real_clients(tmp_path: Path, chain_pem: bytes, key_pem: bytes) -> list[set[str]]:
    """The suites psycopg's libpq and psql offer: a server that answers the SSLRequest with
    ``S`` and accepts every suite reports the shared ones."""
    (tmp_path / "chain.pem").write_bytes(chain_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")
    context.set_ciphers("ALL:@SECLEVEL=0")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[set[str]] = []

    def serve() -> None:
        for _ in range(2):
            sock, _address = listener.accept()
            with sock:
                sock.settimeout(10)
                sock.recv(8)  # the SSLRequest
                sock.sendall(b"S")
                with context.wrap_socket(sock, server_side=True) as tls:
                    seen.append({name for name, _, _ in tls.shared_ciphers() or ()})

    thread = threading.Thread(target=serve)
    thread.start()
    dsn = f"host=127.0.0.1 port={port} user=x dbname=x sslmode=require connect_timeout=5"
    try:
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn)
        subprocess.run([PSQL, "-X", "-c", "SELECT 1", dsn], capture_output=True, timeout=30)
    finally:
        thread.join(timeout=30)
        listener.close()
    return seen


def test_clients_offer_what_the_emulator_says(lab: Lab, tmp_path: Path) -> None:
    identity = lab.acct.rds.tls_identity("prod-1", ("TLSv1.2",))
    offers = offered_by_real_clients(tmp_path, identity.chain_pem(), identity.key_pem())
    assert offers == [set(CLIENT_OFFERED_SUITES), set(CLIENT_OFFERED_SUITES)]


def test_suite_table_is_openssls() -> None:
    described: dict[str, tuple[str, int, str]] = {}
    for line in _openssl("-v", "ALL").splitlines():
        fields = line.split()
        au = next(f for f in fields if f.startswith("Au="))[3:]
        enc = next(f for f in fields if f.startswith("Enc="))
        bits = int(enc[enc.index("(") + 1 : enc.index(")")])
        described[fields[0]] = (au, bits, "TLSv1.2" if fields[1] == "TLSv1.2" else "TLSv1")
    for name, suite in TLS12_SUITES.items():
        assert described[name] == (suite.auth, suite.bits, suite.min_version), name
    for name, bits in TLS13_SUITES.items():
        assert described[name][1] == bits
    # the default order: PostgreSQL's default string as OpenSSL expands it, among the offered
    expanded = _openssl("-s", "-tls1_2", "HIGH:MEDIUM:+3DES:!aNULL").strip().split(":")
    assert tuple(name for name in expanded if name in TLS12_SUITES) == tuple(TLS12_SUITES)
    assert set(TLS12_SUITES) == {n for n in CLIENT_OFFERED_SUITES if not n.startswith("TLS_")}
    assert tuple(TLS13_SUITES) == tuple(_openssl("-s", "-tls1_3").strip().split(":"))


def test_aurora_names_map_to_openssl_names() -> None:
    standard: dict[str, str] = {}
    for line in _openssl("-stdname", "ALL").splitlines():
        iana, _dash, openssl_name = line.split()[:3]
        standard[iana] = openssl_name
    for iana, name in IANA_TO_OPENSSL.items():
        assert standard[iana] == name
    spec = lookup("ssl_ciphers", "aurora-postgresql15", "cluster")
    assert spec is not None and spec.allowed_values is not None
    for value in spec.allowed_values.split(","):
        assert IANA_TO_OPENSSL.get(value, value) in TLS12_SUITES, value
        assert value in IANA_TO_OPENSSL or not value.startswith("TLS_")
