"""pgjdbc URLs: ``jdbc:postgresql://host:port,host2/db?prop=value`` and connection properties.

:func:`parse_jdbc_url` follows pgjdbc's ``Driver.parseURL`` and ``Driver.connect``:

* the URL's properties win over the ``Properties`` passed to ``getConnection``, which win
  over the driver defaults (``user`` = the OS user); ``PGHOST`` / ``PGPORT`` default to
  ``localhost`` / ``5432`` and ``PGDBNAME`` to the user;
* values are decoded with ``java.net.URLDecoder`` (``+`` is a space, ``%xx`` UTF-8 bytes);
  property names are case-sensitive and unknown names are ignored, as pgjdbc ignores them;
* a URL pgjdbc cannot parse (two ``/`` after the host list, no ``/`` after it, a bad port,
  unequal host and port counts, a bad percent escape) fails with ``Unable to parse URL
  <url>`` (SQLSTATE 99999, since 42.3.4) or, before, with ``java.sql.DriverManager``'s
  ``No suitable driver found for <url>`` (08001);
* :func:`ssl_settings` is ``SslMode.of`` plus the choice of SSL socket factory: what will be
  tried and verified. ``ssl=true`` (or a bare ``ssl``) without ``sslmode`` means
  ``verify-full`` since 42.2.5, the case behind the AWS sentence "JDBC clients default to
  verify-full"; with neither, pgjdbc uses ``prefer``.

Version differences live in :data:`aurora_sec.versions.RULES` under ``pgjdbc.*``, with
versions encoded by :func:`pgjdbc_version_key`.

Sources: pgjdbc master 3a699d57d ``Driver.java`` (``connect``, ``parseURL``,
``loadDefaultProperties``), ``PGProperty.java``, ``util/PGPropertyUtil.java``,
``util/URLCoder.java``, ``jdbc/SslMode.java``, ``core/SocketFactoryFactory.java``,
``ssl/LibPQFactory.java``, ``ssl/MakeSSL.java``; tags REL42.2.4 (legacy SSL),
REL42.2.5, REL42.3.4 (commit 50f6d510a, "Unable to parse URL"), REL42.7.4 (sslNegotiation).

UNCONFIRMED: pgjdbc's own ``pg_service.conf`` reader is not modelled: a ``service=``
parameter makes the URL unparsable, as an undefined service does. URL parsing before 42.3.4
is taken to be the current one (only the failure text differs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from aurora_sec.client.machine import ClientMachine
from aurora_sec.errors import ConnectionFailed
from aurora_sec.secrets import Secret
from aurora_sec.versions import behaviour

__all__ = [
    "DEFAULT_PGJDBC_VERSION",
    "JdbcHost",
    "JdbcUrl",
    "Pgjdbc",
    "PgjdbcError",
    "SslSettings",
    "parse_jdbc_url",
    "pgjdbc_version_key",
    "ssl_settings",
]

#: The pgjdbc a :class:`Pgjdbc` models when no version is given.
DEFAULT_PGJDBC_VERSION: Final = "42.7.5"

_PREFIX: Final = "jdbc:postgresql:"
SSL_MODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_LIBPQ_FACTORIES: Final = frozenset(
    {"org.postgresql.ssl.LibPQFactory", "org.postgresql.ssl.jdbc4.LibPQFactory"}
)
_NONVALIDATING: Final = "org.postgresql.ssl.NonValidatingFactory"
_JAVA_DEFAULT: Final = "org.postgresql.ssl.DefaultJavaSSLFactory"


def pgjdbc_version_key(version: str) -> int:
    """``"42.2.5"`` -> ``42_002_005``: the integer the ``pgjdbc.*`` rules are keyed by."""
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if m is None:
        raise ValueError(f"not a pgjdbc version: {version!r}")
    return int(m[1]) * 1_000_000 + int(m[2]) * 1_000 + int(m[3] or 0)


class PgjdbcError(ConnectionFailed):
    """A ``PSQLException`` (or ``SQLException``): ``str()`` is ``getMessage()``."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate

    def java_text(self) -> str:
        """How the exception prints (``Throwable.toString``)."""
        cls = (
            "java.sql.SQLException"
            if self.message.startswith("No suitable driver")
            else ("org.postgresql.util.PSQLException")
        )
        return f"{cls}: {self.message}"


@attrs.frozen
class Pgjdbc:
    """A pgjdbc release."""

    version: str = attrs.field(default=DEFAULT_PGJDBC_VERSION)

    @version.validator
    def _check(self, _attr: object, value: str) -> None:
        pgjdbc_version_key(value)

    @property
    def key(self) -> int:
        return pgjdbc_version_key(self.version)

    def rule(self, rule_id: str) -> Any:
        return behaviour(rule_id, self.key)


@attrs.frozen
class JdbcHost:
    """One ``HostSpec``: the host exactly as written (IPv6 keeps its brackets) and the port."""

    host: str
    port: int


@attrs.frozen(repr=False)
class JdbcUrl:
    """A parsed URL: the merged properties pgjdbc connects with, and its host list."""

    url: str
    properties: Mapping[str, str]
    hosts: tuple[JdbcHost, ...]
    driver: Pgjdbc = attrs.field(factory=Pgjdbc)

    def get(self, name: str) -> str | None:
        return self.properties.get(name)

    @property
    def user(self) -> str | None:
        return self.properties.get("user")

    @property
    def dbname(self) -> str | None:
        return self.properties.get("PGDBNAME")

    @property
    def password(self) -> Secret | None:
        value = self.properties.get("password")
        return Secret(value) if value is not None else None

    def __repr__(self) -> str:
        shown = {
            k: ("********" if k in ("password", "sslpassword") else v)
            for k, v in self.properties.items()
        }
        return f"JdbcUrl(hosts={list(self.hosts)!r}, properties={shown!r})"


def _java_split(text: str, sep: str) -> list[str]:
    """``String.split`` with limit 0: trailing empty strings are dropped."""
    if sep not in text:
        return [text]
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _java_hex(pair: str) -> int | None:
    """``Integer.parseInt(pair, 16)``: a sign is allowed; None for NumberFormatException."""
    if not re.fullmatch(r"[+-]?[0-9a-fA-F]+", pair):
        return None
    return int(pair, 16)


def _url_decode(text: str) -> str | None:
    """``URLDecoder.decode(text, "UTF-8")``; None where it throws IllegalArgumentException."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "+":
            out.append(" ")
            i += 1
        elif c == "%":
            raw = bytearray()
            while i + 2 < n and c == "%":
                value = _java_hex(text[i + 1 : i + 3])
                if value is None or value < 0:
                    return None  # "Illegal hex characters in escape (%) pattern"
                raw.append(value)
                i += 3
                c = text[i] if i < n else ""
            if i < n and c == "%":
                return None  # "Incomplete trailing escape (%) pattern"
            out.append(raw.decode("utf-8", "replace"))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _valid_port(text: str) -> bool:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return False
    return 1 <= int(text) <= 65535


def _unparsable(url: str, driver: Pgjdbc) -> PgjdbcError:
    template, sqlstate = driver.rule("pgjdbc.unparsable_url")
    return PgjdbcError(template.format(url=url), sqlstate)


def parse_jdbc_url(
    url: str,
    info: Mapping[str, str] | None = None,
    machine: ClientMachine | None = None,
    driver: Pgjdbc | None = None,
) -> JdbcUrl:
    """``DriverManager.getConnection(url, info)`` up to the point where a socket is opened."""
    driver = driver or Pgjdbc()
    machine = machine or ClientMachine()
    if not url.startswith(_PREFIX):
        return _no_driver(url)
    url_props: dict[str, str] = {}
    server, _, args = url.partition("?")
    rest = server[len(_PREFIX) :]
    if rest in ("//", "///"):
        pass
    elif rest.startswith("//"):
        rest = rest[2:]
        if rest.count("/") > 1:
            raise _unparsable(url, driver)
        slash = rest.find("/")
        if slash < 0:
            raise _unparsable(url, driver)
        if not rest.endswith("/"):
            dbname = _url_decode(rest[slash + 1 :])
            if dbname is None:
                raise _unparsable(url, driver)
            url_props["PGDBNAME"] = dbname
        hosts: list[str] = []
        ports: list[str] = []
        for address in _java_split(rest[:slash], ","):
            colon = address.rfind(":")
            if colon != -1 and address.rfind("]") < colon:
                ports.append(address[colon + 1 :])
                hosts.append(address[:colon] or "localhost")
            else:
                ports.append("5432")
                hosts.append(address)
        url_props["PGHOST"] = ",".join(hosts)
        url_props["PGPORT"] = ",".join(ports)
    elif rest.startswith("/"):
        raise _unparsable(url, driver)
    else:
        dbname = _url_decode(rest)
        if dbname is None:
            raise _unparsable(url, driver)
        url_props["PGDBNAME"] = dbname

    for token in _java_split(args, "&"):
        if not token:
            continue
        name, eq, raw_value = token.partition("=")
        if not eq:
            url_props[token] = ""
            continue
        upper = "PG" + name.upper()
        if upper in ("PGHOST", "PGPORT", "PGDBNAME"):
            name = upper
        value = _url_decode(raw_value)
        if value is None:
            raise _unparsable(url, driver)
        if name == "service":
            raise _unparsable(url, driver)  # UNCONFIRMED: pgjdbc's service files not modelled
        url_props[name] = value

    result: dict[str, str] = dict(url_props)
    for name, value in (info or {}).items():
        result.setdefault(name, value)
    result.setdefault("user", machine.os_user)
    result.setdefault("PGPORT", "5432")
    result.setdefault("PGHOST", "localhost")
    result.setdefault("PGDBNAME", result["user"])

    host_list = _java_split(result["PGHOST"], ",")
    port_list = _java_split(result["PGPORT"], ",")
    if not all(_valid_port(p) for p in port_list) or len(host_list) != len(port_list):
        raise _unparsable(url, driver)
    return JdbcUrl(
        url=url,
        properties=MappingProxyType(result),
        hosts=tuple(JdbcHost(h, int(p)) for h, p in zip(host_list, port_list, strict=True)),
        driver=driver,
    )


def _no_driver(url: str) -> JdbcUrl:
    raise PgjdbcError(f"No suitable driver found for {url}", "08001")


TrustSource = Literal["none", "rootcert", "jvm"]


@attrs.frozen
class SslSettings:
    """What pgjdbc will do about TLS for one connection.

    ``mode`` is the effective ``SslMode`` (``require`` stands for the legacy "SSL on"), ``trust``
    where the chain is checked against: nothing (``NonValidatingTM``), the ``sslrootcert``
    file (``LibPQFactory``, default ``~/.postgresql/root.crt``) or the JVM's cacerts
    (``DefaultJavaSSLFactory``, or legacy ``ssl=true``); ``verify_host`` whether
    ``PGjdbcHostnameVerifier`` runs; ``rootcert`` the file name for ``trust="rootcert"``.
    """

    mode: str
    trust: TrustSource
    verify_host: bool
    rootcert: str | None
    negotiation: str = "postgres"

    @property
    def tries_ssl_first(self) -> bool:
        return self.mode in ("prefer", "require", "verify-ca", "verify-full")


def ssl_settings(parsed: JdbcUrl, machine: ClientMachine | None = None) -> SslSettings:
    """``SslMode.of`` and the SSL factory choice; raises pgjdbc's errors for bad values."""
    machine = machine or ClientMachine()
    driver = parsed.driver
    props = parsed.properties
    default_root = f"{machine.home or ''}/.postgresql/root.crt"
    sslmode = props.get("sslmode")
    ssl = props.get("ssl")
    factory = props.get("sslfactory")
    negotiation = props.get("sslNegotiation", "postgres")
    if driver.rule("pgjdbc.ssl_negotiation_direct"):
        if negotiation.lower() not in ("postgres", "direct"):
            raise PgjdbcError(f"Invalid sslNegotiation value: {negotiation}", "08001")
        negotiation = negotiation.lower()
    else:
        negotiation = "postgres"

    if driver.rule("pgjdbc.sslmode_model") == "legacy":
        if sslmode is None:
            on = ssl is not None and (ssl.lower() == "true" or ssl == "")
            if not on:
                return SslSettings("disable", "none", False, None)
            trust: TrustSource = "jvm" if factory is None else _factory_trust(factory, "require")
            return SslSettings("require", trust, False, None)
        if sslmode == "disable":
            return SslSettings("disable", "none", False, None)
        if sslmode not in ("require", "verify-ca", "verify-full"):
            raise PgjdbcError(f"Invalid sslmode value: {sslmode}", "08001")
        verifying = sslmode in ("verify-ca", "verify-full")
        trust = "rootcert" if verifying else "none"
        if factory is not None and factory not in _LIBPQ_FACTORIES:
            trust = _factory_trust(factory, sslmode)
        return SslSettings(
            sslmode,
            trust,
            sslmode == "verify-full",
            props.get("sslrootcert", default_root) if trust == "rootcert" else None,
        )

    if sslmode is None:
        mode = (
            "verify-full" if ssl is not None and (ssl.lower() == "true" or ssl == "") else "prefer"
        )
    else:
        matched = [m for m in SSL_MODES if m == sslmode.lower()]
        if not matched:
            raise PgjdbcError(f"Invalid sslmode value: {sslmode}", "08001")
        mode = matched[0]
    verifying = mode in ("verify-ca", "verify-full")
    if factory is None or factory in _LIBPQ_FACTORIES:
        trust = "rootcert" if verifying else "none"
    else:
        trust = _factory_trust(factory, mode)
    return SslSettings(
        mode,
        trust,
        mode == "verify-full",
        props.get("sslrootcert", default_root) if trust == "rootcert" else None,
        negotiation,
    )


def _factory_trust(factory: str, mode: str) -> TrustSource:
    if factory == _NONVALIDATING:
        return "none"
    if factory == _JAVA_DEFAULT:
        return "jvm"
    if mode in ("disable", "allow"):
        return "none"
    raise PgjdbcError(
        f"The SSLSocketFactory class provided {factory} could not be instantiated.", "08006"
    )
