"""A client machine that connects: ``aurora_sec.Client(acct, ip=..., driver=...)``.

The machine has an address, a driver (libpq or pgjdbc) of some version, environment variables
and an in-memory file system. ``connect`` parses the connection string as that driver does,
negotiates over the account's network (security groups, firewall, the instance's TLS and
pg_hba), and returns a :class:`Connection` whose session runs SQL, or raises
:class:`~aurora_sec.errors.ConnectionFailed` with exactly what the driver prints.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from aurora_sec.client.conninfo import ConnectOptions, Libpq, connect_options
from aurora_sec.client.jdbc_url import Pgjdbc, parse_jdbc_url
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.negotiation import (
    Accepted,
    Attempt,
    Network,
    Outcome,
    negotiate_libpq,
    negotiate_pgjdbc,
)
from aurora_sec.client.verify import CertificateChecker
from aurora_sec.errors import ConnectionFailed
from aurora_sec.versions import behaviour

__all__ = ["Client", "ConnectTarget", "Connection"]


class ConnectTarget(Protocol):
    """What a client needs from the world it connects into (an Account provides it)."""

    def network(self, client_ip: str, security_groups: Iterable[str], firewall: Any) -> Network: ...

    def clock(self) -> _dt.datetime: ...


class Connection:
    """An open connection: its session, its TLS state and how it got there.

    It holds one of the instance's connection slots until :meth:`close` (or the end of a
    ``with`` block); closing twice is harmless, and a closed connection runs no SQL.
    """

    __slots__ = ("_closed", "outcome", "session")

    def __init__(self, session: Any, outcome: Outcome) -> None:
        self.session = session
        self.outcome = outcome
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Terminate the session and give its slot back (idempotent)."""
        if self._closed:
            return
        self._closed = True
        verdict = self.outcome.verdict
        if verdict is not None and verdict.close is not None:
            verdict.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def ssl(self) -> Any:
        """None, or the protocol/cipher/bits the server reports (``pg_stat_ssl``)."""
        return self.session.ssl

    @property
    def trace(self) -> tuple[Attempt, ...]:
        """Every attempt the driver made (prefer/allow may make two)."""
        return self.outcome.attempts

    def execute(self, sql: str) -> Any:
        if self._closed:
            # psycopg's text for a statement on a closed connection
            raise ConnectionFailed("the connection is closed")
        return self.session.execute(sql)

    def banner(self, psql_version: str) -> str:
        """What psql ``psql_version`` (e.g. ``"15.4"``) prints when this connection opens.

        connection_warnings() in psql's startup.c: ``psql (X)`` or ``psql (X, server Y)``,
        the major-version WARNING when the majors differ, then printSSLInfo's line (its format
        per psql major is the rule ``psql.ssl_banner``), then ``Type "help" for help.``
        """
        server = self.session.guc("server_version") or ""
        client_major = int(psql_version.split(".")[0])
        server_major = int(server.split(".")[0]) if server else client_major
        lines = [
            f"psql ({psql_version})"
            if server == psql_version
            else f"psql ({psql_version}, server {server})"
        ]
        if server_major != client_major:
            lines.append(
                f"WARNING: psql major version {client_major}, server major version {server_major}.\n"
                "         Some psql features might not work."
            )
        ssl = self.ssl
        if ssl is not None:
            template = str(behaviour("psql.ssl_banner", client_major))
            lines.append(
                template.format(
                    protocol=ssl.version,
                    cipher=ssl.cipher,
                    bits=ssl.bits,
                    compression="off",
                    # UNCONFIRMED: libpq 17 sends ALPN "postgresql"; servers before 17 answer none.
                    alpn="postgresql" if server_major >= 17 else "none",
                )
            )
        lines.append('Type "help" for help.')
        return "\n".join(lines)

    def __repr__(self) -> str:
        ssl = self.ssl
        how = f"{ssl.version} {ssl.cipher}" if ssl is not None else "no encryption"
        state = ", closed" if self._closed else ""
        return f"<Connection {self.session.session_user}@{self.outcome.host} ({how}){state}>"


def _major(version: str | int | None, default: int) -> int:
    if version is None:
        return default
    return int(str(version).split(".")[0])


class Client:
    """A machine with an IP address, a driver and its version, environment and files."""

    def __init__(
        self,
        account: ConnectTarget,
        *,
        ip: str,
        driver: Literal["libpq", "pgjdbc"] = "libpq",
        driver_version: str | int | None = None,
        env: Mapping[str, str] | None = None,
        files: Mapping[str, bytes | str] | None = None,
        security_groups: Iterable[str] = (),
        firewall: Any = None,
    ) -> None:
        if driver not in ("libpq", "pgjdbc"):
            raise ValueError(f"driver must be 'libpq' or 'pgjdbc', not {driver!r}")
        self._account = account
        self.ip = ip
        self.driver = driver
        self.machine = ClientMachine(env=dict(env or {}), files=dict(files or {}))
        self._security_groups = tuple(security_groups)
        self._firewall = firewall
        #: Certificate checks are cached per chain and clock window, like a TLS session cache.
        self._checker = CertificateChecker()
        #: Parsed connection strings: the machine (environment, files) never changes, so the
        #: options a string resolves to do not either. Keyed by a keyed digest of the string,
        #: not the string, which may hold a password.
        self._options: dict[bytes, ConnectOptions] = {}
        self._cache_key = os.urandom(16)
        if driver == "libpq":
            self.libpq: Libpq | None = Libpq(major=_major(driver_version, 17))
            self.pgjdbc: Pgjdbc | None = None
        else:
            self.libpq = None
            self.pgjdbc = Pgjdbc(version=str(driver_version)) if driver_version else Pgjdbc()

    def _network(self) -> Network:
        return self._account.network(self.ip, self._security_groups, self._firewall)

    def attempt(self, dsn: str, **properties: str) -> Outcome:
        """Negotiate and return the outcome (never raises for a refused connection).

        A probe: an accepted connection is closed at once, so it holds no slot."""
        outcome = self._attempt(dsn, **properties)
        verdict = outcome.verdict
        if verdict is not None and verdict.close is not None:
            verdict.close()
        return outcome

    def _attempt(self, dsn: str, **properties: str) -> Outcome:
        now = self._account.clock()
        if self.driver == "libpq":
            assert self.libpq is not None
            digest = hashlib.blake2b(
                dsn.encode("utf-8", "surrogatepass"), key=self._cache_key, digest_size=16
            ).digest()
            options = self._options.get(digest)
            if options is None:
                options = connect_options(dsn, self.machine, self.libpq)
                if len(self._options) < 256:
                    self._options[digest] = options
            return negotiate_libpq(
                options, self._network(), machine=self.machine, now=now, checker=self._checker
            )
        url = parse_jdbc_url(dsn, properties or None, self.machine, self.pgjdbc)
        return negotiate_pgjdbc(
            url, self._network(), machine=self.machine, now=now, checker=self._checker
        )

    def connect(self, dsn: str, **properties: str) -> Connection:
        """Connect like the driver; raise ConnectionFailed with the driver's text on failure."""
        outcome = self._attempt(dsn, **properties)
        if not outcome.ok or not isinstance(outcome.verdict, Accepted):
            raise ConnectionFailed(outcome.message or "connection failed")
        return Connection(outcome.verdict.session, outcome)

    def __repr__(self) -> str:
        return f"<Client {self.ip} {self.driver}>"
