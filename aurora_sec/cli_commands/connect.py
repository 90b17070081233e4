"""``aurora-sec connect``: explain a driver's connection to an emulated Aurora cluster.

A fresh cluster (the :mod:`.world` one) is reachable from the client machine
(``203.0.113.10``; its security group is open to that address on 5432). The connection string
is the driver's own: libpq's ``key=value`` or URI form, or pgjdbc's ``jdbc:postgresql:`` URL.
A host written ``CLUSTER`` (or no host at all) is replaced by the cluster endpoint. The user of
the connection string is created ``LOGIN PASSWORD`` with its password (the master user
``postgres`` gets the password of the connection string, ``postgres-password`` when it has
none).

The report shows each attempt the driver makes (``prefer`` and ``allow`` may make two): the
transport, the protocol events, and what the server answered; then the outcome: psql's SSL
line for a libpq connection over TLS, or exactly what the driver prints on failure.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Literal

from aurora_sec.aws.account import Account
from aurora_sec.cli_commands import UsageError
from aurora_sec.cli_commands.output import Painter
from aurora_sec.cli_commands.world import CLIENT_IP, CLUSTER_ID, build_cluster, quote_ident
from aurora_sec.client.client import Client
from aurora_sec.client.conninfo import Libpq, connect_options
from aurora_sec.client.jdbc_url import Pgjdbc, parse_jdbc_url
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.negotiation import Attempt, Outcome
from aurora_sec.errors import ConnectionFailed, PostgresError
from aurora_sec.versions import behaviour

__all__ = ["add_parser", "fill_host", "run"]

DEFAULT_ENGINE_VERSION = "16.4"
MASTER_USER = "postgres"
MASTER_PASSWORD = "postgres-password"
PLACEHOLDER = "CLUSTER"
DEFAULT_ROOT = "~/.postgresql/root.crt"
#: The region whose CA bundle ``--root-cert wrong`` installs (the cluster is in us-east-1).
WRONG_REGION = "eu-west-1"

EPILOG = f"""\
The host CLUSTER (or a connection string without a host) stands for the cluster endpoint.
--root-cert places the RDS CA bundle where the driver looks for it (sslrootcert=FILE, else
{DEFAULT_ROOT}): present (the bundle of the cluster's region), absent (no file), or wrong (the
bundle of another region, {WRONG_REGION}). Without --root-cert nothing is installed.

The database defaults to the user name, as in libpq; the cluster has the database postgres.
The report (attempts, outcome, the driver's message) goes to stdout; exit status 0 when the
connection succeeds, 1 when it fails, 2 for bad usage.

examples:
  aurora-sec connect "host=CLUSTER user=postgres password=pw sslmode=disable" --force-ssl
  aurora-sec connect "host=CLUSTER user=app password=pw sslmode=verify-full" \\
      --engine-version 16.4 --root-cert absent
  aurora-sec connect "postgresql://app:pw@CLUSTER/postgres?sslmode=verify-full" --root-cert present
  aurora-sec connect "jdbc:postgresql://CLUSTER:5432/postgres?user=app&password=pw&sslmode=require" \\
      --driver pgjdbc --force-ssl
"""

_URI = re.compile(r"^(postgres(?:ql)?://)([^/?#]*)(.*)$", re.DOTALL)
_JDBC = re.compile(r"^(jdbc:postgresql:)(//)?(.*)$", re.DOTALL)
_KEYWORD_HOST = re.compile(r"(?:^|\s)host\s*=", re.IGNORECASE)


def fill_host(dsn: str, endpoint: str, driver: str) -> str:
    """``dsn`` with the ``CLUSTER`` placeholder (or a missing host) replaced by ``endpoint``."""
    dsn = re.sub(rf"\b{PLACEHOLDER}\b", endpoint, dsn)
    if driver == "pgjdbc":
        match = _JDBC.match(dsn)
        if match is None:
            return dsn
        prefix, slashes, rest = match.groups()
        if slashes is None:  # jdbc:postgresql:dbname
            return f"{prefix}//{endpoint}/{rest}"
        if rest.startswith(("/", "?")) or rest == "":
            return f"{prefix}//{endpoint}{rest}"
        return dsn
    match = _URI.match(dsn)
    if match is not None:
        scheme, authority, rest = match.groups()
        userinfo, at, hostport = authority.rpartition("@")
        if hostport == "" or hostport.startswith(":"):
            return f"{scheme}{userinfo}{at}{endpoint}{hostport}{rest}"
        return dsn
    if _KEYWORD_HOST.search(dsn) is None:
        return f"{dsn} host={endpoint}".strip()
    return dsn


def _credentials(
    dsn: str, driver: str, machine: ClientMachine, libpq_major: int, pgjdbc: str | None
) -> tuple[str | None, str | None, str | None]:
    """(user, password, sslrootcert) the driver would use, or Nones if the DSN is invalid."""
    try:
        if driver == "pgjdbc":
            url = parse_jdbc_url(dsn, None, machine, Pgjdbc(version=pgjdbc) if pgjdbc else None)
            props = url.properties
            return props.get("user"), props.get("password"), props.get("sslrootcert")
        options = connect_options(dsn, machine, Libpq(major=libpq_major))
    except (ConnectionFailed, ValueError):
        return None, None, None
    values = options.values
    return values.get("user"), values.get("password"), values.get("sslrootcert")


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _describe(attempt: Attempt, index: int) -> list[str]:
    where = attempt.host
    if attempt.address is not None:
        where += f" ({attempt.address})"
    if attempt.port is not None:
        where += f", port {attempt.port}"
    method = {
        "ssl": "SSLRequest, then TLS",
        "plain": "without encryption",
        "direct-ssl": "direct TLS",
        "none": "no connection made",
    }.get(attempt.method, attempt.method)
    lines = [f"attempt {index}: {where}: {method}"]
    if attempt.events:
        lines.append("  events: " + " -> ".join(attempt.events))
    lines.extend(f"  server/driver: {line}" for line in attempt.error_lines)
    return lines


def _banner(outcome: Outcome, libpq_major: int, engine_major: int) -> str | None:
    """psql's SSL line for this connection (None without TLS)."""
    session: Any = outcome.verdict.session if outcome.verdict is not None else None
    ssl = getattr(session, "ssl", None)
    if ssl is None:
        return None
    template = str(behaviour("psql.ssl_banner", libpq_major))
    alpn = "postgresql" if libpq_major >= 17 and engine_major >= 17 else "none"
    return template.format(
        protocol=ssl.version, cipher=ssl.cipher, bits=ssl.bits, compression="off", alpn=alpn
    )


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "connect",
        help="explain a driver's connection attempts to an emulated Aurora cluster",
        description="Connect to an emulated Aurora PostgreSQL cluster with libpq (psql) or "
        "pgjdbc and explain the negotiation attempt by attempt, then print the outcome and "
        "exactly what the driver prints.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dsn", metavar="DSN", help="the driver's connection string or URL")
    parser.add_argument(
        "--driver", choices=("libpq", "pgjdbc"), default="libpq", help="default libpq (psql)"
    )
    parser.add_argument(
        "--driver-version",
        metavar="N",
        help="libpq major (default: the engine's major) or pgjdbc version (e.g. 42.7.4)",
    )
    parser.add_argument(
        "--engine-version",
        default=DEFAULT_ENGINE_VERSION,
        metavar="VERSION",
        help=f"Aurora PostgreSQL engine version (default {DEFAULT_ENGINE_VERSION})",
    )
    parser.add_argument(
        "--force-ssl", action="store_true", help="set rds.force_ssl=1 on the cluster"
    )
    parser.add_argument(
        "--root-cert",
        choices=("present", "absent", "wrong"),
        help="install the RDS CA bundle where the driver looks (see below)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment variable of the client, e.g. PGSSLMODE=disable (repeatable)",
    )
    parser.set_defaults(run=run)
    return parser


def _env(items: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--env expects NAME=VALUE, got {item!r}")
        env[name] = value
    return env


def run(args: argparse.Namespace) -> int:
    driver: Literal["libpq", "pgjdbc"] = args.driver
    engine_major = int(str(args.engine_version).split(".")[0])
    libpq_major = engine_major
    if driver == "libpq" and args.driver_version is not None:
        try:
            libpq_major = int(str(args.driver_version).split(".")[0])
        except ValueError:
            raise UsageError(
                f"--driver-version {args.driver_version!r}: not a libpq major"
            ) from None
    pgjdbc_version = args.driver_version if driver == "pgjdbc" else None
    env = _env(args.env)
    machine = ClientMachine(env=env)
    placeholder_dsn = fill_host(args.dsn, "cluster.invalid", driver)
    user, password, rootcert = _credentials(
        placeholder_dsn, driver, machine, libpq_major, pgjdbc_version
    )
    master_password = password if user == MASTER_USER and password else MASTER_PASSWORD
    params = {"rds.force_ssl": "1"} if args.force_ssl else {}
    world = build_cluster(args.engine_version, params, master_password=master_password)
    account = world.account
    if user and user != MASTER_USER:
        sql = f"CREATE ROLE {quote_ident(user)} LOGIN"
        if password:
            sql += f" PASSWORD {_sql_literal(password)}"
        try:
            account.session(CLUSTER_ID).execute(sql)
        except PostgresError as err:
            raise UsageError(f"cannot create role {user!r}: {err.message}") from None
    files: dict[str, bytes] = {}
    if args.root_cert in ("present", "wrong"):
        bundle = (
            account.ca_bundle_pem()
            if args.root_cert == "present"
            else Account(region=WRONG_REGION, seed=account.seed).ca_bundle_pem()
        )
        path = rootcert if rootcert and rootcert != "system" else DEFAULT_ROOT
        files[path] = bundle
    dsn = fill_host(args.dsn, world.endpoint, driver)
    try:
        client = Client(
            account,
            ip=CLIENT_IP,
            driver=driver,
            driver_version=libpq_major if driver == "libpq" else pgjdbc_version,
            env=env,
            files=files,
        )
    except (ValueError, KeyError) as err:
        raise UsageError(f"--driver-version {args.driver_version}: {err}") from None
    paint = Painter(sys.stdout)
    lines = [
        f"cluster {CLUSTER_ID}: Aurora PostgreSQL {args.engine_version}, "
        f"endpoint {world.endpoint}:{world.port}, rds.force_ssl={'1' if args.force_ssl else '0'}",
        f"client {CLIENT_IP}: {driver} {libpq_major if driver == 'libpq' else (pgjdbc_version or 'default')}"
        f", root certificate {args.root_cert or 'not installed'}",
    ]
    try:
        outcome = client.attempt(dsn)
    except ConnectionFailed as err:
        message = err.message
        if driver == "libpq":
            message = str(behaviour("psql.error_prefix", libpq_major)) + message
        lines.extend([paint("outcome: failed", "red"), message])
        print(_scrub("\n".join(lines), password))
        return 1
    for index, attempt in enumerate(outcome.attempts, start=1):
        lines.extend(_describe(attempt, index))
    if outcome.ok:
        how = "over TLS" if outcome.encrypted else "without encryption"
        lines.append(paint(f"outcome: connected {how}", "green"))
        banner = _banner(outcome, libpq_major, engine_major)
        if banner is not None and driver == "libpq":
            lines.append(banner)
        elif banner is not None and outcome.tls_version is not None:
            lines.append(f"TLS: {outcome.tls_version}")
    else:
        lines.append(paint("outcome: failed", "red"))
        text = outcome.psql_text() if driver == "libpq" else outcome.message
        lines.append(text or "connection failed")
    print(_scrub("\n".join(lines), password))
    return 0 if outcome.ok else 1


def _scrub(text: str, password: str | None) -> str:
    if password and len(password) >= 3:
        text = text.replace(password, "********")
    return text
