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
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from aurora_sec.client.certificates import TlsIdentity
from aurora_sec.client.negotiation import Accepted, Fatal, PasswordRequired, Startup, Verdict
from aurora_sec.engine import hba
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.database import Database
from aurora_sec.engine.result import SslState
from aurora_sec.engine.session import Session
from aurora_sec.versions import behaviour

__all__ = ["InstanceServer", "cipher_for", "server_tls_versions"]

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
    ) -> None:
        self._database = database
        self._config = config
        self._tls = tls
        self._client_address = client_address
        self._now = now
        self._check_token = check_token

    @property
    def accepts_ssl(self) -> bool:
        return self._config().ssl

    @property
    def accepts_direct_ssl(self) -> bool:
        return self._database.version.major >= 17 and self._config().ssl

    @property
    def tls(self) -> TlsIdentity | None:
        config = self._config()
        if not config.ssl:
            return None
        return self._tls(server_tls_versions(config))

    def decide(self, startup: Startup) -> Verdict:
        config = self._config()
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
            if not stored.matches(user, startup.password.reveal()):
                return failed
        assert role is not None
        if not role.login:
            return Fatal("28000", f'role "{user}" is not permitted to log in')
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
        return Accepted(session)
