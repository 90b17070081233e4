"""Differential tests: the emulator's libpq negotiation against REAL libpq 15 and 18, cell by cell.

Real libpq connects over loopback to tests/client/fake_server.py, which presents a chain the
emulator issued and answers like a pg_hba with ``hostssl`` / ``hostnossl`` / ``host`` lines;
the emulator negotiates the same connection string against an in-memory endpoint that
answers the same way. Every cell asserts the same outcome (connected or not, encrypted or
not) and the same ``PQerrorMessage`` text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import pwd
from collections.abc import Callable, Collection, Iterator, Sequence

import attrs
import pytest
from cryptography import x509

from aurora_sec.client.certificates import RdsPki, TlsIdentity
from aurora_sec.client.conninfo import Libpq, connect_options
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.negotiation import (
    Accepted,
    Fatal,
    ServerEndpoint,
    Unreachable,
    negotiate_libpq,
)
from aurora_sec.client.verify import CertificateChecker
from aurora_sec.engine.server import TLS12_SUITES, choose_cipher
from tests.client.fake_server import FakeServer, Verdict, running
from tests.client.libpq_oracle import LIBPQ15, LIBPQ18, RealLibpq, in_fresh_thread

REAL: dict[int, RealLibpq] = {15: LIBPQ15, 18: LIBPQ18}
MODEL: dict[int, Libpq] = {15: Libpq(15), 18: Libpq(18, gss=True, gssencmode_default="disable")}
REGION = "us-east-1"
CLUSTER = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"
READER = "prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com"
INSTANCE = "prod-1.abcdefghijkl.us-east-1.rds.amazonaws.com"
NOW = dt.datetime.now(dt.UTC)
ISSUED = NOW - dt.timedelta(days=30)
TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")

NO_ENC = 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption'
SSL_ENC = 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", SSL encryption'


def hba(kind: str) -> Callable[[bool, str, str], Verdict]:
    """A one-line pg_hba: ``hostssl``, ``hostnossl``, ``host``, or ``badpass`` (28P01 always)."""

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
class Endpoint:
    """The emulator-side twin of a FakeServer (test data, not a model of the server)."""

    accepts_ssl: bool
    tls: TlsIdentity | None
    decide_fn: Callable[[bool, str, str], Verdict]
    accepts_direct_ssl: bool = False

    def tls_cipher(self, tls_version: str, offered: Collection[str]) -> str | None:
        """As a server with PostgreSQL's default ssl_ciphers picks."""
        ca = self.tls.ca_identifier if self.tls is not None else None
        return choose_cipher(tls_version, tuple(TLS12_SUITES), ca, offered)

    def decide(self, startup: object) -> Accepted | Fatal:
        verdict = self.decide_fn(startup.encrypted, startup.user, startup.database)  # type: ignore[attr-defined]
        return Accepted() if verdict is None else Fatal(*verdict)


@attrs.frozen
class LoopbackNetwork:
    ports: dict[int, ServerEndpoint]

    def resolve(self, host: str) -> Sequence[str]:
        return ["127.0.0.1"]

    def connect(self, address: str, port: int) -> ServerEndpoint | Unreachable:
        return self.ports.get(port, Unreachable("refused"))


@attrs.frozen
class World:
    pki: RdsPki
    identity: TlsIdentity
    files: dict[str, bytes]
    paths: dict[str, str]
    home: str
    user: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    pki = RdsPki()
    identity = pki.issue_server_identity(
        "rds-ca-rsa2048-g1",
        REGION,
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=ISSUED,
    )
    folder = tmp_path_factory.mktemp("roots")
    contents = {
        "good": pki.ca_bundle_pem(REGION),
        "wrong": pki.ca_bundle_pem("eu-west-1"),
        "garbage": b"this is not a certificate\n",
    }
    paths = {name: str(folder / f"{name}.pem") for name in contents}
    for name, data in contents.items():
        with open(paths[name], "wb") as f:
            f.write(data)
    paths["missing"] = str(folder / "missing.pem")
    entry = pwd.getpwuid(os.geteuid())
    assert not os.path.exists(os.path.join(entry.pw_dir, ".postgresql", "root.crt"))
    return World(
        pki,
        identity,
        {paths[n]: d for n, d in contents.items()},
        paths,
        entry.pw_dir,
        entry.pw_name,
    )


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PG"):
            monkeypatch.delenv(name)


def compare(
    world: World,
    text: str,
    major: int,
    servers: dict[int, Endpoint],
    *,
    files: dict[str, bytes] | None = None,
) -> tuple[tuple[bool, bool, str], tuple[bool, bool, str]]:
    """(real, emulated) as (connected, encrypted, error text without the final newline)."""
    ok, encrypted, message = in_fresh_thread(lambda: REAL[major].connect(text.encode()))
    machine = ClientMachine(
        files=files if files is not None else world.files, home=world.home, os_user=world.user
    )
    options = connect_options(text, machine, MODEL[major])
    outcome = negotiate_libpq(
        options,
        LoopbackNetwork(dict(servers)),
        machine=machine,
        now=dt.datetime.now(dt.UTC),
        checker=CertificateChecker(),
    )
    # PQsslInUse stays true on a connection that failed after the handshake: compare it
    # only for connections that succeeded
    real = (ok, encrypted and ok, message.rstrip("\n") if not ok else "")
    emulated = (outcome.ok, outcome.encrypted, outcome.message or "")
    return real, emulated


Server = tuple[int, Endpoint]


def serve(
    stack: contextlib.ExitStack,
    world: World,
    ssl_on: bool,
    kind: str,
    identity: TlsIdentity | None = None,
    min_version: str = "TLSv1.2",
    max_version: str | None = None,
) -> Server:
    """Start a fake server and build its emulator-side twin."""
    ident = (identity or world.identity) if ssl_on else None
    port = stack.enter_context(running(FakeServer(ident, hba(kind), min_version, max_version)))
    top = TLS_ORDER.index(max_version) + 1 if max_version else len(TLS_ORDER)
    versions = TLS_ORDER[TLS_ORDER.index(min_version) : top]
    emulated = ident.with_tls_versions(versions) if ident is not None else None
    return port, Endpoint(ssl_on, emulated, hba(kind))


@pytest.fixture(scope="module")
def servers(world: World) -> Iterator[dict[tuple[bool, str], Server]]:
    with contextlib.ExitStack() as stack:
        yield {
            (ssl_on, kind): serve(stack, world, ssl_on, kind)
            for ssl_on in (True, False)
            for kind in ("hostssl", "hostnossl", "host", "badpass")
        }


SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
ROOTS = ("good", "wrong", "garbage", "missing", "default")
MATRIX = [
    (major, sslmode, root, ssl_on, kind, host)
    for major, sslmode, root, ssl_on, kind, host in itertools.product(
        (15, 18),
        SSLMODES,
        ROOTS,
        (True, False),
        ("hostssl", "hostnossl", "host"),
        (CLUSTER, "db.example.com"),
    )
    # the host name matters only where a certificate is checked against it
    if host == CLUSTER or (sslmode == "verify-full" and ssl_on)
]


def conninfo(world: World, host: str, port: int, sslmode: str, root: str, extra: str = "") -> str:
    rootcert = "" if root == "default" else f" sslrootcert={world.paths[root]}"
    return f"host={host} hostaddr=127.0.0.1 port={port} user=u dbname=d sslmode={sslmode}{rootcert} {extra}".strip()


@pytest.mark.parametrize(("major", "sslmode", "root", "ssl_on", "kind", "host"), MATRIX)
def test_matrix(
    world: World,
    servers: dict[tuple[bool, str], Server],
    major: int,
    sslmode: str,
    root: str,
    ssl_on: bool,
    kind: str,
    host: str,
) -> None:
    port, endpoint = servers[(ssl_on, kind)]
    real, emulated = compare(
        world, conninfo(world, host, port, sslmode, root), major, {port: endpoint}
    )
    assert emulated == real


def test_matrix_size() -> None:
    assert len(MATRIX) == 390


@pytest.mark.parametrize("major", [15, 18])
@pytest.mark.parametrize("sslmode", ["allow", "prefer", "require"])
def test_wrong_password_is_tried_once_per_method(
    world: World, servers: dict[tuple[bool, str], Server], major: int, sslmode: str
) -> None:
    for ssl_on in (True, False):
        port, endpoint = servers[(ssl_on, "badpass")]
        real, emulated = compare(
            world, conninfo(world, CLUSTER, port, sslmode, "default"), major, {port: endpoint}
        )
        assert emulated == real


@pytest.mark.parametrize("major", [15, 18])
@pytest.mark.parametrize("sslmode", ["prefer", "require"])
@pytest.mark.parametrize(
    ("server_min", "server_max", "client"),
    [
        ("TLSv1.2", "TLSv1.2", "ssl_min_protocol_version=TLSv1.3"),
        ("TLSv1.3", None, "ssl_max_protocol_version=TLSv1.2"),
        ("TLSv1.2", "TLSv1.2", ""),
    ],
)
def test_tls_versions(
    world: World, major: int, sslmode: str, server_min: str, server_max: str | None, client: str
) -> None:
    with contextlib.ExitStack() as stack:
        port, endpoint = serve(stack, world, True, "hostssl", None, server_min, server_max)
        text = conninfo(world, CLUSTER, port, sslmode, "default", client)
        real, emulated = compare(world, text, major, {port: endpoint})
    assert emulated == real


def _leaf(
    world: World,
    *,
    cn: str | None,
    dns: Sequence[str] = (),
    ips: Sequence[str] = (),
    not_before: dt.datetime = ISSUED,
    days: int = 365,
) -> TlsIdentity:
    """A server certificate under the real intermediate, with chosen names and dates."""
    import ipaddress

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca = world.pki.intermediate("rds-ca-rsa2048-g1", REGION)
    ca_key = world.pki.keys.key("rds-ca-rsa2048-g1", "intermediate")
    key = world.pki.keys.key("rds-ca-rsa2048-g1", "leaf")
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return TlsIdentity((cert, ca), key, "rds-ca-rsa2048-g1")


CERT_CASES = [
    # (certificate kind, host)
    ("wildcard", "a.cluster.example.com"),
    ("wildcard", "A.CLUSTER.EXAMPLE.COM"),
    ("wildcard", "a.b.cluster.example.com"),
    ("wildcard", "cluster.example.com"),
    ("cn-only", "cnonly.example.com"),
    ("cn-only", "other.example.com"),
    ("cn-only", "127.0.0.1"),
    ("ip-san", "127.0.0.1"),
    ("ip-san", "127.0.0.2"),
    ("dns-and-cn-ip", "127.0.0.1"),
    ("dns-and-cn-ip", "db.example.com"),
    ("no-names", "db.example.com"),
    ("expired", "db.example.com"),
    ("not-yet-valid", "db.example.com"),
    ("rds-2019", CLUSTER),
    ("rds-ecc384", READER),
    ("rds-rsa4096", INSTANCE),
]


def cert_identity(world: World, kind: str) -> TlsIdentity:
    if kind == "wildcard":
        return _leaf(world, cn="db.example.com", dns=["*.cluster.example.com", "x.example.com"])
    if kind == "cn-only":
        return _leaf(world, cn="cnonly.example.com")
    if kind == "ip-san":
        return _leaf(world, cn="db.example.com", ips=["127.0.0.1"])
    if kind == "dns-and-cn-ip":
        return _leaf(world, cn="127.0.0.1", dns=["db.example.com"])
    if kind == "no-names":
        return _leaf(world, cn=None)
    if kind == "expired":
        return _leaf(
            world,
            cn="db.example.com",
            dns=["db.example.com"],
            not_before=NOW - dt.timedelta(days=400),
        )
    if kind == "not-yet-valid":
        return _leaf(
            world,
            cn="db.example.com",
            dns=["db.example.com"],
            not_before=NOW + dt.timedelta(days=2),
        )
    ca = {
        "rds-2019": "rds-ca-2019",
        "rds-ecc384": "rds-ca-ecc384-g1",
        "rds-rsa4096": "rds-ca-rsa4096-g1",
    }[kind]
    issued = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) if ca == "rds-ca-2019" else ISSUED
    return world.pki.issue_server_identity(
        ca, REGION, common_name=INSTANCE, dns_names=[CLUSTER, READER, INSTANCE], issued_at=issued
    )


@pytest.mark.parametrize("major", [15, 18])
@pytest.mark.parametrize(("kind", "host"), CERT_CASES)
def test_certificates(world: World, major: int, kind: str, host: str) -> None:
    identity = cert_identity(world, kind)
    with contextlib.ExitStack() as stack:
        port, endpoint = serve(stack, world, True, "hostssl", identity)
        for sslmode in ("verify-ca", "verify-full"):
            real, emulated = compare(
                world, conninfo(world, host, port, sslmode, "good"), major, {port: endpoint}
            )
            assert emulated == real, sslmode


@pytest.mark.parametrize("major", [15, 18])
def test_sslrootcert_system(
    world: World, servers: dict[tuple[bool, str], Server], major: int
) -> None:
    port, endpoint = servers[(True, "host")]
    for extra in ("sslrootcert=system", "sslrootcert=system sslmode=verify-full"):
        text = f"host={CLUSTER} hostaddr=127.0.0.1 port={port} user=u dbname=d {extra}"
        real, emulated = compare(world, text, major, {port: endpoint})
        assert emulated == real, extra


@pytest.mark.parametrize("major", [15, 18])
def test_multi_host_and_bad_values(
    world: World, servers: dict[tuple[bool, str], Server], major: int
) -> None:
    port, endpoint = servers[(True, "hostssl")]
    dead = 1  # nothing listens on port 1
    cases = [
        f"host=a,b hostaddr=127.0.0.1,127.0.0.1 port={dead},{port} user=u dbname=d sslmode=require",
        f"host=a,b hostaddr=127.0.0.1,127.0.0.1 port={dead},{dead} user=u dbname=d",
        f"host=a,b hostaddr=127.0.0.1,127.0.0.1 port=99999,{port} user=u dbname=d sslmode=disable",
        "hostaddr=127.0.0.1 port=abc user=u dbname=d",
    ]
    if major == 15:
        # connect_timeout is parsed by PQconnectdb (the ctypes oracle), not by the
        # PQconnectStart + PQconnectPoll loop the psycopg oracle drives
        cases.append(f"hostaddr=127.0.0.1 port={port} user=u dbname=d connect_timeout=abc")
    for text in cases:
        real, emulated = compare(world, text, major, {port: endpoint})
        assert emulated == real, text
