"""One instance's server, as a client reaches it: SSLRequest answer, TLS identity, and the
verdict on a StartupMessage (pg_hba, authentication, LOGIN, database), ending in a session.

It implements :class:`aurora_sec.client.negotiation.ServerEndpoint`. What it knows comes from
the instance's configuration (``ssl``, ``rds.force_ssl``, TLS versions,
``rds.accepted_password_auth_method``) and the cluster's catalog; the TLS identity and the IAM
token check are handed in by the control plane.

Cipher suites (be-secure-openssl.c: ``ssl_ciphers`` goes to ``SSL_CTX_set_cipher_list``, which
governs TLS 1.2 and older only, and ``ssl_prefer_server_ciphers`` is on, so the server's order
wins): below TLS 1.3 the suite is the first of the server's list that the client offers and
the certificate's key type can sign (:func:`choose_cipher`); none gives OpenSSL's ``no shared
cipher`` and a handshake_failure alert. Aurora's ``ssl_ciphers`` is comma-separated and
mixes OpenSSL and IANA names (:data:`IANA_TO_OPENSSL`); with no value the server runs with
PostgreSQL's default ``HIGH:MEDIUM:+3DES:!aNULL`` (:data:`TLS12_SUITES`'s order). Checked
against real PostgreSQL 15 in tests/client_oracle/test_ciphers.py.

Authentication (auth.c ``CheckPWChallengeAuth``): on an ``md5`` line, an md5-stored password
gets the MD5 challenge and anything else SCRAM; a wrong password, a missing role, a missing or
expired password all give ``password authentication failed for user "x"`` (28P01). With
``rds.accepted_password_auth_method=scram``, md5-stored passwords cannot log in (S8).
``pam`` (rds_iam members) takes an IAM token as the password; a bad one gives ``PAM
authentication failed for user "x"`` (28000).

Connection slots (:class:`ConnectionSlots`, one per instance, emptied by a reboot), in
PostgreSQL's order, checked against real PostgreSQL 15 and 16 in
tests/client_oracle/test_connection_limits.py:

1. ``InitProcess`` (proc.c) takes a slot right after the startup packet, before pg_hba and
   authentication: none free gives ``sorry, too many clients already`` (53300), whoever asks.
2. pg_hba, authentication, ``rolcanlogin``; then ``rolconnlimit`` (miscinit.c
   ``InitializeSessionUserId``; superusers exempt): ``too many connections for role "x"``.
3. The reserved slots (postinit.c ``InitPostgres``; superusers exempt): fewer free slots than
   ``superuser_reserved_connections`` + ``rds.rds_superuser_reserved_connections``. The texts
   per version are :data:`RESERVED_SLOT_MESSAGES`; members of ``rds_superuser`` (and on 16+
   of ``pg_use_reserved_connections``) may take the rds_superuser slots, as PostgreSQL 16's
   ``reserved_connections`` are taken by ``pg_use_reserved_connections``.
4. The database must exist (``database "d" does not exist``).

A refused startup gives its slot back; an accepted one keeps it until the connection closes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from aurora_sec.client.certificates import TlsIdentity
from aurora_sec.client.negotiation import Accepted, Fatal, PasswordRequired, Startup, Verdict
from aurora_sec.engine import hba, membership
from aurora_sec.engine.catalog import Catalog, Role
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.database import Database
from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.engine.result import SslState
from aurora_sec.engine.session import Session
from aurora_sec.versions import behaviour

__all__ = [
    "IANA_TO_OPENSSL",
    "RESERVED_SLOT_MESSAGES",
    "TLS12_SUITES",
    "TLS13_SUITES",
    "ConnectionSlots",
    "InstanceServer",
    "SlotLimits",
    "Suite",
    "choose_cipher",
    "cipher_bits",
    "server_ciphers",
    "server_tls_versions",
]

#: ``ERRCODE_TOO_MANY_CONNECTIONS``.
TOO_MANY_CONNECTIONS = "53300"

#: The FATAL of a startup that finds only reserved slots free, per first major: (the
#: superuser slots, the slots of privileged roles). 15 and older have one text for both
#: (postinit.c: only superuser_reserved_connections exists); 16 split them when it added
#: ``reserved_connections`` and ``pg_use_reserved_connections``. Aurora's own text for its
#: rds_superuser slots is not documented: PostgreSQL's nearest is used (docs/fidelity.md).
RESERVED_SLOT_MESSAGES: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        10: (
            "remaining connection slots are reserved for non-replication superuser connections",
            "remaining connection slots are reserved for non-replication superuser connections",
        ),
        16: (
            "remaining connection slots are reserved for roles with the SUPERUSER attribute",
            "remaining connection slots are reserved for roles with privileges of the"
            ' "pg_use_reserved_connections" role',
        ),
    }
)

#: The roles whose members may take the rds_superuser reserved slots, per first major.
RESERVED_SLOT_ROLES: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {10: ("rds_superuser",), 16: ("rds_superuser", "pg_use_reserved_connections")}
)

#: ``max_connections`` when the parameter is RDS's formula
#: ``LEAST({DBInstanceClassMemory/9531392},5000)``: the class's memory is not modelled, so the
#: formula's cap is used (UNCONFIRMED, docs/fidelity.md). A number set in a parameter group
#: is used as it is.
FORMULA_MAX_CONNECTIONS = 5000

#: PostgreSQL's default; Aurora's value for rdsadmin is UNCONFIRMED (aurora-facts.md 1).
DEFAULT_SUPERUSER_RESERVED = 3

_FORMULA_CAP = re.compile(r"LEAST\(.*,\s*(\d+)\s*\)\s*$")


def _per_major(table: Mapping[int, tuple[str, ...]], major: int) -> tuple[str, ...]:
    return table[max(first for first in table if first <= major)]


def _int_guc(config: EngineConfig, name: str, default: int) -> int:
    text = config.gucs.get(name)
    if text is None:
        return default
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    cap = _FORMULA_CAP.match(text)
    return int(cap.group(1)) if cap is not None else default


@attrs.frozen
class SlotLimits:
    """The connection limits an instance's configuration sets."""

    max_connections: int
    superuser_reserved: int
    rds_superuser_reserved: int

    @classmethod
    def of(cls, config: EngineConfig) -> SlotLimits:
        return cls(
            max_connections=_int_guc(config, "max_connections", FORMULA_MAX_CONNECTIONS),
            superuser_reserved=_int_guc(
                config, "superuser_reserved_connections", DEFAULT_SUPERUSER_RESERVED
            ),
            rds_superuser_reserved=_int_guc(config, "rds.rds_superuser_reserved_connections", 0),
        )


_LAST_LIMITS: tuple[EngineConfig, SlotLimits] | None = None


def _limits_of(config: EngineConfig) -> SlotLimits:
    """``SlotLimits.of``, remembered for the last configuration object (they are immutable)."""
    global _LAST_LIMITS
    last = _LAST_LIMITS
    if last is not None and last[0] is config:
        return last[1]
    limits = SlotLimits.of(config)
    _LAST_LIMITS = (config, limits)
    return limits


#: A process-random key: the password cache below is keyed by a keyed digest, never by a
#: password.
_PASSWORD_KEY: Final = os.urandom(32)
_PASSWORD_CACHE_MAX: Final = 4096
#: (id of the stored password, role, keyed digest of the password offered) -> (the stored
#: password, kept so its id stays its own; the verdict). A role whose password was set as a
#: SCRAM secret costs a PBKDF2 (4096 iterations) per check; a client reconnecting with the
#: same password pays it once.
_PASSWORD_VERDICTS: dict[tuple[int, str, bytes], tuple[StoredPassword, bool]] = {}


def _password_matches(stored: StoredPassword, role: str, password: str) -> bool:
    """``stored.matches(role, password)``, remembered for this stored password."""
    digest = hashlib.blake2b(
        password.encode("utf-8", "surrogatepass"), key=_PASSWORD_KEY, digest_size=32
    ).digest()
    key = (id(stored), role, digest)
    known = _PASSWORD_VERDICTS.get(key)
    if known is not None and known[0] is stored:
        return known[1]
    verdict = stored.matches(role, password)
    if len(_PASSWORD_VERDICTS) >= _PASSWORD_CACHE_MAX:
        _PASSWORD_VERDICTS.clear()
    _PASSWORD_VERDICTS[key] = (stored, verdict)
    return verdict


class Slot:
    """One backend's place in an instance's slots, from InitProcess until the connection
    closes. ``release`` is idempotent."""

    __slots__ = ("_owner", "role_oid", "session")

    def __init__(self, owner: ConnectionSlots) -> None:
        self._owner: ConnectionSlots | None = owner
        self.role_oid: int | None = None
        #: The backend's session once the startup is accepted (a restart ends it).
        self.session: Session | None = None

    def release(self) -> None:
        """The connection closed: its session ends (an open transaction rolls back)."""
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.release(self)
        session, self.session = self.session, None
        if session is not None:
            session.close()


class ConnectionSlots:
    """The PGPROC slots of one instance: which backends hold one, and as which role."""

    def __init__(self) -> None:
        self._held: set[Slot] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def claim(self, max_connections: int) -> Slot | None:
        """A free slot (InitProcess), or None when all ``max_connections`` are taken."""
        with self._lock:
            if len(self._held) >= max_connections:
                return None
            slot = Slot(self)
            self._held.add(slot)
            return slot

    def release(self, slot: Slot) -> None:
        with self._lock:
            self._held.discard(slot)

    def count_role(self, role_oid: int) -> int:
        """``CountUserBackends``: backends (this one included) logged in as this role."""
        with self._lock:
            return sum(1 for slot in self._held if slot.role_oid == role_oid)

    def clear(self) -> None:
        """A restart: every backend is gone (their slots no longer count, their open
        transactions roll back)."""
        with self._lock:
            held, self._held = self._held, set()
        for slot in held:
            slot._owner = None
            session, slot.session = slot.session, None
            if session is not None:
                session.close()


_TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def server_tls_versions(config: EngineConfig) -> tuple[str, ...]:
    """The TLS versions the server accepts: ssl_min_protocol_version .. ssl_max_protocol_version."""
    low = config.ssl_min_protocol_version or "TLSv1.2"
    high = config.ssl_max_protocol_version or "TLSv1.3"
    lo = _TLS_ORDER.index(low) if low in _TLS_ORDER else 2
    hi = _TLS_ORDER.index(high) if high in _TLS_ORDER else 3
    return _TLS_ORDER[lo : hi + 1]


@attrs.frozen
class Suite:
    """A TLS 1.0-1.2 cipher suite as OpenSSL describes it (``openssl ciphers -v``): the
    certificate key it needs (``Au=``), its key size (``pg_stat_ssl.bits``), and the oldest
    protocol it runs on (the GCM, SHA-256 and SHA-384 suites need TLS 1.2)."""

    auth: str  # "RSA" or "ECDSA"
    bits: int
    min_version: str


#: The TLS 1.0-1.2 suites a client offers (libpq with OpenSSL 3.0 and 3.5, read from real
#: clients by tests/client_oracle/test_ciphers.py), in the order OpenSSL 3.0 expands
#: PostgreSQL's default ``ssl_ciphers`` (``HIGH:MEDIUM:+3DES:!aNULL``) restricted to them:
#: the order a server with the default list prefers.
TLS12_SUITES: Mapping[str, Suite] = MappingProxyType(
    {
        "ECDHE-ECDSA-AES256-GCM-SHA384": Suite("ECDSA", 256, "TLSv1.2"),
        "ECDHE-RSA-AES256-GCM-SHA384": Suite("RSA", 256, "TLSv1.2"),
        "DHE-RSA-AES256-GCM-SHA384": Suite("RSA", 256, "TLSv1.2"),
        "ECDHE-ECDSA-CHACHA20-POLY1305": Suite("ECDSA", 256, "TLSv1.2"),
        "ECDHE-RSA-CHACHA20-POLY1305": Suite("RSA", 256, "TLSv1.2"),
        "DHE-RSA-CHACHA20-POLY1305": Suite("RSA", 256, "TLSv1.2"),
        "ECDHE-ECDSA-AES128-GCM-SHA256": Suite("ECDSA", 128, "TLSv1.2"),
        "ECDHE-RSA-AES128-GCM-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "DHE-RSA-AES128-GCM-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "ECDHE-ECDSA-AES256-SHA384": Suite("ECDSA", 256, "TLSv1.2"),
        "ECDHE-RSA-AES256-SHA384": Suite("RSA", 256, "TLSv1.2"),
        "DHE-RSA-AES256-SHA256": Suite("RSA", 256, "TLSv1.2"),
        "ECDHE-ECDSA-AES128-SHA256": Suite("ECDSA", 128, "TLSv1.2"),
        "ECDHE-RSA-AES128-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "DHE-RSA-AES128-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "ECDHE-ECDSA-AES256-SHA": Suite("ECDSA", 256, "TLSv1"),
        "ECDHE-RSA-AES256-SHA": Suite("RSA", 256, "TLSv1"),
        "DHE-RSA-AES256-SHA": Suite("RSA", 256, "TLSv1"),
        "ECDHE-ECDSA-AES128-SHA": Suite("ECDSA", 128, "TLSv1"),
        "ECDHE-RSA-AES128-SHA": Suite("RSA", 128, "TLSv1"),
        "DHE-RSA-AES128-SHA": Suite("RSA", 128, "TLSv1"),
        "AES256-GCM-SHA384": Suite("RSA", 256, "TLSv1.2"),
        "AES128-GCM-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "AES256-SHA256": Suite("RSA", 256, "TLSv1.2"),
        "AES128-SHA256": Suite("RSA", 128, "TLSv1.2"),
        "AES256-SHA": Suite("RSA", 256, "TLSv1"),
        "AES128-SHA": Suite("RSA", 128, "TLSv1"),
    }
)

#: The IANA names in Aurora's ssl_ciphers AllowedValues as OpenSSL names (``openssl ciphers
#: -stdname``); Aurora's other values are OpenSSL names already.
IANA_TO_OPENSSL: Mapping[str, str] = MappingProxyType(
    {
        "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
        "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
        "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA256": "AES128-SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": "ECDHE-RSA-AES128-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    }
)

#: OpenSSL's TLS 1.3 suites in its default server order (``SSL_CTX_set_ciphersuites`` is
#: never called by PostgreSQL, so ssl_ciphers does not touch them), with their key sizes.
TLS13_SUITES: Mapping[str, int] = MappingProxyType(
    {
        "TLS_AES_256_GCM_SHA384": 256,
        "TLS_CHACHA20_POLY1305_SHA256": 256,
        "TLS_AES_128_GCM_SHA256": 128,
    }
)

#: The CA whose server certificates carry an ECDSA key (the others are RSA).
_ECDSA_CAS: Final = frozenset({"rds-ca-ecc384-g1"})


def server_ciphers(config: EngineConfig) -> tuple[str, ...]:
    """The server's TLS 1.0-1.2 suites in its order of preference (``ssl_prefer_server_ciphers``
    is on): Aurora's comma-separated ``ssl_ciphers`` as OpenSSL names, or, when the parameter
    has no value, PostgreSQL's default list. Names OpenSSL does not know are skipped, as
    ``SSL_CTX_set_cipher_list`` skips them."""
    text = (config.gucs.get("ssl_ciphers") or "").strip()
    if not text:
        return tuple(TLS12_SUITES)
    chosen: list[str] = []
    for item in text.split(","):
        name = IANA_TO_OPENSSL.get(item.strip(), item.strip())
        if name in TLS12_SUITES and name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def choose_cipher(
    tls_version: str,
    ciphers: Sequence[str],
    ca_identifier: str | None,
    offered: Collection[str],
) -> str | None:
    """The suite the server picks (None: ``no shared cipher``): for TLS 1.3 OpenSSL's first
    default suite the client offers; below, the first of the server's ``ciphers`` that the
    client offers, that the certificate's key can sign and that runs on ``tls_version``."""
    if tls_version == "TLSv1.3":
        return next((name for name in TLS13_SUITES if name in offered), None)
    auth = "ECDSA" if ca_identifier in _ECDSA_CAS else "RSA"
    rank = _TLS_ORDER.index(tls_version) if tls_version in _TLS_ORDER else 2
    for name in ciphers:
        suite = TLS12_SUITES[name]
        if suite.auth == auth and name in offered and _TLS_ORDER.index(suite.min_version) <= rank:
            return name
    return None


def cipher_bits(cipher: str) -> int:
    """``pg_stat_ssl.bits`` of a suite."""
    if cipher in TLS13_SUITES:
        return TLS13_SUITES[cipher]
    return TLS12_SUITES[cipher].bits


def _expired(valid_until: str | None, now: _dt.datetime) -> bool:
    if valid_until is None or valid_until == "infinity":
        return False
    if valid_until == "-infinity":
        return True
    try:
        moment = _dt.datetime.strptime(valid_until, "%Y-%m-%d %H:%M:%S+00").replace(tzinfo=_dt.UTC)
    except ValueError:
        return False
    return moment < now


class InstanceServer:
    """The server side of connections to one instance, for one client address."""

    def __init__(
        self,
        database: Database,
        config: Callable[[], EngineConfig],
        tls: Callable[[tuple[str, ...]], TlsIdentity],
        *,
        client_address: str,
        now: Callable[[], _dt.datetime],
        check_token: Callable[[str, str], bool],
        slots: ConnectionSlots | None = None,
    ) -> None:
        self._slots = slots if slots is not None else ConnectionSlots()
        self._database = database
        self._config = config
        self._tls = tls
        self._client_address = client_address
        self._now = now
        self._check_token = check_token

        # what this configuration implies, computed once per configuration object
        self._derived: tuple[EngineConfig, SlotLimits] | None = None
        self._identity: tuple[EngineConfig, TlsIdentity | None] | None = None
        self._cipher_list: tuple[EngineConfig, tuple[str, ...]] | None = None

    def _current(self) -> tuple[EngineConfig, SlotLimits]:
        """The configuration in force and its connection limits."""
        config = self._config()
        derived = self._derived
        if derived is None or derived[0] is not config:
            derived = (config, _limits_of(config))
            self._derived = derived
        return derived

    @property
    def accepts_ssl(self) -> bool:
        return self._current()[0].ssl

    @property
    def accepts_direct_ssl(self) -> bool:
        return self._database.version.major >= 17 and self._current()[0].ssl

    @property
    def tls(self) -> TlsIdentity | None:
        config = self._current()[0]
        known = self._identity
        if known is None or known[0] is not config:
            # issued on first use: a server nobody asks for TLS never signs a certificate
            identity = self._tls(server_tls_versions(config)) if config.ssl else None
            known = (config, identity)
            self._identity = known
        return known[1]

    def _ciphers(self, config: EngineConfig) -> tuple[str, ...]:
        known = self._cipher_list
        if known is None or known[0] is not config:
            known = (config, server_ciphers(config))
            self._cipher_list = known
        return known[1]

    def tls_cipher(self, tls_version: str, offered: Collection[str]) -> str | None:
        """The suite this server picks in a handshake at ``tls_version`` with a client
        offering ``offered`` (None: the handshake fails, ``no shared cipher``)."""
        identity = self.tls
        return choose_cipher(
            tls_version,
            self._ciphers(self._current()[0]),
            identity.ca_identifier if identity is not None else None,
            offered,
        )

    def decide(self, startup: Startup) -> Verdict:
        """The verdict on a StartupMessage; an accepted one holds a slot until closed."""
        config, limits = self._current()
        slot = self._slots.claim(limits.max_connections)
        if slot is None:
            return Fatal(TOO_MANY_CONNECTIONS, "sorry, too many clients already")
        try:
            verdict = self._decide(startup, config, limits, slot)
        except BaseException:
            slot.release()
            raise
        if not isinstance(verdict, Accepted):
            slot.release()
        return verdict

    def _reserved_check(
        self, catalog: Catalog, role: Role, limits: SlotLimits, major: int
    ) -> Fatal | None:
        """InitPostgres's reserved-slot check (superusers exempt), after the role checks."""
        if role.superuser:
            return None
        reserved = limits.superuser_reserved + limits.rds_superuser_reserved
        free = limits.max_connections - len(self._slots)
        if reserved <= 0 or free >= reserved:
            return None
        superuser_text, privileged_text = RESERVED_SLOT_MESSAGES[
            max(first for first in RESERVED_SLOT_MESSAGES if first <= major)
        ]
        if free < limits.superuser_reserved:
            return Fatal(TOO_MANY_CONNECTIONS, superuser_text)
        for name in _per_major(RESERVED_SLOT_ROLES, major):
            group = catalog.get(name)
            if group is not None and membership.has_privs(catalog, major, role.oid, group.oid):
                return None
        return Fatal(TOO_MANY_CONNECTIONS, privileged_text)

    def _decide(
        self, startup: Startup, config: EngineConfig, limits: SlotLimits, slot: Slot
    ) -> Verdict:
        major = self._database.version.major
        catalog = self._database.catalog
        user, dbname, ssl = startup.user, startup.database, startup.encrypted
        host = self._client_address
        rule = hba.match(
            hba.aurora_rules(config), ssl=ssl, user=user, database=dbname, catalog=catalog
        )
        if rule is None:
            return Fatal("28000", hba.no_entry_message(major, host, user, dbname, ssl))
        if rule.method == "reject":
            return Fatal("28000", hba.rejects_message(major, host, user, dbname, ssl))
        role = catalog.get(user)
        if rule.method == "pam":
            if startup.password is None:
                return PasswordRequired("password")
            if role is None or not self._check_token(user, startup.password.reveal()):
                return Fatal("28000", f'PAM authentication failed for user "{user}"')
        else:
            stored = role.password if role is not None else None
            default_kind = str(behaviour("password_encryption.default", major))
            kind = stored.kind if stored is not None else default_kind
            if startup.password is None:
                return PasswordRequired("md5" if kind == "md5" else "scram-sha-256")
            failed = Fatal("28P01", f'password authentication failed for user "{user}"')
            if role is None or stored is None or _expired(role.valid_until, self._now()):
                return failed
            if config.accepted_password_auth_method == "scram" and stored.kind == "md5":
                return failed
            if not _password_matches(stored, user, startup.password.reveal()):
                return failed
        assert role is not None
        if not role.login:
            return Fatal("28000", f'role "{user}" is not permitted to log in')
        slot.role_oid = role.oid
        if (
            role.connection_limit >= 0
            and not role.superuser
            and self._slots.count_role(role.oid) > role.connection_limit
        ):
            return Fatal(TOO_MANY_CONNECTIONS, f'too many connections for role "{user}"')
        refused = self._reserved_check(catalog, role, limits, major)
        if refused is not None:
            return refused
        if dbname not in catalog.databases:
            return Fatal("3D000", f'database "{dbname}" does not exist')
        ssl_state = None
        if ssl:
            version = startup.tls_version or "TLSv1.2"
            cipher = startup.tls_cipher
            if cipher is None:
                identity = self.tls
                cipher = choose_cipher(
                    version,
                    self._ciphers(config),
                    identity.ca_identifier if identity is not None else None,
                    TLS12_SUITES.keys() | TLS13_SUITES.keys(),
                )
            ssl_state = SslState(
                version=version,
                cipher=cipher or "",
                bits=cipher_bits(cipher) if cipher else 0,
            )
        session = Session(self._database, self._config, user, dbname=dbname, ssl=ssl_state)
        slot.session = session
        return Accepted(session, close=slot.release)
