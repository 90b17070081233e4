"""The sslmode state machines of libpq and pgjdbc, as data tables (h11's shape), sans-IO.

A connection attempt is a walk through two small tables:

* the *order* in which a driver tries encryption methods for an sslmode
  (:data:`LIBPQ_METHOD_ORDER`, :data:`PGJDBC_METHOD_ORDER`): libpq ``allow`` = plaintext then
  SSL, ``prefer`` = SSL then plaintext, ``require`` and stronger = SSL only;
* what the driver does after each *event* of an attempt (:data:`LIBPQ_TRANSITIONS`,
  :data:`PGJDBC_TRANSITIONS`): the server refused SSL (``N``), the TLS handshake or the
  certificate check failed, the server sent a FATAL during startup, ``57P03`` cannot connect
  now, the client could not answer an authentication request.

The server side is an input: a :class:`Network` resolves names and reaches a
:class:`ServerEndpoint` (``accepts_ssl``, ``accepts_direct_ssl``, ``tls``, and
``decide(startup)`` -> :class:`Accepted` | :class:`Fatal` | :class:`PasswordRequired`), which
the engine implements. The certificate checks are :mod:`aurora_sec.client.verify`'s.

:func:`negotiate_libpq` returns a :class:`Outcome` with the trace of every attempt and, on
failure, the exact text: ``PQerrorMessage`` (14+: each attempt's errors after ``connection to
server at "host" (ip), port 5432 failed: ``; 13 and older without it, and a TLS-stage error
there resets what earlier attempts wrote) and what psql prints. :func:`negotiate_pgjdbc` does
the same for pgjdbc's ``ConnectionFactoryImpl`` (``prefer`` falls back to plaintext only on
SQLSTATE 28000 or an SSL response timeout; ``allow`` retries with SSL on 28000; the first
attempt's exception is the one thrown).

Observed and source-read behaviour (postgres-truth.md 5.2, fe-connect.c 11-18, pgjdbc
``ConnectionFactoryImpl``), checked against real libpq 15 and 18 in
tests/client/test_negotiation_oracle.py:

* ``prefer`` retries without SSL after *any* TLS-stage failure, including a failed
  certificate check against an existing root file, and after a FATAL over SSL: both
  attempts' errors are printed, SSL first.
* ``allow`` after a plaintext FATAL retries with SSL; if the server then refuses SSL, 16 and
  older continue in plaintext on that connection, 17 and later stop with ``server does not
  support SSL, but SSL was required``.
* A FATAL or a TLS failure ends the whole connection: later hosts of a multi-host string
  are tried only after network failures, DNS failures and 57P03.

UNCONFIRMED: ``sslnegotiation=direct`` against a server that does not accept direct SSL
(pre-17) is reported as ``SSL SYSCALL error: EOF detected``; a refused or timed-out TCP
connect uses Linux's ``strerror`` texts.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal, Protocol

import attrs
from cryptography import x509

from aurora_sec.client.certificates import TlsIdentity
from aurora_sec.client.conninfo import (
    ConnectOptions,
    ConninfoError,
    HostSpec,
    Libpq,
    parse_int_param,
)
from aurora_sec.client.jdbc_url import JdbcUrl, ssl_settings
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.verify import CertCheck, CertificateChecker, RootCertificates
from aurora_sec.errors import ConnectionFailed
from aurora_sec.secrets import Secret
from aurora_sec.versions import behaviour

__all__ = [
    "CLIENT_OFFERED_SUITES",
    "LIBPQ_HANDSHAKE_FAILURE",
    "LIBPQ_METHOD_ORDER",
    "LIBPQ_TRANSITIONS",
    "PGJDBC_HANDSHAKE_FAILURE",
    "PGJDBC_METHOD_ORDER",
    "PGJDBC_TRANSITIONS",
    "Accepted",
    "Attempt",
    "Fatal",
    "Network",
    "Outcome",
    "PasswordRequired",
    "ServerEndpoint",
    "Startup",
    "Unreachable",
    "negotiate_libpq",
    "negotiate_pgjdbc",
    "tls_version_between",
]

Method = Literal["ssl", "plain"]
Event = Literal["ssl-refused", "tls-failed", "fatal", "cannot-connect-now", "client-auth-failed"]
Action = Literal[
    "proceed-plaintext",  # same connection, continue without SSL (no new attempt)
    "retry-plaintext",  # new connection without SSL, if plaintext is still allowed
    "retry-ssl",  # new connection with SSL, if SSL is still allowed
    "fail-ssl-required",  # stop: "server does not support SSL, but SSL was required"
    "fail",  # stop with what was reported
    "next-host",  # give up this host, try the next one
]

# --------------------------------------------------------------------------------------------
# The server side, as the client sees it (implemented by the engine)
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Startup:
    """What the client sends once the channel is set: the StartupMessage and its password."""

    encrypted: bool
    user: str
    database: str
    password: Secret | None
    tls_version: str | None = None
    application_name: str | None = None
    driver: Literal["libpq", "pgjdbc"] = "libpq"
    #: The suite the handshake settled on (None: not encrypted, or not negotiated here).
    tls_cipher: str | None = None


@attrs.frozen
class Accepted:
    """The server let the client in (AuthenticationOk ... ReadyForQuery); ``session`` is the
    engine's, passed through untouched."""

    session: object = None
    #: Gives the server's connection slot back (the client closed the connection).
    close: Callable[[], None] | None = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class Fatal:
    """An ErrorResponse during startup or authentication."""

    sqlstate: str
    message: str
    detail: str | None = None
    hint: str | None = None
    severity: str = "FATAL"

    def libpq_lines(self) -> tuple[str, ...]:
        lines = [f"{self.severity}:  {self.message}"]
        if self.detail is not None:
            lines.append(f"DETAIL:  {self.detail}")
        if self.hint is not None:
            lines.append(f"HINT:  {self.hint}")
        return tuple(lines)

    def pgjdbc_message(self) -> str:
        text = f"{self.severity}: {self.message}"
        if self.detail is not None:
            text += f"\n  Detail: {self.detail}"
        if self.hint is not None:
            text += f"\n  Hint: {self.hint}"
        return text


@attrs.frozen
class PasswordRequired:
    """The server asked for a password (``method``) and the client has none to give."""

    method: Literal["password", "md5", "scram-sha-256"] = "scram-sha-256"


Verdict = Accepted | Fatal | PasswordRequired


class ServerEndpoint(Protocol):
    """One server a client reached: what it answers at each step."""

    @property
    def accepts_ssl(self) -> bool:
        """``S`` (True) or ``N`` (False) to an SSLRequest."""
        ...

    @property
    def accepts_direct_ssl(self) -> bool:
        """Whether a TLS ClientHello without SSLRequest is accepted (PostgreSQL 17+)."""
        ...

    @property
    def tls(self) -> TlsIdentity | None:
        """The chain, key and TLS versions the server presents (None: no SSL)."""
        ...

    def tls_cipher(self, tls_version: str, offered: Collection[str]) -> str | None:
        """The suite the server picks from a client's ``offered`` ones (None: no shared
        cipher, the handshake fails)."""
        ...

    def decide(self, startup: Startup) -> Verdict:
        """The verdict on a StartupMessage (pg_hba, authentication, role, database...)."""
        ...


@attrs.frozen
class Unreachable:
    """A TCP connect that failed: ``refused`` (RST) or ``timeout`` (packets dropped)."""

    reason: Literal["refused", "timeout"]


class Network(Protocol):
    """Name resolution and reachability, as the client's network sees them."""

    def resolve(self, host: str) -> Sequence[str]:
        """The addresses of a host name (empty: it does not resolve)."""
        ...

    def connect(self, address: str, port: int) -> ServerEndpoint | Unreachable:
        """Open a TCP connection to an address."""
        ...


# --------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------

#: libpq: the encryption methods tried, in order, per sslmode.
LIBPQ_METHOD_ORDER: Mapping[str, tuple[Method, ...]] = MappingProxyType(
    {
        "disable": ("plain",),
        "allow": ("plain", "ssl"),
        "prefer": ("ssl", "plain"),
        "require": ("ssl",),
        "verify-ca": ("ssl",),
        "verify-full": ("ssl",),
    }
)

#: libpq: (negotiation family, sslmode, method, event) -> action. ``*`` matches anything; the
#: most specific row wins (exact family, then sslmode, then method). The family is
#: ``libpq.encryption_negotiation`` of RULES (``flags`` up to 16, ``methods`` from 17).
LIBPQ_TRANSITIONS: Mapping[tuple[str, str, str, Event], Action] = MappingProxyType(
    {
        ("*", "prefer", "ssl", "ssl-refused"): "proceed-plaintext",
        ("flags", "allow", "ssl", "ssl-refused"): "proceed-plaintext",
        ("methods", "allow", "ssl", "ssl-refused"): "fail-ssl-required",
        ("*", "require", "ssl", "ssl-refused"): "fail-ssl-required",
        ("*", "verify-ca", "ssl", "ssl-refused"): "fail-ssl-required",
        ("*", "verify-full", "ssl", "ssl-refused"): "fail-ssl-required",
        ("*", "prefer", "ssl", "tls-failed"): "retry-plaintext",
        ("*", "*", "ssl", "tls-failed"): "fail",
        ("*", "prefer", "ssl", "fatal"): "retry-plaintext",
        ("*", "allow", "plain", "fatal"): "retry-ssl",
        ("*", "*", "*", "fatal"): "fail",
        ("*", "*", "*", "cannot-connect-now"): "next-host",
        ("*", "*", "*", "client-auth-failed"): "fail",
    }
)

#: pgjdbc (42.2.5+): the methods tried per sslmode (``ssl`` = SSLRequest first): libpq's
#: order; the drivers differ in what they do after a failure (the transitions below).
PGJDBC_METHOD_ORDER: Mapping[str, tuple[Method, ...]] = LIBPQ_METHOD_ORDER

#: pgjdbc: (sslmode, method, event, sqlstate or ``*``) -> action. Only 28000 makes
#: ``prefer`` and ``allow`` try again; everything else is thrown at once.
PGJDBC_TRANSITIONS: Mapping[tuple[str, str, Event, str], Action] = MappingProxyType(
    {
        ("prefer", "ssl", "ssl-refused", "*"): "proceed-plaintext",
        ("allow", "ssl", "ssl-refused", "*"): "fail-ssl-required",
        ("require", "ssl", "ssl-refused", "*"): "fail-ssl-required",
        ("verify-ca", "ssl", "ssl-refused", "*"): "fail-ssl-required",
        ("verify-full", "ssl", "ssl-refused", "*"): "fail-ssl-required",
        ("prefer", "ssl", "fatal", "28000"): "retry-plaintext",
        ("allow", "plain", "fatal", "28000"): "retry-ssl",
        ("*", "*", "fatal", "*"): "fail",
        ("*", "*", "tls-failed", "*"): "fail",
        ("*", "*", "cannot-connect-now", "*"): "fail",
        ("*", "*", "client-auth-failed", "*"): "fail",
    }
)


#: The cipher suites a client offers in its ClientHello: OpenSSL's default list (libpq sets
#: none; read from real libpq 15 with OpenSSL 3.0 and libpq 18 with OpenSSL 3.5, which offer
#: the same, in tests/client_oracle/test_ciphers.py). pgjdbc (JSSE) is given the same offer:
#: it picked what libpq picked in every case tried by hand (PGJDBC_HANDSHAKE_FAILURE).
CLIENT_OFFERED_SUITES: Final = frozenset(
    {
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "DHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "DHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES256-SHA384",
        "DHE-RSA-AES256-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "DHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-RSA-AES256-SHA",
        "DHE-RSA-AES256-SHA",
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-RSA-AES128-SHA",
        "DHE-RSA-AES128-SHA",
        "AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-SHA256",
        "AES128-SHA256",
        "AES256-SHA",
        "AES128-SHA",
    }
)

#: libpq's text when the server answers the ClientHello with a handshake_failure alert (no
#: shared cipher): ``SSL error: `` and OpenSSL's reason, which OpenSSL 3.2 renamed. Keyed by
#: the libpq major, taking the OpenSSL a libpq of that major is usually built with (observed:
#: Debian 12's libpq 15 with OpenSSL 3.0, psycopg's libpq 18 with OpenSSL 3.5).
LIBPQ_HANDSHAKE_FAILURE: Mapping[int, str] = MappingProxyType(
    {
        10: "SSL error: sslv3 alert handshake failure",
        18: "SSL error: ssl/tls alert handshake failure",
    }
)

#: pgjdbc's text for the same alert (SQLSTATE 08006; ``prefer`` does not fall back). Observed
#: by hand with pgjdbc 42.7.13 on OpenJDK 17.0.15 against the real PostgreSQL 15 of
#: tests/client_oracle/test_ciphers.py (JSSE's default suites there include every suite of
#: Aurora's AllowedValues); not replayed by the suite, which runs no JVM.
PGJDBC_HANDSHAKE_FAILURE: Final = "SSL error: Received fatal alert: handshake_failure"


def _libpq_action(family: str, sslmode: str, method: str, event: Event) -> Action:
    for f in (family, "*"):
        for mode in (sslmode, "*"):
            for m in (method, "*"):
                found = LIBPQ_TRANSITIONS.get((f, mode, m, event))
                if found is not None:
                    return found
    raise KeyError((family, sslmode, method, event))  # pragma: no cover - the table is total


def _pgjdbc_action(sslmode: str, method: str, event: Event, sqlstate: str) -> Action:
    for mode in (sslmode, "*"):
        for m in (method, "*"):
            for state in (sqlstate, "*"):
                found = PGJDBC_TRANSITIONS.get((mode, m, event, state))
                if found is not None:
                    return found
    raise KeyError((sslmode, method, event, sqlstate))  # pragma: no cover


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

_TLS_ORDER: Final = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def tls_version_between(
    client_min: str | None, client_max: str | None, server: Sequence[str]
) -> str | None:
    """The highest TLS version both sides allow (None: the handshake fails)."""
    low = _TLS_ORDER.index(_canon(client_min)) if client_min else 0
    high = _TLS_ORDER.index(_canon(client_max)) if client_max else len(_TLS_ORDER) - 1
    for version in reversed(_TLS_ORDER[low : high + 1]):
        if version in server:
            return version
    return None


def _canon(version: str) -> str:
    for known in _TLS_ORDER:
        if known.lower() == version.lower():
            return known
    raise ValueError(version)


@attrs.frozen
class Attempt:
    """One connection attempt: where, how, what happened, and what the driver reported."""

    host: str
    address: str | None
    port: int | None
    method: str  # "ssl", "plain", "direct-ssl", or "none" (no connection made)
    events: tuple[str, ...]
    encrypted: bool = False
    error_lines: tuple[str, ...] = ()
    #: The cipher suite the TLS handshake chose (None: no handshake completed).
    cipher: str | None = None


@attrs.frozen
class Outcome:
    """How a connection ended: ``ok`` with the server reached, or the driver's error text."""

    ok: bool
    attempts: tuple[Attempt, ...]
    message: str | None = None
    sqlstate: str | None = None
    driver: Literal["libpq", "pgjdbc"] = "libpq"
    major: int = 17
    encrypted: bool = False
    tls_version: str | None = None
    server: ServerEndpoint | None = None
    verdict: Accepted | None = None
    host: str | None = None
    address: str | None = None
    port: int | None = None
    certificate: CertCheck | None = None
    cipher: str | None = None

    def psql_text(self) -> str | None:
        """What psql prints (libpq only)."""
        if self.message is None:
            return None
        return str(behaviour("psql.error_prefix", self.major)) + self.message

    def raise_for_failure(self) -> None:
        if not self.ok:
            raise ConnectionFailed(self.message or "")


# --------------------------------------------------------------------------------------------
# libpq
# --------------------------------------------------------------------------------------------


class _Buffer:
    """``conn->errorMessage``: lines, with 14+'s per-attempt prefix and 13's resets."""

    def __init__(self, libpq: Libpq) -> None:
        self.lines: list[str] = []
        self.prefix_pending: str | None = None
        self.accumulate = libpq.rule("libpq.error_buffer") == "accumulate"
        self.prefixed = bool(libpq.rule("libpq.connection_prefix"))

    def begin(self, prefix: str) -> None:
        if self.prefixed:
            self.prefix_pending = prefix

    def add(self, lines: Sequence[str], *, resets: bool = False) -> None:
        if resets and not self.accumulate:
            self.lines = []
        out = list(lines)
        if self.prefix_pending is not None and out:
            out[0] = self.prefix_pending + out[0]
            self.prefix_pending = None
        self.lines.extend(out)

    def text(self) -> str:
        return "\n".join(self.lines)


def _prefix(spec: HostSpec, address: str, port: str) -> str:
    if spec.kind == "address":
        shown = spec.hostaddr or address
        return f'connection to server at "{shown}", port {port} failed: '
    shown = spec.host or ""
    if address and shown != address:
        return f'connection to server at "{shown}" ({address}), port {port} failed: '
    return f'connection to server at "{shown}", port {port} failed: '


def _unreachable_lines(
    libpq: Libpq, reason: str, spec: HostSpec, address: str, port: str, timeout: int
) -> list[str]:
    if reason == "timeout" and timeout > 0:
        return ["timeout expired"]
    errno_text = "Connection refused" if reason == "refused" else "Connection timed out"
    if libpq.rule("libpq.connection_prefix"):
        return [
            errno_text,
            "\tIs the server running on that host and accepting TCP/IP connections?",
        ]
    shown = spec.hostaddr if spec.kind == "address" else spec.host
    if spec.kind != "address" and address and shown != address:
        where = f'"{shown}" ({address})'
    else:
        where = f'"{shown}"'
    return [
        f"could not connect to server: {errno_text}",
        f"\tIs the server running on host {where} and accepting",
        f"\tTCP/IP connections on port {port}?",
    ]


def _tls_failure_lines(libpq: Libpq, options: ConnectOptions) -> list[str]:
    lines = ["SSL error: tlsv1 alert protocol version"]
    if libpq.rule("libpq.tls_version_hint"):
        low = options.ssl_min_protocol_version
        high = options.ssl_max_protocol_version
        lines.append(
            "This may indicate that the server does not support any SSL protocol version "
            f"between {low if low is not None else 'TLSv1'} and {high if high is not None else 'TLSv1.3'}."
        )
    return lines


def _gss_required_lines(libpq: Libpq) -> list[str]:
    if libpq.major >= 17:
        return ["GSSAPI encryption required but no credential cache"]
    return [
        "GSSAPI encryption required but was impossible (possibly no credential cache, "
        "no server support, or using a local socket)"
    ]


def negotiate_libpq(
    options: ConnectOptions,
    network: Network,
    *,
    machine: ClientMachine,
    now: _dt.datetime,
    checker: CertificateChecker | None = None,
    system_roots: Sequence[x509.Certificate] = (),
) -> Outcome:
    """``PQconnectdb`` with these options over this network, up to ReadyForQuery or failure."""
    libpq = options.libpq
    checker = checker or CertificateChecker()
    buffer = _Buffer(libpq)
    attempts: list[Attempt] = []
    family = str(libpq.rule("libpq.encryption_negotiation"))
    sslmode = options.sslmode
    direct = options.sslnegotiation == "direct"
    gss_required = options.get("gssencmode") == "require" and libpq.gss
    timeout_checked = False
    timeout = 0
    root: RootCertificates | None = None

    def fail(sqlstate: str | None = None) -> Outcome:
        return Outcome(False, tuple(attempts), buffer.text(), sqlstate, "libpq", libpq.major)

    for spec in options.hosts:
        display_host = spec.display_host
        # the port, as PQconnectPoll reads it for this host
        if spec.port:
            try:
                port_number = parse_int_param(spec.port, "port", libpq)
            except ConninfoError as exc:
                buffer.add([exc.message])
                attempts.append(
                    Attempt(
                        display_host, None, None, "none", ("bad-port",), error_lines=(exc.message,)
                    )
                )
                return fail()
            if not 1 <= port_number <= 65535:
                line = f'invalid port number: "{spec.port}"'
                buffer.add([line])
                attempts.append(
                    Attempt(display_host, None, None, "none", ("bad-port",), error_lines=(line,))
                )
                continue
        else:
            port_number = 5432
        port_text = str(port_number) if spec.port else "5432"
        if spec.kind == "socket":
            socket_path = f"{spec.host}/.s.PGSQL.{port_number}"
            lines = (
                [
                    f'connection to server on socket "{socket_path}" failed: No such file or directory',
                    "\tIs the server running locally and accepting connections on that socket?",
                ]
                if libpq.rule("libpq.connection_prefix")
                else [
                    "could not connect to server: No such file or directory",
                    "\tIs the server running locally and accepting",
                    f'\tconnections on Unix domain socket "{socket_path}"?',
                ]
            )
            buffer.add(lines)
            attempts.append(
                Attempt(
                    display_host,
                    socket_path,
                    port_number,
                    "none",
                    ("no-socket",),
                    error_lines=tuple(lines),
                )
            )
            continue
        if spec.kind == "address":
            addresses: Sequence[str] = [spec.hostaddr or ""]
        else:
            addresses = network.resolve(spec.host or "")
            if not addresses:
                line = f'could not translate host name "{spec.host}" to address: Name or service not known'
                buffer.add([line])
                attempts.append(
                    Attempt(
                        display_host,
                        None,
                        port_number,
                        "none",
                        ("no-address",),
                        error_lines=(line,),
                    )
                )
                continue

        next_host = False
        for address in addresses:
            methods = list(LIBPQ_METHOD_ORDER[sslmode])
            if direct:
                methods = ["ssl"]
            while methods:
                method = methods.pop(0)
                prefix = _prefix(spec, address, port_text)
                buffer.begin(prefix)
                endpoint = network.connect(address, port_number)
                if not timeout_checked:
                    timeout_checked = True
                    raw = options.connect_timeout
                    if raw is not None:
                        try:
                            timeout = parse_int_param(raw, "connect_timeout", libpq)
                        except ConninfoError as exc:
                            buffer.add([exc.message])
                            attempts.append(
                                Attempt(
                                    display_host,
                                    address,
                                    port_number,
                                    method,
                                    ("bad-connect-timeout",),
                                    error_lines=(exc.message,),
                                )
                            )
                            return fail()
                if isinstance(endpoint, Unreachable):
                    lines = _unreachable_lines(
                        libpq, endpoint.reason, spec, address, port_text, timeout
                    )
                    buffer.add(lines)
                    attempts.append(
                        Attempt(
                            display_host,
                            address,
                            port_number,
                            method,
                            (f"unreachable:{endpoint.reason}",),
                            error_lines=tuple(lines),
                        )
                    )
                    break  # next address
                if gss_required:
                    lines = _gss_required_lines(libpq)
                    buffer.add(lines)
                    attempts.append(
                        Attempt(
                            display_host,
                            address,
                            port_number,
                            method,
                            ("gss-required",),
                            error_lines=tuple(lines),
                        )
                    )
                    return fail()
                events: list[str] = []
                encrypted = False
                tls_version: str | None = None
                cipher: str | None = None
                check: CertCheck | None = None
                error_lines: list[str] = []
                action: Action | None = None
                sqlstate: str | None = None
                if method == "ssl":
                    if direct:
                        events.append("direct-ssl")
                        accepted = endpoint.accepts_direct_ssl and endpoint.tls is not None
                        if not accepted:
                            error_lines = ["SSL SYSCALL error: EOF detected"]  # UNCONFIRMED
                            events.append("tls-failed")
                            buffer.add(error_lines, resets=True)
                            action = _libpq_action(family, sslmode, "ssl", "tls-failed")
                    else:
                        events.append("ssl-request")
                        if not endpoint.accepts_ssl or endpoint.tls is None:
                            events.append("ssl-refused")
                            action = _libpq_action(family, sslmode, "ssl", "ssl-refused")
                            if action == "proceed-plaintext":
                                method = "plain"
                            else:
                                error_lines = ["server does not support SSL, but SSL was required"]
                                buffer.add(error_lines)
                        else:
                            events.append("ssl-accepted")
                    if action is None and method == "ssl":
                        tls = endpoint.tls
                        assert tls is not None
                        if root is None:
                            root = RootCertificates.for_options(options, machine, system_roots)
                        # initialize_SSL (the root file) comes before the handshake
                        check = checker.check_libpq(
                            libpq=libpq,
                            sslmode=sslmode,
                            root=root,
                            presented=tls.chain,
                            host=spec.host,
                            now=now,
                        )
                        if check.stage == "setup":
                            error_lines = list(check.lines)
                        else:
                            tls_version = tls_version_between(
                                options.ssl_min_protocol_version if libpq.major >= 13 else None,
                                options.ssl_max_protocol_version if libpq.major >= 13 else None,
                                tls.tls_versions,
                            )
                            if tls_version is not None:
                                cipher = endpoint.tls_cipher(tls_version, CLIENT_OFFERED_SUITES)
                            if tls_version is None:
                                error_lines = _tls_failure_lines(libpq, options)
                                check = None
                            elif cipher is None:
                                error_lines = [
                                    LIBPQ_HANDSHAKE_FAILURE[
                                        max(m for m in LIBPQ_HANDSHAKE_FAILURE if m <= libpq.major)
                                    ]
                                ]
                                check = None
                            elif not check.ok:
                                error_lines = list(check.lines)
                        if error_lines:
                            events.append("tls-failed")
                            buffer.add(error_lines, resets=True)
                            action = _libpq_action(family, sslmode, "ssl", "tls-failed")
                        else:
                            events.append(f"tls:{tls_version}")
                            encrypted = True
                if action is None or action == "proceed-plaintext":
                    startup = Startup(
                        encrypted=encrypted,
                        user=options.user,
                        database=options.dbname,
                        password=options.password or spec.password,
                        tls_version=tls_version,
                        application_name=options.get("application_name")
                        or options.get("fallback_application_name"),
                        driver="libpq",
                        tls_cipher=cipher if encrypted else None,
                    )
                    verdict = endpoint.decide(startup)
                    if isinstance(verdict, Accepted):
                        events.append("accepted")
                        attempts.append(
                            Attempt(
                                display_host,
                                address,
                                port_number,
                                method,
                                tuple(events),
                                encrypted,
                                cipher=cipher if encrypted else None,
                            )
                        )
                        return Outcome(
                            True,
                            tuple(attempts),
                            None,
                            None,
                            "libpq",
                            libpq.major,
                            encrypted,
                            tls_version,
                            endpoint,
                            verdict,
                            spec.host or spec.hostaddr,
                            address,
                            port_number,
                            check,
                            cipher if encrypted else None,
                        )
                    if isinstance(verdict, PasswordRequired):
                        events.append("password-required")
                        error_lines = ["fe_sendauth: no password supplied"]
                        buffer.add(error_lines)
                        action = _libpq_action(family, sslmode, method, "client-auth-failed")
                    else:
                        sqlstate = verdict.sqlstate
                        events.append(f"fatal:{verdict.sqlstate}")
                        error_lines = list(verdict.libpq_lines())
                        if (
                            verdict.sqlstate == "28P01"
                            and spec.password_from_file
                            and options.password is None
                        ):
                            error_lines.append(
                                f'password retrieved from file "{options.get("passfile")}"'
                            )
                        buffer.add(error_lines)
                        event: Event = (
                            "cannot-connect-now" if verdict.sqlstate == "57P03" else "fatal"
                        )
                        action = _libpq_action(family, sslmode, method, event)
                attempts.append(
                    Attempt(
                        display_host,
                        address,
                        port_number,
                        "ssl" if encrypted else method,
                        tuple(events),
                        encrypted,
                        tuple(error_lines),
                        cipher if encrypted else None,
                    )
                )
                if action == "retry-plaintext" and "plain" in methods:
                    methods = ["plain"]
                    continue
                if action == "retry-ssl" and "ssl" in methods:
                    methods = ["ssl"]
                    continue
                if action == "next-host":
                    next_host = True
                    break
                if action == "fail-ssl-required" and not error_lines:
                    buffer.add(["server does not support SSL, but SSL was required"])
                return fail(sqlstate)
            if next_host:
                break
    if not attempts:  # pragma: no cover - pqConnectOptions2 guarantees one host
        buffer.add(["could not connect"])
    return fail()


# --------------------------------------------------------------------------------------------
# pgjdbc
# --------------------------------------------------------------------------------------------


class _PgjdbcFailure(Exception):
    def __init__(self, message: str, sqlstate: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.kind = kind  # "sql" or "io" or "connect-refused" or "timeout"


def negotiate_pgjdbc(
    url: JdbcUrl,
    network: Network,
    *,
    machine: ClientMachine,
    now: _dt.datetime,
    checker: CertificateChecker | None = None,
    jvm_roots: Sequence[x509.Certificate] = (),
) -> Outcome:
    """``DriverManager.getConnection`` for a parsed URL over this network."""
    checker = checker or CertificateChecker()
    attempts: list[Attempt] = []
    try:
        settings = ssl_settings(url, machine)
    except ConnectionFailed as exc:
        return Outcome(False, (), exc.message, getattr(exc, "sqlstate", None), "pgjdbc")
    legacy = url.driver.rule("pgjdbc.sslmode_model") == "legacy"
    user = url.user or ""
    database = url.dbname or ""
    password = url.password
    hosts = url.hosts
    last: _PgjdbcFailure | None = None

    def try_connect(host: str, port: int, method: Method, mode: str) -> Outcome | _PgjdbcFailure:
        events: list[str] = []
        addresses = network.resolve(host[1:-1] if host.startswith("[") else host)
        if not addresses:
            attempts.append(Attempt(host, None, port, method, ("unknown-host",)))
            return _PgjdbcFailure("The connection attempt failed.", "08001", "io")
        address = addresses[0]
        endpoint = network.connect(address, port)
        if isinstance(endpoint, Unreachable):
            attempts.append(
                Attempt(host, address, port, method, (f"unreachable:{endpoint.reason}",))
            )
            if endpoint.reason == "refused":
                return _PgjdbcFailure(
                    f"Connection to {host}:{port} refused. Check that the hostname and port are "
                    "correct and that the postmaster is accepting TCP/IP connections.",
                    "08001",
                    "connect-refused",
                )
            return _PgjdbcFailure("The connection attempt failed.", "08001", "timeout")
        encrypted = False
        tls_version: str | None = None
        cipher: str | None = None
        check: CertCheck | None = None

        def failed(
            trail: tuple[str, ...], lines: tuple[str, ...], message: str, sqlstate: str
        ) -> _PgjdbcFailure:
            attempts.append(Attempt(host, address, port, method, trail, error_lines=lines))
            return _PgjdbcFailure(message, sqlstate, "sql")

        if method == "ssl":
            events.append("ssl-request")
            if not endpoint.accepts_ssl or endpoint.tls is None:
                events.append("ssl-refused")
                action = _pgjdbc_action(mode, "ssl", "ssl-refused", "*")
                if action != "proceed-plaintext":
                    text = "The server does not support SSL."
                    return failed(tuple(events), (text,), text, "08004")
            else:
                tls = endpoint.tls
                tls_version = tls_version_between("TLSv1.2", "TLSv1.3", tls.tls_versions)
                if tls_version is None:
                    # UNCONFIRMED: the JSSE text of a protocol version alert
                    text = "SSL error: Received fatal alert: protocol_version"
                    return failed((*events, "tls-failed"), (text,), text, "08006")
                cipher = endpoint.tls_cipher(tls_version, CLIENT_OFFERED_SUITES)
                if cipher is None:
                    text = PGJDBC_HANDSHAKE_FAILURE
                    return failed((*events, "tls-failed"), (text,), text, "08006")
                check = checker.check_pgjdbc(
                    trust=settings.trust if not legacy or mode != "disable" else "none",
                    verify_host=settings.verify_host,
                    rootcert=settings.rootcert,
                    machine=machine,
                    presented=tls.chain,
                    host=host,
                    now=now,
                    jvm_roots=jvm_roots,
                )
                if not check.ok:
                    return failed(
                        (*events, "tls-failed"),
                        check.lines,
                        check.message,
                        check.sqlstate or "08006",
                    )
                encrypted = True
                events.append(f"tls:{tls_version}")
        verdict = endpoint.decide(
            Startup(
                encrypted,
                user,
                database,
                password,
                tls_version,
                url.get("ApplicationName"),
                "pgjdbc",
                cipher if encrypted else None,
            )
        )
        if isinstance(verdict, Accepted):
            events.append("accepted")
            attempts.append(
                Attempt(
                    host,
                    address,
                    port,
                    "ssl" if encrypted else "plain",
                    tuple(events),
                    encrypted,
                    cipher=cipher if encrypted else None,
                )
            )
            return Outcome(
                True,
                tuple(attempts),
                None,
                None,
                "pgjdbc",
                0,
                encrypted,
                tls_version,
                endpoint,
                verdict,
                host,
                address,
                port,
                check,
                cipher if encrypted else None,
            )
        if isinstance(verdict, PasswordRequired):
            text = (
                "The server requested SCRAM-based authentication, but no password was provided."
                if verdict.method == "scram-sha-256"
                else "The server requested password-based authentication, but no password was provided by plugin null"
            )
            attempts.append(
                Attempt(
                    host,
                    address,
                    port,
                    "ssl" if encrypted else "plain",
                    (*events, "password-required"),
                    encrypted,
                    (text,),
                )
            )
            return _PgjdbcFailure(text, "08004", "sql")
        events.append(f"fatal:{verdict.sqlstate}")
        attempts.append(
            Attempt(
                host,
                address,
                port,
                "ssl" if encrypted else "plain",
                tuple(events),
                encrypted,
                (verdict.pgjdbc_message(),),
            )
        )
        return _PgjdbcFailure(verdict.pgjdbc_message(), verdict.sqlstate, "sql")

    mode = settings.mode
    for index, spec in enumerate(hosts):
        more = index + 1 < len(hosts)
        if legacy:
            order: tuple[Method, ...] = ("plain",) if mode == "disable" else ("ssl",)
        else:
            order = PGJDBC_METHOD_ORDER[mode]
        first = try_connect(spec.host, spec.port, order[0], mode)
        result = first
        if isinstance(first, _PgjdbcFailure) and len(order) > 1 and not legacy:
            retry = (
                _pgjdbc_action(mode, order[0], "fatal", first.sqlstate)
                if first.kind == "sql"
                else None
            )
            if first.kind == "timeout" and mode == "prefer":
                retry = "retry-plaintext"
            if mode == "allow" and first.kind in ("io", "timeout"):
                retry = "retry-ssl"
            if retry in ("retry-plaintext", "retry-ssl"):
                second = try_connect(
                    spec.host, spec.port, order[1], "require" if retry == "retry-ssl" else "disable"
                )
                result = second if isinstance(second, Outcome) else first
        if isinstance(result, Outcome):
            return result
        last = result
        if more:
            continue
    assert last is not None
    return Outcome(False, tuple(attempts), last.message, last.sqlstate, "pgjdbc")
