"""Engine versions, and the one table of behaviour that changes between PostgreSQL majors.

:class:`EngineVersion` is parsed once into an immutable, comparable value (the way
``packaging.version.Version`` works), with a precise error for anything that is not an
Aurora PostgreSQL version string.

:data:`RULES` maps a rule id to the behaviour of each range of majors. The code asks
``behaviour("password_encryption.default", version)`` instead of comparing version numbers,
and :func:`differences` prints every rule that differs between two majors::

    >>> for rule_id, old, new in differences(13, 16): print(rule_id, old, "->", new)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import total_ordering
from typing import Any

import attrs

__all__ = [
    "MAJORS",
    "RULES",
    "EngineVersion",
    "InvalidEngineVersion",
    "Rule",
    "behaviour",
    "differences",
]

#: The PostgreSQL majors the emulator models (Aurora PostgreSQL 10 exists for the 10.6 gates).
MAJORS: tuple[int, ...] = (10, 11, 12, 13, 14, 15, 16, 17)

_VERSION_RE = re.compile(r"(?P<major>[1-9][0-9]?)\.(?P<minor>0|[1-9][0-9]?)")


class InvalidEngineVersion(ValueError):
    """The text is not an Aurora PostgreSQL engine version (``MAJOR.MINOR``)."""


@total_ordering
@attrs.frozen(order=False)
class EngineVersion:
    """An Aurora PostgreSQL engine version such as ``15.4``: a major and a minor."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> EngineVersion:
        """Parse ``"15.4"``; raise :class:`InvalidEngineVersion` for anything else."""
        if not isinstance(text, str):
            raise InvalidEngineVersion(
                f"engine version must be a string, not {type(text).__name__}"
            )
        m = _VERSION_RE.fullmatch(text)
        if m is None:
            raise InvalidEngineVersion(f"invalid engine version: {text!r}")
        return cls(int(m["major"]), int(m["minor"]))

    @classmethod
    def coerce(cls, value: EngineVersion | str) -> EngineVersion:
        """Accept an :class:`EngineVersion` or its text."""
        return value if isinstance(value, EngineVersion) else cls.parse(value)

    @property
    def family(self) -> str:
        """The parameter group family: ``aurora-postgresql15``."""
        return f"aurora-postgresql{self.major}"

    def _key(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, EngineVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@attrs.frozen
class Rule:
    """One behaviour that changes across majors: ``since`` holds (first major, value) pairs."""

    rule_id: str
    summary: str
    since: tuple[tuple[int, Any], ...]

    def __attrs_post_init__(self) -> None:
        firsts = [m for m, _ in self.since]
        if not firsts or firsts != sorted(firsts) or firsts[0] > MAJORS[0]:
            raise ValueError(f"rule {self.rule_id}: 'since' must start at {MAJORS[0]} and ascend")

    def at(self, major: int) -> Any:
        value: Any = None
        for first, v in self.since:
            if major >= first:
                value = v
        return value


def _rule(rule_id: str, summary: str, *since: tuple[int, Any]) -> tuple[str, Rule]:
    return rule_id, Rule(rule_id, summary, tuple(since))


#: Every per-major behaviour difference, in one place. Sources: shared/reference/postgres-truth.md.
RULES: Mapping[str, Rule] = dict(
    [
        _rule(
            "password_encryption.default",
            "default of password_encryption (user.c / guc tables)",
            (10, "md5"),
            (14, "scram-sha-256"),
        ),
        _rule(
            "guc.parse_int_fractional",
            "integer parameters accept fractions and exponents, rounded (guc.c parse_int)",
            (10, False),
            (12, True),
        ),
        _rule(
            "guc.time_units_hint",
            "the HINT for a bad time unit (microseconds arrived in 12)",
            (10, 'Valid units for this parameter are "ms", "s", "min", "h", and "d".'),
            (12, 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".'),
        ),
        _rule(
            "password_encryption.boolean_aliases",
            "on/true/yes/1 accepted as aliases of md5",
            (10, True),
            (14, False),
        ),
        _rule(
            "createrole.regime",
            "CREATEROLE alone suffices (legacy) or also needs ADMIN OPTION on the target",
            (10, "legacy"),
            (16, "admin-option"),
        ),
        _rule(
            "create_role.members_order",
            "CREATE ROLE adds its ADMIN members before its ROLE members (up to 15) or after",
            (10, "admin-first"),
            (16, "role-first"),
        ),
        _rule(
            "drop_role.names",
            "DROP ROLE a, b checks and drops each name in turn, or checks them all first",
            (10, "one-by-one"),
            (16, "all-checked-first"),
        ),
        _rule(
            "grant.inherit_set_options",
            "GRANT role ... WITH INHERIT/SET options exist",
            (10, False),
            (16, True),
        ),
        _rule(
            "hba.encryption_words",
            "the last words of pg_hba.conf FATALs for (SSL, no SSL)",
            (10, ("SSL on", "SSL off")),
            (14, ("SSL encryption", "no encryption")),
        ),
        _rule(
            "hba.gss_encryption",
            "hostgssenc / hostnogssenc lines and GSS encryption words exist",
            (10, False),
            (12, True),
        ),
        _rule(
            "ssl.min_max_protocol_gucs",
            "ssl_min_protocol_version / ssl_max_protocol_version exist",
            (10, False),
            (12, True),
        ),
        _rule(
            "createrole_self_grant",
            "the createrole_self_grant GUC exists",
            (10, False),
            (16, True),
        ),
        _rule(
            "hba.regex",
            "pg_hba.conf database and user fields accept /regex",
            (10, False),
            (16, True),
        ),
        _rule(
            "membership.inherit_source",
            "has_privs_of_role follows the member role's rolinherit, or each grant's inherit option",
            (10, "role"),
            (16, "grant"),
        ),
        _rule(
            "membership.set_role_needs",
            "SET ROLE needs membership, or the set option on every grant of the chain",
            (10, "member"),
            (16, "set-option"),
        ),
        _rule(
            "membership.session_user_admins_itself",
            "is_admin_of_role(x, x) is true for the session user (removed in 15, commit 79de9842a)",
            (10, True),
            (15, False),
        ),
        _rule(
            "hba.clientcert_values",
            "accepted values of clientcert",
            (10, ("1", "0")),
            (12, ("verify-ca", "verify-full", "1", "0", "no-verify")),
            (14, ("verify-ca", "verify-full")),
        ),
        # --- SQL classifier (aurora_sec/sql/): grammar gates. pglast parses with the
        # PostgreSQL 18 grammar; where an older major's grammar lacks a construct, the
        # classifier reports that major's syntax error (aurora_sec/sql/grammar_gates.py).
        _rule(
            "grammar.rolespec_current_role",
            "CURRENT_ROLE is a role specification (ALTER ROLE CURRENT_ROLE, GRANT ... TO CURRENT_ROLE)",
            (10, False),
            (14, True),
        ),
        _rule(
            "grammar.grant_role_option_list",
            "GRANT role ... WITH {ADMIN|INHERIT|SET} {OPTION|TRUE|FALSE}, ... (before: WITH ADMIN OPTION only)",
            (10, False),
            (16, True),
        ),
        _rule(
            "grammar.revoke_role_option_for",
            "REVOKE {INHERIT|SET|name} OPTION FOR role ... (before: ADMIN OPTION FOR only)",
            (10, False),
            (16, True),
        ),
        _rule(
            "grammar.transaction_chain",
            "COMMIT / ROLLBACK / END / ABORT ... AND [NO] CHAIN",
            (10, False),
            (12, True),
        ),
        _rule(
            "grammar.grant_privileges_granted_by",
            "GRANT/REVOKE privileges ON object ... GRANTED BY role",
            (10, False),
            (14, True),
        ),
        _rule(
            "grammar.merge",
            "the MERGE statement",
            (10, False),
            (15, True),
        ),
        # --- SQL classifier: checks at the start of a statement's execution (user.c).
        _rule(
            "sql.alter_role.conflicting_option_position",
            "ALTER ROLE's 'conflicting or redundant options' carries a position (errorConflictingDefElem); CREATE ROLE's always does",
            (10, False),
            (15, True),
        ),
        _rule(
            "sql.revoke_role.granted_by",
            "REVOKE role ... GRANTED BY x: accepted and ignored by the grammar, or honoured",
            (10, "ignored"),
            (16, "honoured"),
        ),
        _rule(
            "sql.select.boolean_literal_column",
            "output column name of SELECT true/false: makeBoolAConst built a ::bool cast before 15",
            (10, "bool"),
            (15, "?column?"),
        ),
        _rule(
            "sql.stack_depth.expression_limit",
            "deepest expression nesting analysed before 54001 'stack depth limit exceeded' (measured: 15.18 Debian build, 16.2 pgserver build; UNCONFIRMED for Aurora)",
            (10, 4091),
            (16, 4850),
        ),
        # ---- client side: libpq / psql (the major is the client's, not the server's) ----
        # Sources: libpq fe-connect.c, fe-secure-openssl.c, fe-secure-common.c of 11.2, 12.0,
        # 13.1, 14.13, 15.15, 16.2, 17.4, 18.3; psql 15.18 observed (postgres-truth.md 5, 7).
        _rule(
            "libpq.connection_prefix",
            "each attempt's error starts 'connection to server at \"h\" (ip), port p failed: '",
            (10, False),
            (14, True),
        ),
        _rule(
            "libpq.ssl_protocol_version_error",
            "text for a bad ssl_min/max_protocol_version value",
            (10, 'invalid {name} value: "{value}"'),
            (17, 'invalid "{name}" value: "{value}"'),
        ),
        _rule(
            "libpq.root_cert_missing_hint",
            "second line after 'root certificate file \"%s\" does not exist'",
            (
                10,
                "Either provide the file or change sslmode to disable server certificate verification.",
            ),
            (
                16,
                "Either provide the file, use the system's trusted roots with sslrootcert=system, "
                "or change sslmode to disable server certificate verification.",
            ),
        ),
        _rule(
            "libpq.sslrootcert_system",
            "sslrootcert=system means the system trust store (and defaults sslmode to verify-full)",
            (10, False),
            (16, True),
        ),
        _rule(
            "libpq.sslnegotiation",
            "the sslnegotiation option (postgres | direct) exists",
            (10, False),
            (17, True),
        ),
        _rule(
            "libpq.ip_san",
            "verify-full matches an IP-literal host against iPAddress SANs",
            (10, False),
            (15, True),
        ),
        _rule(
            "libpq.target_session_attrs_values",
            "accepted values of target_session_attrs",
            (10, ("any", "read-write")),
            (14, ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")),
        ),
        _rule(
            "libpq.uri_rejects_spaces",
            "URI parts are trimmed of spaces and inner spaces are an error (18.3 tree; absent in 17.4)",
            (10, False),
            (18, True),
        ),
        _rule(
            "libpq.system_roots_verify_detail",
            "'SSL error: certificate verify failed: <reason>' when the system trust store lacks the issuer",
            (10, False),
            (16, True),
        ),
        _rule(
            "psql.error_prefix",
            "what psql prints before a connection error",
            (10, "psql: "),
            (12, "psql: error: "),
        ),
        _rule(
            "psql.ssl_banner",
            "psql's SSL line at start-up and in \\conninfo (printSSLInfo)",
            (
                10,
                "SSL connection (protocol: {protocol}, cipher: {cipher}, bits: {bits}, compression: {compression})",
            ),
            (
                15,
                "SSL connection (protocol: {protocol}, cipher: {cipher}, compression: {compression})",
            ),
            (
                17,
                "SSL connection (protocol: {protocol}, cipher: {cipher}, compression: {compression}, ALPN: {alpn})",
            ),
        ),
        # ---- client side: pgjdbc. Versions are encoded as major*1_000_000 + minor*1_000 + patch
        # (42.2.5 -> 42_002_005, see aurora_sec.client.jdbc_url.pgjdbc_version_key); the first
        # range (10) stands for every older release. Source: pgjdbc tags REL42.2.4, REL42.2.5,
        # REL42.3.4, REL42.7.4 and master 3a699d57d.
        _rule(
            "pgjdbc.sslmode_model",
            "legacy: SSL only with ssl=true or sslmode require/verify-*; modern: allow/prefer, default prefer, ssl=true means verify-full",
            (10, "legacy"),
            (42_002_005, "modern"),
        ),
        _rule(
            "pgjdbc.unparsable_url",
            "what DriverManager.getConnection reports for a jdbc:postgresql: URL the driver cannot parse",
            (10, ("No suitable driver found for {url}", "08001")),
            (42_003_004, ("Unable to parse URL {url}", "99999")),
        ),
        _rule(
            "pgjdbc.ssl_negotiation_direct",
            "the sslNegotiation=direct property exists",
            (10, False),
            (42_007_004, True),
        ),
        # ---- client side (continued): libpq negotiation details ----
        _rule(
            "libpq.error_buffer",
            "earlier attempts' errors: TLS-stage errors reset the buffer (printfPQExpBuffer), or every error accumulates",
            (10, "reset-on-tls-error"),
            (14, "accumulate"),
        ),
        _rule(
            "libpq.encryption_negotiation",
            "PQconnectPoll's SSL retry logic: allow_ssl_try/wait_ssl_try flags, or the allowed/failed encryption methods of 17",
            (10, "flags"),
            (17, "methods"),
        ),
        _rule(
            "libpq.tls_version_hint",
            "a TLS version failure adds 'This may indicate that the server does not support any SSL protocol version between %s and %s.'",
            (10, False),
            (13, True),
        ),
    ]
)


def behaviour(rule_id: str, version: EngineVersion | str | int) -> Any:
    """What the engine of ``version`` does for rule ``rule_id``."""
    major = version if isinstance(version, int) else EngineVersion.coerce(version).major
    return RULES[rule_id].at(major)


def differences(major_a: int, major_b: int) -> Iterator[tuple[str, Any, Any]]:
    """Yield ``(rule_id, value at a, value at b)`` for every rule that differs."""
    for rule_id, rule in RULES.items():
        a, b = rule.at(major_a), rule.at(major_b)
        if a != b:
            yield rule_id, a, b
