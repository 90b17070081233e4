"""One instance's server, as a client reaches it: SSLRequest answer, TLS identity, and the
verdict on a StartupMessage (pg_hba, authentication, LOGIN, database), ending in a session.

It implements :class:`aurora_sec.client.negotiation.ServerEndpoint`. What it knows comes from
the instance's configuration (``ssl``, ``rds.force_ssl``, TLS versions,
``rds.accepted_password_auth_method``) and the cluster's catalog; the TLS identity and the IAM
token check are handed in by the control plane.

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
from collections.abc import Callable, Mapping
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
    "RESERVED_SLOT_MESSAGES",
    "ConnectionSlots",
    "InstanceServer",
    "SlotLimits",
    "cipher_for",
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

    __slots__ = ("_owner", "role_oid")

    def __init__(self, owner: ConnectionSlots) -> None:
        self._owner: ConnectionSlots | None = owner
        self.role_oid: int | None = None

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.release(self)


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
        """A restart: every backend is gone (their slots no longer count)."""
        with self._lock:
            self._held = set()


_TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def server_tls_versions(config: EngineConfig) -> tuple[str, ...]:
    """The TLS versions the server accepts: ssl_min_protocol_version .. ssl_max_protocol_version."""
    low = config.ssl_min_protocol_version or "TLSv1.2"
    high = config.ssl_max_protocol_version or "TLSv1.3"
    lo = _TLS_ORDER.index(low) if low in _TLS_ORDER else 2
    hi = _TLS_ORDER.index(high) if high in _TLS_ORDER else 3
    return _TLS_ORDER[lo : hi + 1]


def cipher_for(tls_version: str | None, ecdsa: bool) -> str:
    """The suite an OpenSSL 3 server picks first for a modern client (UNCONFIRMED for Aurora)."""
    if tls_version == "TLSv1.3":
        return "TLS_AES_256_GCM_SHA384"
    return "ECDHE-ECDSA-AES256-GCM-SHA384" if ecdsa else "ECDHE-RSA-AES256-GCM-SHA384"


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
            identity = self.tls
            ecdsa = identity is not None and identity.ca_identifier == "rds-ca-ecc384-g1"
            ssl_state = SslState(
                version=startup.tls_version or "TLSv1.2",
                cipher=cipher_for(startup.tls_version, ecdsa),
                bits=256,
            )
        session = Session(self._database, self._config, user, dbname=dbname, ssl=ssl_state)
        return Accepted(session, close=slot.release)
