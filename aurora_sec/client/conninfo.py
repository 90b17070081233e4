"""libpq connection strings: ``keyword=value`` lists and ``postgresql://`` URIs, as libpq reads them.

Three steps, as in libpq's ``fe-connect.c``:

1. :func:`parse` (``PQconninfoParse``): the text becomes the options it names, in
   ``conninfo_parse`` (``keyword = 'quoted \\' value'``) or ``conninfo_uri_parse`` (user,
   password, several ``host:port`` pairs, IPv6 in brackets, dbname, ``?query`` parameters,
   percent-decoding). Errors carry libpq's exact text: ``missing "=" after "x" in connection
   info string``, ``invalid connection option "foo"``, ``invalid URI query parameter: "foo"``...
2. :func:`resolve` (``conninfo_add_defaults`` + ``pqConnectOptions2``): a service file, the
   environment (``PGHOST``, ``PGSSLMODE``, ``PGSSLROOTCERT``...), the compiled-in defaults,
   the OS user name, ``~/.pgpass``; then validation in libpq's order (``invalid sslmode value:
   "bogus"``, ``weak sslmode "require" may not be used with sslrootcert=system (use
   "verify-full")``...). The result is a frozen :class:`ConnectOptions` with one
   :class:`HostSpec` per host to try.
3. :func:`parse_int_param`: the integer parameters libpq reads only when it connects (port,
   connect_timeout).

Everything is a pure function of (text, :class:`~aurora_sec.client.machine.ClientMachine`,
:class:`Libpq`). The keyword table :data:`OPTIONS` is data: each option with the majors
that have it. Behaviour that differs between majors lives in
:data:`aurora_sec.versions.RULES` (rule ids ``libpq.*``).

The parser works on bytes, as libpq does: positions in messages count bytes, a percent-
encoded byte that is not UTF-8 survives (as a surrogate escape), and the text stops at the
first NUL, which a C caller could not pass.

Sources: libpq ``fe-connect.c`` of 11.2, 12.0, 13.1, 14.13, 15.15, 16.2, 17.4 and 18.3
(``PQconninfoOptions``, ``conninfo_parse``, ``conninfo_uri_parse_options``,
``conninfo_uri_parse_params``, ``conninfo_uri_decode``, ``conninfo_storeval``,
``conninfo_add_defaults``, ``parseServiceInfo``, ``parseServiceFile``, ``passwordFromFile``,
``connectOptions2`` / ``pqConnectOptions2``, ``parse_int_param`` / ``pqParseIntParam``);
differential tests against the machine's libpq 15.18 and psycopg's bundled libpq 18
(tests/client/test_conninfo_oracle.py).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from aurora_sec.client.machine import ClientMachine
from aurora_sec.errors import ConnectionFailed
from aurora_sec.secrets import MaskedText, Secret
from aurora_sec.versions import behaviour

__all__ = [
    "DEFAULT_LIBPQ_MAJOR",
    "LIBPQ_MAJORS",
    "OPTIONS",
    "ConnectOptions",
    "Conninfo",
    "ConninfoError",
    "HostSpec",
    "Libpq",
    "OptionSpec",
    "connect_options",
    "parse",
    "parse_int_param",
    "recognized_connection_string",
    "resolve",
]

#: The libpq majors modelled (their fe-connect.c was read for every table and text here).
LIBPQ_MAJORS: Final = (11, 12, 13, 14, 15, 16, 17, 18)
#: The libpq a :class:`Libpq` models when no major is given.
DEFAULT_LIBPQ_MAJOR: Final = 17

_SPACE: Final = frozenset(b" \t\n\v\f\r")  # C isspace() in the C locale
_URI_DESIGNATORS: Final = (b"postgresql://", b"postgres://")


class ConninfoError(ConnectionFailed):
    """A connection string, an option value or a service file that libpq rejects.

    ``str(err)`` / ``err.message`` is libpq's error text (``PQerrorMessage`` without the final
    newline); :meth:`psql_text` is what psql prints.
    """

    def __init__(self, message: str, *, libpq_major: int = DEFAULT_LIBPQ_MAJOR) -> None:
        super().__init__(message)
        self.libpq_major = libpq_major

    def psql_text(self) -> str:
        """The line(s) psql prints for this error (``psql: error: ...`` from 12)."""
        return str(behaviour("psql.error_prefix", self.libpq_major)) + self.message


@attrs.frozen
class Libpq:
    """A libpq build: its major version and the build options that change behaviour.

    ``gss``: built with GSSAPI (Debian and PGDG packages are; psycopg's bundled libpq is
    not), which makes ``gssencmode`` default to ``prefer``. ``default_socket_dir``: where
    libpq looks for a server when no host is given (Debian: ``/var/run/postgresql``).
    ``sysconfdir``: where ``pg_service.conf`` lives (Debian: ``/etc/postgresql-common``).
    A build with GSSAPI and ``gssencmode=require`` fails when it connects (no Kerberos
    credential cache is ever present here); one without fails validation.
    """

    major: int = attrs.field(default=DEFAULT_LIBPQ_MAJOR)
    gss: bool = True
    default_socket_dir: str = "/var/run/postgresql"
    sysconfdir: str = "/etc/postgresql-common"
    #: The compiled-in gssencmode default when it is not the build's usual one (psycopg's
    #: libpq 18.6 is built with GSSAPI yet reports ``disable``).
    gssencmode_default: str | None = None

    @property
    def default_gssencmode(self) -> str:
        if self.gssencmode_default is not None:
            return self.gssencmode_default
        return "prefer" if self.gss else "disable"

    @major.validator
    def _check_major(self, _attr: object, value: int) -> None:
        if value not in LIBPQ_MAJORS:
            raise ValueError(f"libpq major {value!r} is not modelled (known: {LIBPQ_MAJORS})")

    def rule(self, rule_id: str) -> Any:
        """What this libpq does for rule ``rule_id`` of :data:`aurora_sec.versions.RULES`."""
        return behaviour(rule_id, self.major)

    def error(self, message: str) -> ConninfoError:
        return ConninfoError(message, libpq_major=self.major)


# --------------------------------------------------------------------------------------------
# The option table (PQconninfoOptions), as data
# --------------------------------------------------------------------------------------------


@attrs.frozen
class OptionSpec:
    """One libpq connection option: keyword, environment variable, compiled-in default.

    ``default`` is the compiled-in default of an SSL- and GSS-enabled build; the few that
    depend on the build or the major are computed by :meth:`compiled_default`.
    ``dispchar`` ``*`` marks a secret (never shown). ``since`` / ``until`` are the first and
    last majors that know the keyword.
    """

    keyword: str
    envvar: str | None
    default: str | None
    dispchar: str = ""
    since: int = 11
    until: int | None = None

    def exists_in(self, major: int) -> bool:
        return self.since <= major and (self.until is None or major <= self.until)

    @property
    def secret(self) -> bool:
        return self.dispchar == "*"

    def compiled_default(self, libpq: Libpq) -> str | None:
        if self.keyword == "gssencmode":
            return libpq.default_gssencmode
        if self.keyword == "channel_binding" and libpq.major < 14:
            return None  # 13 fills "prefer" in connectOptions2 instead
        return self.default


def _o(
    keyword: str,
    envvar: str | None,
    default: str | None = None,
    dispchar: str = "",
    since: int = 11,
    until: int | None = None,
) -> OptionSpec:
    return OptionSpec(keyword, envvar, default, dispchar, since, until)


#: libpq's keywords in the order of its PQconninfoOptions table (18's order, with the
#: options removed in 14 at their old places).
OPTIONS: tuple[OptionSpec, ...] = (
    _o("authtype", "PGAUTHTYPE", "", "D", until=13),
    _o("service", "PGSERVICE"),
    _o("user", "PGUSER"),
    _o("password", "PGPASSWORD", None, "*"),
    _o("passfile", "PGPASSFILE"),
    _o("channel_binding", "PGCHANNELBINDING", "prefer", since=13),
    _o("connect_timeout", "PGCONNECT_TIMEOUT"),
    _o("dbname", "PGDATABASE"),
    _o("host", "PGHOST"),
    _o("hostaddr", "PGHOSTADDR"),
    _o("port", "PGPORT", "5432"),
    _o("client_encoding", "PGCLIENTENCODING"),
    _o("tty", "PGTTY", "", "D", until=13),
    _o("options", "PGOPTIONS", ""),
    _o("application_name", "PGAPPNAME"),
    _o("fallback_application_name", None),
    _o("keepalives", None),
    _o("keepalives_idle", None),
    _o("keepalives_interval", None),
    _o("keepalives_count", None),
    _o("tcp_user_timeout", None, since=12),
    _o("sslmode", "PGSSLMODE", "prefer"),
    _o("sslnegotiation", "PGSSLNEGOTIATION", "postgres", since=17),
    _o("sslcompression", "PGSSLCOMPRESSION", "0"),
    _o("sslcert", "PGSSLCERT"),
    _o("sslkey", "PGSSLKEY"),
    _o("sslcertmode", "PGSSLCERTMODE", since=16),
    _o("sslpassword", None, None, "*", since=13),
    _o("sslrootcert", "PGSSLROOTCERT"),
    _o("sslcrl", "PGSSLCRL"),
    _o("sslcrldir", "PGSSLCRLDIR", since=14),
    _o("sslsni", "PGSSLSNI", "1", since=14),
    _o("requirepeer", "PGREQUIREPEER"),
    _o("require_auth", "PGREQUIREAUTH", since=16),
    _o("min_protocol_version", "PGMINPROTOCOLVERSION", since=18),
    _o("max_protocol_version", "PGMAXPROTOCOLVERSION", since=18),
    _o("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION", "TLSv1.2", since=13),
    _o("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION", since=13),
    _o("gssencmode", "PGGSSENCMODE", "prefer", since=12),
    _o("krbsrvname", "PGKRBSRVNAME", "postgres"),
    _o("gsslib", "PGGSSLIB"),
    _o("gssdelegation", "PGGSSDELEGATION", "0", since=16),
    _o("replication", None, None, "D"),
    _o("target_session_attrs", "PGTARGETSESSIONATTRS", "any"),
    _o("load_balance_hosts", "PGLOADBALANCEHOSTS", "disable", since=16),
    _o("scram_client_key", None, None, "D", since=18),
    _o("scram_server_key", None, None, "D", since=18),
    _o("oauth_issuer", None, since=18),
    _o("oauth_client_id", None, since=18),
    _o("oauth_client_secret", None, None, "*", since=18),
    _o("oauth_scope", None, since=18),
    _o("sslkeylogfile", None, None, "D", since=18),
)

_OPTIONS_BY_MAJOR: Mapping[int, tuple[OptionSpec, ...]] = MappingProxyType(
    {major: tuple(o for o in OPTIONS if o.exists_in(major)) for major in LIBPQ_MAJORS}
)
_KEYWORDS_BY_MAJOR: Mapping[int, frozenset[str]] = MappingProxyType(
    {major: frozenset(o.keyword for o in opts) for major, opts in _OPTIONS_BY_MAJOR.items()}
)
_SECRET_KEYWORDS: Final = frozenset(o.keyword for o in OPTIONS if o.secret)


def options_of(libpq: Libpq) -> tuple[OptionSpec, ...]:
    """The options this libpq knows, in table order."""
    return _OPTIONS_BY_MAJOR[libpq.major]


# --------------------------------------------------------------------------------------------
# Parsing (PQconninfoParse)
# --------------------------------------------------------------------------------------------


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _bytes(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        raw = text
    else:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            # A lone surrogate that is no escaped byte: its (invalid) UTF-8 bytes, as the
            # server plane reads one (sql/parse_errors.py).
            raw = b"".join(
                ch.encode(
                    "utf-8", "surrogateescape" if "\udc80" <= ch <= "\udcff" else "surrogatepass"
                )
                for ch in text
            )
    nul = raw.find(b"\0")
    return raw if nul < 0 else raw[:nul]


def _mask(options: Iterator[tuple[str, str]]) -> str:
    shown = (f"{k}={'********' if k in _SECRET_KEYWORDS else v!r}" for k, v in options)
    return ", ".join(shown)


@attrs.frozen(repr=False)
class Conninfo:
    """The options a connection string names explicitly (``PQconninfoParse``), in table order."""

    items: tuple[tuple[str, str], ...]
    is_uri: bool = False
    libpq: Libpq = attrs.field(factory=Libpq)

    def get(self, keyword: str) -> str | None:
        for k, v in self.items:
            if k == keyword:
                return v
        return None

    def __contains__(self, keyword: object) -> bool:
        return any(k == keyword for k, _ in self.items)

    def as_dict(self) -> dict[str, str]:
        """``{keyword: value}`` (secrets included: this is the caller's own input)."""
        return dict(self.items)

    def __repr__(self) -> str:
        return f"Conninfo({_mask(iter(self.items))}, is_uri={self.is_uri})"


def uri_prefix_length(text: str | bytes) -> int:
    """Length of the ``postgresql://`` or ``postgres://`` prefix, 0 if there is none."""
    raw = _bytes(text)
    for designator in _URI_DESIGNATORS:
        if raw.startswith(designator):
            return len(designator)
    return 0


def recognized_connection_string(text: str | bytes) -> bool:
    """libpq's test: a URI prefix, or an ``=`` anywhere (else a bare word is a dbname)."""
    return uri_prefix_length(text) != 0 or b"=" in _bytes(text)


class _Store:
    """The working copy of the option array (``conninfo_init`` + ``conninfo_storeval``)."""

    def __init__(self, libpq: Libpq) -> None:
        self.libpq = libpq
        self.keywords = _KEYWORDS_BY_MAJOR[libpq.major]
        self.values: dict[str, bytes] = {}
        #: Passwords met in a URI, as written: libpq echoes them in some URI errors; the
        #: emulator masks them (docs/fidelity.md, "Secrets in libpq's URI errors").
        self.secrets: list[bytes] = []

    def redacted(self, err: ConninfoError) -> ConninfoError:
        """``err`` with every password met so far replaced by ``********``."""
        message = err.message
        for secret in sorted(self.secrets, key=len, reverse=True):
            message = message.replace(_text(secret), "********")
        if message == err.message:
            return err
        return self.libpq.error(message)

    def store(
        self, keyword: bytes, value: bytes, *, ignore_missing: bool, uri_decode: bool
    ) -> bool:
        """Store one value; False (with no error) only for a missing keyword if ignored."""
        if keyword == b"requiressl":
            keyword = b"sslmode"
            value = b"require" if value[:1] == b"1" else b"prefer"
        name = _text(keyword)
        if name not in self.keywords:
            if ignore_missing:
                return False
            raise self.libpq.error(f'invalid connection option "{name}"')
        self.values[name] = _uri_decode(value, self.libpq) if uri_decode else value
        return True

    def result(self, is_uri: bool) -> Conninfo:
        items = tuple(
            (o.keyword, _text(self.values[o.keyword]))
            for o in options_of(self.libpq)
            if o.keyword in self.values
        )
        return Conninfo(items, is_uri, self.libpq)


def parse(
    text: str | bytes, libpq: Libpq | None = None, *, expand_dbname: bool = False
) -> Conninfo:
    """Parse a connection string or URI the way ``PQconninfoParse`` does.

    With ``expand_dbname=True`` a text that is not a connection string (no ``=`` and no URI
    prefix) is a database name, as psql and ``PQconnectdbParams(..., expand_dbname=1)``
    treat their dbname argument.
    """
    libpq = libpq or Libpq()
    raw = _bytes(text)
    store = _Store(libpq)
    if expand_dbname and not recognized_connection_string(raw):
        if raw:
            store.values["dbname"] = raw
        return store.result(False)
    prefix = uri_prefix_length(raw)
    if prefix:
        try:
            _parse_uri(raw, prefix, store)
        except ConninfoError as err:
            raise store.redacted(err) from None
        return store.result(True)
    _parse_keyword_value(raw, store)
    return store.result(False)


def _parse_keyword_value(buf: bytes, store: _Store) -> None:
    """``conninfo_parse``: ``keyword = value`` pairs, values bare or single-quoted."""
    n = len(buf)
    i = 0
    while i < n:
        if buf[i] in _SPACE:
            i += 1
            continue
        start = i
        while i < n and buf[i] != 0x3D and buf[i] not in _SPACE:  # '='
            i += 1
        name = buf[start:i]
        while i < n and buf[i] in _SPACE:
            i += 1
        if i >= n or buf[i] != 0x3D:
            raise store.libpq.error(f'missing "=" after "{_text(name)}" in connection info string')
        i += 1
        while i < n and buf[i] in _SPACE:
            i += 1
        value = bytearray()
        if i < n and buf[i] == 0x27:  # quoted
            i += 1
            while True:
                if i >= n:
                    raise store.libpq.error("unterminated quoted string in connection info string")
                c = buf[i]
                if c == 0x5C:  # backslash
                    i += 1
                    if i < n:
                        value.append(buf[i])
                        i += 1
                    continue
                if c == 0x27:
                    i += 1
                    break
                value.append(c)
                i += 1
        else:
            while i < n:
                c = buf[i]
                if c in _SPACE:
                    i += 1
                    break
                if c == 0x5C:
                    i += 1
                    if i < n:
                        value.append(buf[i])
                        i += 1
                else:
                    value.append(c)
                    i += 1
        store.store(name, bytes(value), ignore_missing=False, uri_decode=False)


def _hexdigit(c: int) -> int | None:
    if 0x30 <= c <= 0x39:
        return c - 0x30
    if 0x41 <= c <= 0x46:
        return c - 0x41 + 10
    if 0x61 <= c <= 0x66:
        return c - 0x61 + 10
    return None


def _uri_decode(raw: bytes, libpq: Libpq) -> bytes:
    """``conninfo_uri_decode``; 18 also trims spaces and rejects inner ones."""
    spaces = bool(libpq.rule("libpq.uri_rejects_spaces"))
    out = bytearray()
    n = len(raw)
    i = 0
    if spaces:
        while i < n and raw[i] == 0x20:
            i += 1
    while i < n:
        c = raw[i]
        if c == 0x25:  # '%'
            hi = _hexdigit(raw[i + 1]) if i + 1 < n else None
            lo = _hexdigit(raw[i + 2]) if hi is not None and i + 2 < n else None
            if hi is None or lo is None:
                raise libpq.error(f'invalid percent-encoded token: "{_text(raw)}"')
            value = (hi << 4) | lo
            if value == 0:
                raise libpq.error(f'forbidden value %00 in percent-encoded value: "{_text(raw)}"')
            out.append(value)
            i += 3
            continue
        if spaces and c == 0x20:
            break
        out.append(c)
        i += 1
    if spaces:
        while i < n and raw[i] == 0x20:
            i += 1
        if i < n:
            raise libpq.error(
                f'unexpected spaces found in "{_text(raw)}", use percent-encoded spaces (%20) instead'
            )
    return bytes(out)


def _parse_uri(buf: bytes, prefix: int, store: _Store) -> None:
    """``conninfo_uri_parse_options``: [user[:password]@][netloc][:port][,...][/db][?params]."""
    libpq = store.libpq
    uri = _text(buf)
    n = len(buf)
    start = prefix
    p = start
    while p < n and buf[p] not in b"@/":
        p += 1
    if p < n and buf[p] == 0x40:  # '@': credentials
        p = start
        while buf[p] not in b":@":
            p += 1
        user = buf[start:p]
        sep = buf[p]
        if user:
            store.store(b"user", user, ignore_missing=False, uri_decode=True)
        if sep == 0x3A:  # ':'
            pw_start = p + 1
            p = pw_start
            while buf[p] != 0x40:
                p += 1
            password = buf[pw_start:p]
            if password:
                store.secrets.append(password)
                store.store(b"password", password, ignore_missing=False, uri_decode=True)
        p += 1
    else:
        p = start

    hosts = bytearray()
    ports = bytearray()
    prev = 0
    while True:
        if p < n and buf[p] == 0x5B:  # '[': IPv6 literal
            p += 1
            host_start = p
            while p < n and buf[p] != 0x5D:
                p += 1
            if p >= n:
                raise libpq.error(
                    'end of string reached when looking for matching "]" in IPv6 host '
                    f'address in URI: "{uri}"'
                )
            if p == host_start:
                raise libpq.error(f'IPv6 host address may not be empty in URI: "{uri}"')
            host = buf[host_start:p]
            p += 1
            if p < n and buf[p] not in b":/?,":
                char = _text(buf[p : p + 1])
                raise libpq.error(
                    f'unexpected character "{char}" at position {p + 1} in URI '
                    f'(expected ":" or "/"): "{uri}"'
                )
        else:
            host_start = p
            while p < n and buf[p] not in b":/?,":
                p += 1
            host = buf[host_start:p]
        prev = buf[p] if p < n else 0
        hosts += host
        if prev == 0x3A:  # ':' port
            p += 1
            port_start = p
            while p < n and buf[p] not in b"/?,":
                p += 1
            prev = buf[p] if p < n else 0
            ports += buf[port_start:p]
        if prev != 0x2C:  # ','
            break
        p += 1
        hosts += b","
        ports += b","

    if hosts:
        store.store(b"host", bytes(hosts), ignore_missing=False, uri_decode=True)
    if ports:
        store.store(b"port", bytes(ports), ignore_missing=False, uri_decode=True)

    if prev and prev != 0x3F:  # '/' : dbname
        p += 1
        db_start = p
        while p < n and buf[p] != 0x3F:
            p += 1
        prev = buf[p] if p < n else 0
        dbname = buf[db_start:p]
        if dbname:
            store.store(b"dbname", dbname, ignore_missing=False, uri_decode=True)

    if prev:
        _parse_uri_params(buf[p + 1 :], store)


def _parse_uri_params(params: bytes, store: _Store) -> None:
    """``conninfo_uri_parse_params``: ``key=value&...``; ``ssl=true`` means sslmode=require."""
    libpq = store.libpq
    n = len(params)
    p = 0
    while p < n:
        key_start = p
        key_end = -1
        while True:
            c = params[p] if p < n else 0
            if c == 0x3D:
                if key_end >= 0:
                    keyword = _text(params[key_start:key_end])
                    raise libpq.error(
                        f'extra key/value separator "=" in URI query parameter: "{keyword}"'
                    )
                key_end = p
                p += 1
            elif c in (0x26, 0):  # '&' or end
                end = p
                if c:
                    p += 1
                if key_end < 0:
                    keyword = _text(params[key_start:end])
                    raise libpq.error(
                        f'missing key/value separator "=" in URI query parameter: "{keyword}"'
                    )
                break
            else:
                p += 1
        keyword_raw = _uri_decode(params[key_start:key_end], libpq)
        if keyword_raw == b"password" and key_end + 1 < end:
            store.secrets.append(params[key_end + 1 : end])
        value_raw = _uri_decode(params[key_end + 1 : end], libpq)
        if keyword_raw == b"ssl" and value_raw == b"true":
            keyword_raw, value_raw = b"sslmode", b"require"
        if not store.store(keyword_raw, value_raw, ignore_missing=True, uri_decode=False):
            raise libpq.error(f'invalid URI query parameter: "{_text(keyword_raw)}"')


# --------------------------------------------------------------------------------------------
# Defaults and validation (conninfo_add_defaults + pqConnectOptions2)
# --------------------------------------------------------------------------------------------

HostKind = Literal["name", "address", "socket"]


@attrs.frozen(repr=False)
class HostSpec:
    """One host libpq will try (``pg_conn_host``): what to verify, where to connect, the port.

    ``host`` is the name certificates are checked against (None when only ``hostaddr`` was
    given for this slot); ``hostaddr`` the numeric address to connect to, if given; ``port``
    the text given for this slot ('' for the default 5432); ``password`` one found in the
    password file for this host.
    """

    host: str | None
    hostaddr: str | None
    port: str
    kind: HostKind
    password: Secret | None = None
    password_from_file: bool = False

    @property
    def display_host(self) -> str:
        """The host as libpq names it in ``connection to server at "..."``."""
        if self.kind == "address":
            return self.hostaddr or ""
        return self.host or ""

    @property
    def display_port(self) -> str:
        return self.port or "5432"

    def __repr__(self) -> str:
        pw = ", password=********" if self.password is not None else ""
        return (
            f"HostSpec(host={self.host!r}, hostaddr={self.hostaddr!r}, port={self.port!r}, "
            f"kind={self.kind!r}{pw})"
        )


@attrs.frozen(repr=False)
class ConnectOptions:
    """The options of a connection after defaults and validation (what ``PQconninfo`` shows).

    ``values`` holds every keyword this libpq knows (None when unset), as libpq's PGconn
    fields hold them after ``pqConnectOptions2``.
    """

    libpq: Libpq
    values: Mapping[str, str | None]
    hosts: tuple[HostSpec, ...]
    #: Whether sslmode was given (conninfo, service file, PGSSLMODE, PGREQUIRESSL) or defaulted.
    sslmode_explicit: bool = True

    def get(self, keyword: str) -> str | None:
        return self.values.get(keyword)

    def _required(self, keyword: str) -> str:
        value = self.values.get(keyword)
        if value is None:
            raise KeyError(keyword)
        return value

    @property
    def user(self) -> str:
        return self._required("user")

    @property
    def dbname(self) -> str:
        return self._required("dbname")

    @property
    def password(self) -> Secret | None:
        value = self.values.get("password")
        return Secret(value) if value else None

    @property
    def sslmode(self) -> str:
        return self._required("sslmode")

    @property
    def sslnegotiation(self) -> str:
        return self.values.get("sslnegotiation") or "postgres"

    @property
    def sslrootcert(self) -> str | None:
        return self.values.get("sslrootcert")

    @property
    def ssl_min_protocol_version(self) -> str | None:
        return self.values.get("ssl_min_protocol_version")

    @property
    def ssl_max_protocol_version(self) -> str | None:
        return self.values.get("ssl_max_protocol_version")

    @property
    def connect_timeout(self) -> str | None:
        return self.values.get("connect_timeout")

    def shown(self) -> dict[str, str]:
        """The set values, secrets masked (safe to print)."""
        return {
            k: ("********" if k in _SECRET_KEYWORDS else v)
            for k, v in self.values.items()
            if v is not None
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.shown().items())
        return f"ConnectOptions(libpq={self.libpq.major}, {shown})"


def _apply_service(values: dict[str, str | None], machine: ClientMachine, libpq: Libpq) -> None:
    """``parseServiceInfo``: fill unset options from the named service's section."""
    service = values.get("service") or machine.getenv("PGSERVICE")
    if service is None:
        return
    found = False
    env_file = machine.getenv("PGSERVICEFILE")
    candidates: list[tuple[str, bool]] = []
    if env_file is not None:
        candidates.append((env_file, True))
    elif machine.home is not None:
        home_file = posixpath.join(machine.home, ".pg_service.conf")
        if machine.exists(home_file):
            candidates.append((home_file, True))
    for path, first in candidates:
        found = _parse_service_file(path, service, values, machine, libpq)
        if found and first:
            return
    sysconf = machine.getenv("PGSYSCONFDIR") or libpq.sysconfdir
    system_file = f"{sysconf}/pg_service.conf"
    if machine.exists(system_file):
        found = _parse_service_file(system_file, service, values, machine, libpq)
    if not found:
        raise libpq.error(f'definition of service "{service}" not found')


def _parse_service_file(
    path: str,
    service: str,
    values: dict[str, str | None],
    machine: ClientMachine,
    libpq: Libpq,
) -> bool:
    data = machine.read(path)
    if data is None:
        raise libpq.error(f'service file "{path}" not found')
    group_found = False
    keywords = _KEYWORDS_BY_MAJOR[libpq.major]
    for linenr, raw_line in enumerate(data.split(b"\n"), start=1):
        if len(raw_line) + 1 >= 1024 - 1:
            raise libpq.error(f'line {linenr} too long in service file "{path}"')
        line = raw_line.strip(bytes(_SPACE))
        if not line or line.startswith(b"#"):
            continue
        if line.startswith(b"["):
            if group_found:
                return True
            name = service.encode("utf-8", "surrogateescape")
            group_found = (
                line[1 : 1 + len(name)] == name and line[1 + len(name) : 2 + len(name)] == b"]"
            )
            continue
        if not group_found:
            continue
        key, sep, val = line.partition(b"=")
        if not sep:
            raise libpq.error(f'syntax error in service file "{path}", line {linenr}')
        keyword = _text(key)
        if keyword == "service":
            raise libpq.error(
                f'nested service specifications not supported in service file "{path}", line {linenr}'
            )
        if keyword not in keywords:
            raise libpq.error(f'syntax error in service file "{path}", line {linenr}')
        if values.get(keyword) is None:
            values[keyword] = _text(val)
    return group_found


def _split_list(text: str, limit: int) -> tuple[list[str], bool]:
    """``parse_comma_separated_list`` called up to ``limit`` times: (items, more left)."""
    items: list[str] = []
    rest = text
    more = True
    while len(items) < limit and more:
        item, comma, rest = rest.partition(",")
        items.append(item)
        more = bool(comma)
    return items, more


def _is_unixsock_path(path: str, libpq: Libpq) -> bool:
    return path.startswith("/") or (libpq.major >= 14 and path.startswith("@"))


def _pgpass_field(line: str, token: str) -> str | None:
    """``pwdfMatchesString``: the rest of the line after a matching field, else None."""
    if line.startswith("*:"):
        return line[2:]
    i = 0
    j = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            i += 1
            c = line[i]
        elif c == ":" and j == len(token):
            return line[i + 1 :]
        if j >= len(token) or token[j] != c:
            return None
        i += 1
        j += 1
    return None


def _password_from_file(
    host: str | None,
    port: str,
    dbname: str,
    user: str,
    path: str,
    machine: ClientMachine,
    libpq: Libpq,
) -> str | None:
    """``passwordFromFile``: the first matching ``host:port:db:user:password`` line."""
    if not dbname or not user:
        return None
    if not host or (_is_unixsock_path(host, libpq) and host == libpq.default_socket_dir):
        host = "localhost"
    port = port or "5432"
    data = machine.read(path)
    if data is None:
        return None
    for raw_line in data.decode("utf-8", "surrogateescape").split("\n"):
        line = raw_line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        rest: str | None = line
        for token in (host, port, dbname, user):
            rest = _pgpass_field(rest, token) if rest is not None else None
        if rest is None:
            continue
        out = []
        i = 0
        while i < len(rest) and rest[i] != ":":
            if rest[i] == "\\" and i + 1 < len(rest):
                i += 1
            out.append(rest[i])
            i += 1
        return "".join(out)
    return None


_TSA_VALUES_14: Final = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
_REQUIRE_AUTH_METHODS: Final = ("password", "md5", "gss", "sspi", "scram-sha-256")
_TLS_VERSIONS: Final = ("tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3")


def _tls_version_valid(value: str | None) -> bool:
    return not value or value.lower() in _TLS_VERSIONS


def _tls_range_valid(low: str | None, high: str | None) -> bool:
    if not low or not high:
        return True
    if low.lower() == "tlsv1":
        return True
    if high.lower() == "tlsv1":
        return False
    return low.lower() <= high.lower()


def _check_require_auth(value: str, libpq: Libpq) -> None:
    """The parse of ``require_auth`` in pqConnectOptions2 (16+): only its errors matter here."""
    negated = False
    allowed: set[str] = set()
    removed: set[str] = set()
    auth_required = True
    items = value.split(",")
    for index, part in enumerate(items):
        method = part
        if method.startswith("!"):
            if index == 0:
                auth_required = False
            elif not negated:
                raise libpq.error(
                    f'negative require_auth method "{method}" cannot be mixed with non-negative methods'
                )
            negated = True
            method = method[1:]
        elif negated:
            raise libpq.error(
                f'require_auth method "{method}" cannot be mixed with negative methods'
            )
        known = _REQUIRE_AUTH_METHODS + (("oauth",) if libpq.major >= 18 else ())
        if method == "none":
            if negated:
                if auth_required:
                    raise libpq.error(f'require_auth method "{part}" is specified more than once')
                auth_required = True
            else:
                if not auth_required:
                    raise libpq.error(f'require_auth method "{part}" is specified more than once')
                auth_required = False
            continue
        if method not in known:
            raise libpq.error(f'invalid require_auth value: "{method}"')
        seen = removed if negated else allowed
        if method in seen:
            raise libpq.error(f'require_auth method "{part}" is specified more than once')
        seen.add(method)


def _validate(values: dict[str, str | None], libpq: Libpq) -> None:
    """The option checks of pqConnectOptions2, in libpq's order for this major."""
    major = libpq.major

    def bad(name: str) -> ConninfoError:
        return libpq.error(f'invalid {name} value: "{values[name]}"')

    if major >= 16 and values.get("require_auth"):
        _check_require_auth(values["require_auth"] or "", libpq)
    if major >= 13:
        if values.get("channel_binding") is None:
            values["channel_binding"] = "prefer"
        elif values["channel_binding"] not in ("disable", "prefer", "require"):
            raise bad("channel_binding")
    if values.get("sslmode") is None:
        values["sslmode"] = "prefer"
    elif values["sslmode"] not in (
        "disable",
        "allow",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
    ):
        raise bad("sslmode")
    sslmode = values["sslmode"] or "prefer"
    if major >= 17:
        negotiation = values.get("sslnegotiation")
        if negotiation is None:
            values["sslnegotiation"] = "postgres"
        else:
            if negotiation not in ("postgres", "direct"):
                raise bad("sslnegotiation")
            if negotiation.startswith("d") and sslmode[0] not in "rv":
                raise libpq.error(
                    f'weak sslmode "{sslmode}" may not be used with sslnegotiation=direct '
                    '(use "require", "verify-ca", or "verify-full")'
                )
    if (
        libpq.rule("libpq.sslrootcert_system")
        and values.get("sslrootcert") == "system"
        and sslmode != "verify-full"
    ):
        raise libpq.error(
            f'weak sslmode "{sslmode}" may not be used with sslrootcert=system (use "verify-full")'
        )
    if major >= 13:
        template: str = libpq.rule("libpq.ssl_protocol_version_error")
        for name in ("ssl_min_protocol_version", "ssl_max_protocol_version"):
            if not _tls_version_valid(values.get(name)):
                raise libpq.error(template.format(name=name, value=values[name]))
        if not _tls_range_valid(
            values.get("ssl_min_protocol_version"), values.get("ssl_max_protocol_version")
        ):
            raise libpq.error("invalid SSL protocol version range")
    if major >= 16:
        if values.get("sslcertmode") is None:
            values["sslcertmode"] = "allow"
        elif values["sslcertmode"] not in ("disable", "allow", "require"):
            raise bad("sslcertmode")
    if major >= 12:
        gssencmode = values.get("gssencmode")
        if gssencmode is None:
            values["gssencmode"] = libpq.default_gssencmode
        else:
            if gssencmode not in ("disable", "prefer", "require"):
                raise bad("gssencmode")
            if not libpq.gss and gssencmode == "require":
                raise libpq.error(
                    f'gssencmode value "{gssencmode}" invalid when GSSAPI support is not compiled in'
                )
    tsa = values.get("target_session_attrs")
    if tsa is not None and tsa not in libpq.rule("libpq.target_session_attrs_values"):
        raise bad("target_session_attrs")
    if major >= 16:
        lbh = values.get("load_balance_hosts")
        if lbh is not None and lbh not in ("disable", "random"):
            raise bad("load_balance_hosts")
    if major >= 18:
        for name in ("min_protocol_version", "max_protocol_version"):
            value = values.get(name)
            if value is not None and value not in ("latest", "3.0", "3.2"):
                raise bad(name)


def resolve(
    conninfo: Conninfo | str | bytes,
    machine: ClientMachine | None = None,
    libpq: Libpq | None = None,
) -> ConnectOptions:
    """Defaults and validation: what ``PQconnectdb`` holds before it opens a socket.

    Raises :class:`ConninfoError` with libpq's text for a bad value, a missing service, or
    host/hostaddr/port lists that do not match.
    """
    if not isinstance(conninfo, Conninfo):
        conninfo = parse(conninfo, libpq)
    libpq = libpq or conninfo.libpq
    if conninfo.libpq != libpq:
        conninfo = parse(_unparse(conninfo), libpq)
    machine = machine or ClientMachine()
    specs = options_of(libpq)
    values: dict[str, str | None] = {o.keyword: conninfo.get(o.keyword) for o in specs}

    _apply_service(values, machine, libpq)

    sslmode_defaulted = False
    for spec in specs:
        keyword = spec.keyword
        if values[keyword] is not None:
            continue
        if spec.envvar is not None:
            env = machine.getenv(spec.envvar)
            if env is not None:
                values[keyword] = env
                continue
        if keyword == "sslmode":
            requiressl = machine.getenv("PGREQUIRESSL")
            if requiressl is not None and requiressl.startswith("1"):
                values[keyword] = "require"
                continue
            sslmode_defaulted = True
        compiled = spec.compiled_default(libpq)
        if compiled is not None:
            values[keyword] = compiled
            continue
        if keyword == "user":
            values[keyword] = machine.os_user
    if (
        sslmode_defaulted
        and libpq.rule("libpq.sslrootcert_system")
        and values.get("sslrootcert") == "system"
    ):
        values["sslmode"] = "verify-full"

    if libpq.major < 18:
        values.pop("service", None)  # not a PGconn field before 18: PQconninfo omits it
    hosts = _host_specs(values, machine, libpq)
    _validate(values, libpq)
    for keyword in _SECRET_KEYWORDS:
        secret = values.get(keyword)
        if secret is not None:
            values[keyword] = MaskedText(secret)
    return ConnectOptions(
        libpq=libpq,
        values=MappingProxyType(values),
        hosts=hosts,
        sslmode_explicit=not sslmode_defaulted,
    )


def _host_specs(
    values: dict[str, str | None], machine: ClientMachine, libpq: Libpq
) -> tuple[HostSpec, ...]:
    """Hosts, hostaddrs and ports of pqConnectOptions2, then user, dbname and the password file."""
    pghost = values.get("host") or ""
    pghostaddr = values.get("hostaddr") or ""
    if pghostaddr:
        count = pghostaddr.count(",") + 1
    elif pghost:
        count = pghost.count(",") + 1
    else:
        count = 1
    addrs: list[str | None] = [None] * count
    names: list[str | None] = [None] * count
    if pghostaddr:
        addrs = list(_split_list(pghostaddr, count)[0])
    if pghost:
        items, more = _split_list(pghost, count)
        if more or len(items) != count:
            raise libpq.error(
                f"could not match {pghost.count(',') + 1} host names to {count} hostaddr values"
            )
        names = list(items)
    ports = [""] * count
    pgport = values.get("port") or ""
    if pgport:
        items, more = _split_list(pgport, count)
        if len(items) == 1 and not more:
            ports = items * count
        elif more or len(items) != count:
            raise libpq.error(
                f"could not match {pgport.count(',') + 1} port numbers to {count} hosts"
            )
        else:
            ports = items

    specs: list[tuple[str | None, str | None, str, HostKind]] = []
    for name, addr, port in zip(names, addrs, ports, strict=True):
        kind: HostKind
        if addr:
            kind = "address"
        elif name:
            kind = "socket" if _is_unixsock_path(name, libpq) else "name"
        else:
            name = libpq.default_socket_dir
            kind = "socket"
        specs.append((name, addr or None, port, kind))

    if not values.get("user"):
        values["user"] = machine.os_user
    if not values.get("dbname"):
        values["dbname"] = values["user"]

    passwords: list[str | None] = [None] * count
    if not values.get("password"):
        if not values.get("passfile") and machine.home is not None:
            values["passfile"] = f"{machine.home}/.pgpass"
        passfile = values.get("passfile")
        if passfile:
            passwords = [
                _password_from_file(
                    name or addr,
                    port,
                    values["dbname"] or "",
                    values["user"] or "",
                    passfile,
                    machine,
                    libpq,
                )
                for name, addr, port, _kind in specs
            ]
    return tuple(
        HostSpec(
            host=name,
            hostaddr=addr,
            port=port,
            kind=kind,
            password=Secret(pw) if pw is not None else None,
            password_from_file=pw is not None,
        )
        for (name, addr, port, kind), pw in zip(specs, passwords, strict=True)
    )


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _unparse(conninfo: Conninfo) -> str:
    return " ".join(f"{k}={_quote(v)}" for k, v in conninfo.items)


def connect_options(
    text: str | bytes,
    machine: ClientMachine | None = None,
    libpq: Libpq | None = None,
    *,
    expand_dbname: bool = False,
) -> ConnectOptions:
    """:func:`parse` then :func:`resolve`: the options ``PQconnectdb(text)`` would use."""
    libpq = libpq or Libpq()
    return resolve(parse(text, libpq, expand_dbname=expand_dbname), machine, libpq)


def parse_int_param(value: str, context: str, libpq: Libpq | None = None) -> int:
    """``pqParseIntParam`` (12+; 11 uses ``atoi``): an int, or libpq's error.

    ``strtol`` in base 10: leading spaces and a sign allowed, at least one digit, the value
    fits a C int, only spaces after it.
    """
    libpq = libpq or Libpq()
    raw = _bytes(value)
    i = 0
    n = len(raw)
    while i < n and raw[i] in _SPACE:
        i += 1
    sign = 1
    if i < n and raw[i] in b"+-":
        sign = -1 if raw[i] == 0x2D else 1
        i += 1
    digits_start = i
    while i < n and 0x30 <= raw[i] <= 0x39:
        i += 1
    digits = raw[digits_start:i]
    if libpq.major < 12:
        number = sign * int(digits) if digits else 0
        return max(min(number, 2**31 - 1), -(2**31))
    if not digits:
        raise libpq.error(f'invalid integer value "{value}" for connection option "{context}"')
    number = sign * int(digits)
    if not -(2**31) <= number <= 2**31 - 1:
        raise libpq.error(f'invalid integer value "{value}" for connection option "{context}"')
    while i < n and raw[i] in _SPACE:
        i += 1
    if i != n:
        raise libpq.error(f'invalid integer value "{value}" for connection option "{context}"')
    return number
