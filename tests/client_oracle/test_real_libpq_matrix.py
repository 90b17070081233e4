"""Proof against a real client: the libpq negotiation matrix, real libpq vs the emulator.

A real PostgreSQL 15 (Debian's ``postgresql-15``, :mod:`tests.client_oracle.tls_server`) runs
on 127.0.0.1 with the server certificate chain and key the emulator issued for instance
``prod-1`` of an emulated Aurora PostgreSQL 15.4 cluster ``prod`` (CN the instance endpoint;
SANs the cluster, reader and instance endpoints; issued by the emulator's rds-ca-rsa2048-g1
chain), ``ssl`` and ``pg_hba.conf`` as the emulated instance's effective configuration says
(``EngineConfig.ssl`` and ``aurora_rules(config)``), and the master user ``postgres`` with the
cluster's master password, stored as the instance's ``password_encryption`` says.

pg_hba.conf: each ``HbaRule.line()`` with the address ``all`` written as ``0.0.0.0/0``, after a
``local all all trust`` line the harness uses; the ``pam`` line (``hostssl all +rds_iam all
pam``) is dropped: it only matches members of rds_iam, and the matrix logs in as postgres.

Every cell connects twice with the same connection string (``host=<name> user=postgres
password=... dbname=postgres sslmode=<mode> connect_timeout=5`` and ``sslrootcert=<file>``
unless the root file is absent):

* real libpq (psycopg's bundled libpq 18, ``psycopg.connect``) with ``hostaddr=127.0.0.1
  port=<server port>`` added, in a fresh thread (OpenSSL's per-thread error queue), with no
  ``PG*`` variables and ``HOME=/home/ec2-user`` (which does not exist here), so the default
  ``~/.postgresql/root.crt`` is the emulator's default path and does not exist;
* the emulator: ``aurora_sec.Client(acct, ip="203.0.113.10", driver_version=<psycopg's libpq
  major>, files={<same path>: <same bytes>}, env={})``.

The matrix (cells = 6 x 3 x 2 x 2 x 2 = **144**):

* sslmode: disable, allow, prefer, require, verify-ca, verify-full;
* root file: present (``acct.ca_bundle_pem()``), absent, wrong (a self-made P-256 CA);
* the cluster parameter ``ssl``: 1 or 0;
* the cluster parameter ``rds.force_ssl``: 0 (``host`` lines) or 1 (``hostssl`` lines);
* host name: right (the cluster endpoint) or wrong (a custom endpoint of the same cluster,
  ``extra.cluster-custom-...``: it reaches the same instance but is not in the certificate's
  SANs).

With ``ssl=0`` and ``rds.force_ssl=1`` the emulated instance runs with ssl on (rds.force_ssl
implies ssl: ``aws/rds/configuration.py``), so those 36 cells run against a real server with
``ssl=on`` and hostssl lines; ``test_force_ssl_implies_ssl`` pins that. The real server is one
process for the whole module; each of the four configurations is installed with
``pg_ctl reload`` (``ssl`` and pg_hba.conf are SIGHUP settings).

What is compared, per cell:

* connected or not, and whether the session is encrypted (``pgconn.ssl_in_use`` vs
  ``Outcome.encrypted``);
* the error text (libpq's ``PQerrorMessage``: ``psycopg.OperationalError.pgconn.error_message``,
  without psycopg's own ``connection failed: `` wrapper), line by line, after the
  ``connection to server at ... failed: `` prefix, and with the client address in the
  server's FATAL (``host "127.0.0.1"`` vs ``host "203.0.113.10"``) replaced by a placeholder;
* the prefix shape separately: the same lines carry a prefix in both texts (prefer/allow print
  one per attempt). With ``hostaddr`` libpq names only the address (``connection to server at
  "127.0.0.1", port N failed: ``), while the emulated client, which resolves the name, prints
  ``connection to server at "<name>" (<emulated ip>), port 5432 failed: ``; each side is
  checked against its own exact shape.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from psycopg import pq

import aurora_sec as aurora
from aurora_sec.aws.account import Account
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.hba import HbaRule, aurora_rules
from tests.client_oracle.tls_server import TlsPgServer, start_tls_server

PASSWORD = "matrix-Master-pw-42"
CLIENT_IP = "203.0.113.10"
HOME = "/home/ec2-user"
"""The emulator's client home; the real client gets it as $HOME (libpq 16+ reads $HOME)."""
LIBPQ_MAJOR = pq.version() // 10000
"""psycopg's bundled libpq (18 with psycopg[binary] 3.3)."""

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
Root = Literal["present", "absent", "wrong"]
HostChoice = Literal["right", "wrong"]

SSLMODES: tuple[SslMode, ...] = (
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
)
ROOTS: tuple[Root, ...] = ("present", "absent", "wrong")
SERVER_SSL: tuple[bool, ...] = (True, False)
FORCE_SSL: tuple[bool, ...] = (False, True)
HOSTS: tuple[HostChoice, ...] = ("right", "wrong")

CELL_COUNT = len(SSLMODES) * len(ROOTS) * len(SERVER_SSL) * len(FORCE_SSL) * len(HOSTS)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# The emulated worlds


@dataclass(frozen=True)
class World:
    """One emulated account: cluster ``prod`` (parameters ssl/rds.force_ssl), instance
    ``prod-1``, a custom endpoint ``extra``; and the files both clients read."""

    ssl_param: bool
    force_ssl: bool
    acct: Account
    right_host: str
    wrong_host: str
    emulated_ip: str
    config: EngineConfig
    root_files: dict[Root, Path]
    """The sslrootcert path of each root choice (absent: a path that is not passed)."""

    def host(self, choice: HostChoice) -> str:
        return self.right_host if choice == "right" else self.wrong_host

    def files(self, root: Root) -> dict[str, bytes]:
        if root == "absent":
            return {}
        path = self.root_files[root]
        return {str(path): path.read_bytes()}


def _self_made_ca() -> bytes:
    """A CA nobody else knows: self-signed P-256, valid around the emulator's clock."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not the RDS CA")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def build_world(ssl_param: bool, force_ssl: bool, folder: Path, wrong_ca: bytes) -> World:
    acct = Account(seed=5)
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
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="matrix",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {
                "ParameterName": "ssl",
                "ParameterValue": "1" if ssl_param else "0",
                "ApplyMethod": "immediate",
            },
            {
                "ParameterName": "rds.force_ssl",
                "ParameterValue": "1" if force_ssl else "0",
                "ApplyMethod": "immediate",
            },
        ],
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        DBClusterParameterGroupName="g",
        VpcSecurityGroupIds=[sg],
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    custom = rds.create_db_cluster_endpoint(
        DBClusterIdentifier="prod", DBClusterEndpointIdentifier="extra", EndpointType="ANY"
    )
    right_host: str = cluster["Endpoint"]
    wrong_host: str = custom["Endpoint"]
    addresses = acct.network(CLIENT_IP).resolve(right_host)
    assert len(addresses) == 1
    assert tuple(acct.network(CLIENT_IP).resolve(wrong_host)) == tuple(addresses)
    folder.mkdir(parents=True, exist_ok=True)
    present = folder / "rds-global-bundle.pem"
    present.write_bytes(acct.ca_bundle_pem())
    wrong = folder / "self-made-ca.pem"
    wrong.write_bytes(wrong_ca)
    return World(
        ssl_param=ssl_param,
        force_ssl=force_ssl,
        acct=acct,
        right_host=right_host,
        wrong_host=wrong_host,
        emulated_ip=addresses[0],
        config=acct.rds.engine_config("prod-1"),
        root_files={"present": present, "wrong": wrong, "absent": folder / "not-passed.pem"},
    )


def hba_lines(rules: tuple[HbaRule, ...]) -> list[str]:
    """The emulator's rules as pg_hba.conf lines (``all`` address -> 0.0.0.0/0, no pam)."""
    lines = []
    for rule in rules:
        if rule.method == "pam":
            continue
        address = "0.0.0.0/0" if rule.address == "all" else rule.address
        lines.append(HbaRule(rule.conn_type, rule.database, rule.user, address, rule.method).line())
    return lines


# --------------------------------------------------------------------------------------------
# The real server, one per module, reconfigured per world


class Lab:
    """The real server and the four worlds; installs a world's configuration on demand."""

    def __init__(self, server: TlsPgServer, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.wrong_ca = _self_made_ca()
        self._worlds: dict[tuple[bool, bool], World] = {}
        self._installed: tuple[bool, bool] | None = None

    def world(self, ssl_param: bool, force_ssl: bool) -> World:
        key = (ssl_param, force_ssl)
        found = self._worlds.get(key)
        if found is None:
            name = f"ssl{int(ssl_param)}-force{int(force_ssl)}"
            found = build_world(ssl_param, force_ssl, self.folder / name, self.wrong_ca)
            self._worlds[key] = found
        return found

    def install(self, world: World) -> None:
        key = (world.ssl_param, world.force_ssl)
        if self._installed == key:
            return
        identity = world.acct.rds.tls_identity("prod-1", ("TLSv1.2",))
        self.server.configure(
            ssl=world.config.ssl,
            chain_pem=identity.chain_pem(),
            key_pem=identity.key_pem(),
            hba_lines=hba_lines(aurora_rules(world.config)),
        )
        self.server.set_password("postgres", PASSWORD, world.config.password_encryption)
        self._installed = key


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = time.monotonic()
    server = start_tls_server()
    try:
        yield Lab(server, tmp_path_factory.mktemp("libpq-matrix"))
    finally:
        server.stop()
        print(f"\nreal libpq matrix: server up {time.monotonic() - started:.2f} s in all")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PG* variables for the real libpq, and the emulator's home as $HOME."""
    for name in list(os.environ):
        if name.startswith("PG"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", HOME)
    assert not Path(HOME, ".postgresql", "root.crt").exists()


# --------------------------------------------------------------------------------------------
# One connection each way


@dataclass(frozen=True)
class Result:
    ok: bool
    encrypted: bool
    message: str
    """The driver's error text without its trailing newline ("" when connected)."""


def in_fresh_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in a new thread: libpq reports the oldest entry of OpenSSL's per-thread
    error queue, so a clean thread gives what a fresh process prints."""
    box: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


def real_connect(conninfo: str) -> Result:
    def call() -> Result:
        try:
            conn = psycopg.connect(conninfo)
        except psycopg.OperationalError as exc:
            pgconn = exc.pgconn
            if pgconn is not None:
                text = pgconn.error_message.decode("utf-8", "replace")
            else:
                text = str(exc).removeprefix("connection failed: ")
            return Result(False, False, text.rstrip("\n"))
        try:
            return Result(True, bool(conn.pgconn.ssl_in_use), "")
        finally:
            conn.close()

    return in_fresh_thread(call)


def emulated_connect(world: World, root: Root, conninfo: str) -> Result:
    client = aurora.Client(
        world.acct,
        ip=CLIENT_IP,
        driver_version=LIBPQ_MAJOR,
        files=world.files(root),
        env={},
    )
    outcome = client.attempt(conninfo)
    return Result(bool(outcome.ok), bool(outcome.encrypted), (outcome.message or "").rstrip("\n"))


_PREFIX = re.compile(r"^connection to server at (?P<who>.*?), port (?P<port>\d+) failed: ")


def split_prefixes(text: str) -> list[tuple[str | None, str]]:
    """Each line as (prefix or None, the rest)."""
    out: list[tuple[str | None, str]] = []
    for line in text.split("\n"):
        match = _PREFIX.match(line)
        if match is None:
            out.append((None, line))
        else:
            out.append((match.group(0), line[match.end() :]))
    return out


def body(text: str, client_ip: str) -> list[str]:
    """The lines after their prefixes, with the client address the server saw as <client>."""
    return [
        rest.replace(f'host "{client_ip}"', 'host "<client>"') for _, rest in split_prefixes(text)
    ]


# --------------------------------------------------------------------------------------------
# The matrix


@dataclass(frozen=True)
class Cell:
    sslmode: SslMode
    root: Root
    server_ssl: bool
    force_ssl: bool
    host: HostChoice

    @property
    def id(self) -> str:
        return (
            f"{self.sslmode}-root_{self.root}-ssl{int(self.server_ssl)}"
            f"-force{int(self.force_ssl)}-host_{self.host}"
        )


# Grouped by server configuration, so the real server is reconfigured four times.
CELLS: list[Cell] = [
    Cell(sslmode, root, server_ssl, force_ssl, host)
    for server_ssl in SERVER_SSL
    for force_ssl in FORCE_SSL
    for sslmode in SSLMODES
    for root in ROOTS
    for host in HOSTS
]
assert len(CELLS) == CELL_COUNT == 144


def _param(cell: Cell) -> object:
    return pytest.param(cell, id=cell.id)


@pytest.mark.parametrize("cell", [_param(cell) for cell in CELLS])
def test_real_libpq_and_emulator_agree(lab: Lab, clean_env: None, cell: Cell) -> None:
    world = lab.world(cell.server_ssl, cell.force_ssl)
    lab.install(world)
    host = world.host(cell.host)
    dsn = (
        f"host={host} user=postgres password={PASSWORD} dbname=postgres"
        f" sslmode={cell.sslmode} connect_timeout=5"
    )
    if cell.root != "absent":
        dsn += f" sslrootcert={world.root_files[cell.root]}"
    real = real_connect(f"{dsn} hostaddr=127.0.0.1 port={lab.server.port}")
    emulated = emulated_connect(world, cell.root, dsn)

    assert PASSWORD not in real.message
    assert PASSWORD not in emulated.message
    assert (emulated.ok, emulated.encrypted) == (real.ok, real.encrypted), (real, emulated)
    if real.ok:
        return
    assert body(emulated.message, CLIENT_IP) == body(real.message, "127.0.0.1"), (
        f"\nreal:     {real.message!r}\nemulated: {emulated.message!r}"
    )
    real_prefixes = [prefix for prefix, _ in split_prefixes(real.message)]
    emulated_prefixes = [prefix for prefix, _ in split_prefixes(emulated.message)]
    real_shape = f'connection to server at "127.0.0.1", port {lab.server.port} failed: '
    emulated_shape = f'connection to server at "{host}" ({world.emulated_ip}), port 5432 failed: '
    assert [p is not None for p in emulated_prefixes] == [p is not None for p in real_prefixes]
    assert {p for p in real_prefixes if p is not None} <= {real_shape}
    assert {p for p in emulated_prefixes if p is not None} <= {emulated_shape}


def test_force_ssl_implies_ssl(lab: Lab) -> None:
    """The 36 cells with ssl=0 and rds.force_ssl=1 run against an instance with ssl on."""
    world = lab.world(False, True)
    assert world.config.ssl
    assert world.config.force_ssl
    assert hba_lines(aurora_rules(world.config)) == [
        "hostnossl all +rds_iam 0.0.0.0/0 reject",
        "hostssl all rdsadmin samehost md5",
        "hostssl all rdsadmin 0.0.0.0/0 reject",
        "hostssl all all 0.0.0.0/0 md5",
    ]
    assert not lab.world(False, False).config.ssl
    assert LIBPQ_MAJOR == 18
