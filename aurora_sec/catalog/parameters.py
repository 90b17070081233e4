"""The parameter catalogue: every Aurora PostgreSQL parameter the emulator models, as data.

One :class:`ParameterSpec` row per parameter holds what ``Describe*Parameters`` shows (the
AWS description, ApplyType, DataType, AllowedValues, IsModifiable, MinimumEngineVersion), the
default of each major, the group it lives in, and the majors it exists in. A small core reads
the table: :func:`lookup`, :func:`for_family`, :meth:`ParameterSpec.validate` and
:func:`describe`.

Groups (S2 ``AuroraPostgreSQL.Reference.ParameterGroups.md``, aurora-postgresql14 tables):

* ``level="cluster"``: only in DB cluster parameter groups (``rds.force_ssl``, ``ssl``,
  ``password_encryption`` ...).
* ``level="instance"``: instance-level parameters. A DB cluster parameter group "includes
  defaults for both the cluster-level and instance-level parameters", so these are listed in
  both kinds of group; the DB parameter group lists only these. (In the S2 tables every
  instance-level name also appears in the cluster table.)

So ``for_family(family, "cluster")`` returns both levels and ``for_family(family,
"instance")`` only the instance level, as DescribeDBClusterParameters and
DescribeDBParameters do.

Defaults: ``default(major)`` is the ``ParameterValue`` AWS shows (None: AWS shows no value,
"–" in the S2 tables, and the engine runs with PostgreSQL's own default). ``source`` is
``system`` when RDS sets a value and ``engine-default`` otherwise (the real
describe-engine-default-cluster-parameters entry for ``ssl_ciphers`` in S2
``AuroraPostgreSQL.Security.md`` shows ``"Source": "engine-default"`` with no value; the
default group of aurora-postgresql13 shows rds.force_ssl ``"ParameterValue": "0"`` with
``"Source": "system"`` [OBS]).

Where AWS publishes no range, PostgreSQL's own GUC range is used and the row says so.

UNCONFIRMED (for docs/fidelity.md):

* The message for a value outside AllowedValues (InvalidParameterValue):
  ``Invalid parameter value: <value> for: <name> allowed values are: <AllowedValues>``
  (from memory of RDS responses; no public copy found).
* rds.force_ssl ApplyType ``dynamic``: AWS does not say; S2 says no reboot is needed when
  ``ssl`` is already 1 (the RDS core models that rule).
* ssl IsModifiable true; ApplyType dynamic (PostgreSQL: ``ssl`` is SIGHUP).
* password_encryption ParameterValue ``md5`` for 10-13 (S8: "Aurora PostgreSQL 13 - Default
  is md5"; the S2 14 table shows "–" even for 14, whose default group S8 says is
  ``scram-sha-256``).
* rds.restrict_password_commands shows ``ParameterValue 0`` (Source system). The S2 table
  prints "–", but it prints "–" for password_encryption too, whose default S8 says is set;
  the engine runs with ``off`` either way (S4: ``SHOW rds.restrict_password_commands`` ->
  ``off``).
* krb_caseins_users: no ParameterValue, AllowedValues ``0,1``, dynamic (S2's table prints
  ``false``); description is PostgreSQL's.
* rds.accepted_password_auth_method exists in every major 10-17 without a
  MinimumEngineVersion.
* ssl_min_protocol_version ``TLSv1.2`` also for 12 (PostgreSQL 12's own default is TLSv1).
* AllowedValues of ssl_max_protocol_version (no empty value), createrole_self_grant
  (``set,inherit``), shared_preload_libraries, rds.superuser_variables,
  rds.rds_superuser_reserved_connections (PostgreSQL's 0-262143), max_connections
  (``6-8388607``, the RDS for PostgreSQL range).
* ssl_ciphers: one AllowedValues list (the aurora-postgresql11 one from S2) for every
  version; S2 documents three cipher generations by minor. With no value the engine runs
  with PostgreSQL's default list (S2: "defaults to all allowed cipher suites", no order
  given); the server's choice of suite is aurora_sec/engine/server.py's.
* Integer parameters accept RDS formulas (``LEAST({DBInstanceClassMemory/9531392},5000)``)
  without evaluating them.
* ApplyType of the ssl_*_file paths (dynamic, as PostgreSQL's SIGHUP) and of
  rds.superuser_variables (dynamic).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from aurora_sec.catalog import engine_versions

__all__ = [
    "PARAMETERS",
    "ParameterSpec",
    "describe",
    "for_family",
    "lookup",
    "unknown_parameter_message",
]

Level = Literal["cluster", "instance"]
_LEVELS: Final = ("cluster", "instance")
_LAST_MAJOR: Final = 17

_RANGE_RE = re.compile(r"(?P<lo>-?[0-9]+)-(?P<hi>-?[0-9]+)")
_INT_RE = re.compile(r"-?[0-9]+")
# RDS formula values ("{DBInstanceClassMemory/9531392}", "LEAST(...)", "GREATEST(...)", "SUM(...)")
_FORMULA_RE = re.compile(r"\{[^{}]+\}|(LEAST|GREATEST|SUM)\(.+\)")


def _default_source(spec: ParameterSpec) -> str:
    return "system" if any(value is not None for _, value in spec.defaults) else "engine-default"


@attrs.frozen
class ParameterSpec:
    """One parameter of an Aurora PostgreSQL parameter group."""

    name: str
    description: str
    apply_type: Literal["static", "dynamic"]
    data_type: Literal["boolean", "integer", "string", "list"]
    #: AWS's ``AllowedValues`` text: ``"0,1"``, ``"1-600"``, ``"md5,scram-sha-256"`` or None.
    allowed_values: str | None
    level: Level
    #: (first major, ParameterValue) pairs, ascending; None means AWS shows no value.
    defaults: tuple[tuple[int, str | None], ...]
    is_modifiable: bool = True
    minimum_engine_version: str | None = None
    #: The first and last major the parameter exists in.
    majors: tuple[int, int] = (10, _LAST_MAJOR)
    #: ``Source`` of the default: "system" when RDS sets a value, else "engine-default".
    source: str = attrs.field(default=attrs.Factory(_default_source, takes_self=True))

    def exists_in(self, major: int) -> bool:
        first, last = self.majors
        return first <= major <= last

    def default(self, major: int) -> str | None:
        """The ``ParameterValue`` of the default group of ``major`` (None: no value shown)."""
        value: str | None = None
        for first, v in self.defaults:
            if major >= first:
                value = v
        return value

    @property
    def default_apply_method(self) -> str:
        """``pending-reboot`` for static parameters, ``immediate`` for dynamic ones."""
        return "pending-reboot" if self.apply_type == "static" else "immediate"

    def validate(self, value: object) -> str | None:
        """None if ``value`` is within AllowedValues, else AWS's InvalidParameterValue message."""
        if isinstance(value, str) and _allowed(self, value):
            return None
        return (
            f"Invalid parameter value: {value} for: {self.name} "
            f"allowed values are: {self.allowed_values}"
        )


def _allowed(spec: ParameterSpec, value: str) -> bool:
    return _allowed_by(spec.allowed_values, spec.data_type, value)


@functools.lru_cache(maxsize=4096)
def _allowed_by(allowed: str | None, data_type: str, value: str) -> bool:
    """Is ``value`` within AllowedValues ``allowed`` (remembered: a pure function)?"""
    if allowed is None:
        return True
    if data_type == "integer" and _FORMULA_RE.fullmatch(value):
        return True
    bounds = _RANGE_RE.fullmatch(allowed)
    if bounds is not None:
        if not _INT_RE.fullmatch(value):
            return False
        return int(bounds["lo"]) <= int(value) <= int(bounds["hi"])
    choices = allowed.split(",")
    if data_type == "list":
        return all(item in choices for item in value.split(","))
    return value in choices


# --- the table ---------------------------------------------------------------------------

_BOOL = "0,1"
_TLS_VERSIONS = "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3"  # PostgreSQL's accepted values (12+)
# S2 AuroraPostgreSQL.Security.md: describe-engine-default-cluster-parameters, aurora-postgresql11
_SSL_CIPHERS = (
    "DHE-RSA-AES128-SHA,DHE-RSA-AES128-SHA256,DHE-RSA-AES128-GCM-SHA256,DHE-RSA-AES256-SHA,"
    "DHE-RSA-AES256-SHA256,DHE-RSA-AES256-GCM-SHA384,ECDHE-RSA-AES128-SHA,"
    "ECDHE-RSA-AES128-SHA256,ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256-SHA,"
    "ECDHE-RSA-AES256-SHA384,ECDHE-RSA-AES256-GCM-SHA384,TLS_RSA_WITH_AES_256_GCM_SHA384,"
    "TLS_RSA_WITH_AES_256_CBC_SHA,TLS_RSA_WITH_AES_128_GCM_SHA256,"
    "TLS_RSA_WITH_AES_128_CBC_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA,"
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,"
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
)
# UNCONFIRMED: the libraries Aurora PostgreSQL lets shared_preload_libraries name.
_PRELOAD = (
    "auto_explain,orafce,pgaudit,pglogical,pg_bigm,pg_cron,pg_hint_plan,pg_prewarm,"
    "pg_similarity,pg_stat_statements,pg_tle,pg_transport,plprofiler"
)
_METADATA = "/rdsdbdata/rds-metadata"

PARAMETERS: tuple[ParameterSpec, ...] = (
    # ---- cluster level (S2 aurora-postgresql14 cluster table) ---------------------------
    ParameterSpec(
        "rds.force_ssl", "Force SSL connections.", "dynamic", "boolean", _BOOL, "cluster",
        ((10, "0"),),  # S2/S6: default 0 on Aurora (RDS for PostgreSQL 15+ differs)
    ),
    ParameterSpec(
        "ssl", "Enables SSL connections.", "dynamic", "boolean", _BOOL, "cluster",
        ((10, "1"),),  # S2
    ),
    ParameterSpec(
        "ssl_ciphers", "Sets the list of allowed TLS ciphers to be used on secure connections.",
        "dynamic", "list", _SSL_CIPHERS, "cluster",
        ((10, None),),  # S2 real output: no value, Source engine-default, dynamic, list
        # S2: "Configurable cipher suites is supported in Aurora PostgreSQL versions 11.8 and
        # higher"; the S2 example output shows MinimumEngineVersion 11.8.
        minimum_engine_version="11.8",
        majors=(11, _LAST_MAJOR),
    ),
    ParameterSpec(
        "ssl_min_protocol_version", "Sets the minimum SSL/TLS protocol version allowed",
        "dynamic", "string", _TLS_VERSIONS, "cluster",
        ((12, "TLSv1.2"),),  # S2 (and S7 for RDS); the GUC exists from PostgreSQL 12
        majors=(12, _LAST_MAJOR),
    ),
    ParameterSpec(
        "ssl_max_protocol_version", "Sets the maximum SSL/TLS protocol version allowed",
        "dynamic", "string", _TLS_VERSIONS, "cluster",
        ((12, None),),  # S2: "–"
        majors=(12, _LAST_MAJOR),
    ),
    ParameterSpec(
        "password_encryption", "Encrypt passwords.", "dynamic", "string", "md5,scram-sha-256",
        "cluster",
        ((10, "md5"), (14, "scram-sha-256")),  # S8: 13 md5, 14 scram-sha-256; dynamic (S8)
    ),
    ParameterSpec(
        "rds.accepted_password_auth_method",
        "Force authentication for connections with password stored locally.",
        "dynamic", "string", "md5+scram,scram", "cluster",
        ((10, "md5+scram"),),  # S2/S8: "md5+scram or scram alone"; ApplyMethod=immediate
    ),
    ParameterSpec(
        "rds.restrict_password_commands",
        "restricts password-related commands to members of rds_password",
        "static", "boolean", _BOOL, "cluster",
        ((10, "0"),),  # UNCONFIRMED value (S2 table: "–"); S3: "static parameter"
        minimum_engine_version="10.6",  # S4: "Aurora PostgreSQL 10.6 or higher"
    ),
    ParameterSpec(
        "krb_caseins_users",
        "Sets whether Kerberos and GSSAPI user names should be treated as case-insensitive.",
        "dynamic", "boolean", _BOOL, "cluster",
        ((10, None),),  # UNCONFIRMED (S2 table shows "false")
    ),
    # ---- instance level (listed in both kinds of group; S2 instance table) --------------
    ParameterSpec(
        "authentication_timeout",
        "(s) Sets the maximum allowed time to complete client authentication.",
        "dynamic", "integer", "1-600", "instance",  # PostgreSQL's range (1 s .. 600 s)
        ((10, None),),  # S2: "–" (PostgreSQL default 60)
    ),
    ParameterSpec(
        "createrole_self_grant",
        "Sets whether a CREATEROLE user automatically grants the role to themselves, and with "
        "which options.",  # PostgreSQL 16's description (UNCONFIRMED for AWS)
        "dynamic", "list", "set,inherit", "instance",
        ((16, None),),  # PostgreSQL 16+ GUC, default ''
        majors=(16, _LAST_MAJOR),
    ),
    ParameterSpec(
        "log_connections", "Logs each successful connection.", "dynamic", "boolean", _BOOL,
        "instance", ((10, None),),  # S2
    ),
    ParameterSpec(
        "log_disconnections", "Logs end of a session, including duration.", "dynamic",
        "boolean", _BOOL, "instance", ((10, None),),  # S2
    ),
    ParameterSpec(
        "log_statement", "Sets the type of statements logged.", "dynamic", "string",
        "none,ddl,mod,all", "instance", ((10, None),),  # S2; values: PostgreSQL's
    ),
    ParameterSpec(
        "max_connections", "Sets the maximum number of concurrent connections.", "static",
        "integer", "6-8388607", "instance",
        ((10, "LEAST({DBInstanceClassMemory/9531392},5000)"),),  # S2 (formula)
    ),
    ParameterSpec(
        "shared_preload_libraries", "Lists shared libraries to preload into server.", "static",
        "list", _PRELOAD, "instance", ((10, "pg_stat_statements"),),  # S2
    ),
    ParameterSpec(
        "rds.log_retention_period",
        "Amazon RDS will delete PostgreSQL log that are older than N minutes.",
        "dynamic", "integer", "1440-10080", "instance", ((10, "4320"),),  # S2
    ),
    ParameterSpec(
        "rds.rds_superuser_reserved_connections",
        "Sets the number of connection slots reserved for rds_superusers.",
        "static", "integer", "0-262143", "instance", ((10, "2"),),  # S2 default 2
    ),
    ParameterSpec(
        "rds.superuser_variables",
        "List of superuser-only variables for which we elevate rds_superuser modification "
        "statements.",
        "dynamic", "list", "session_replication_role", "instance",
        ((10, "session_replication_role"),),  # S2
    ),
    ParameterSpec(
        "ssl_ca_file", "Location of the SSL server authority file.", "dynamic", "string", None,
        "instance", ((10, f"{_METADATA}/ca-cert.pem"),), is_modifiable=False,  # S2
    ),
    ParameterSpec(
        "ssl_cert_file", "Location of the SSL server certificate file.", "dynamic", "string",
        None, "instance", ((10, f"{_METADATA}/server-cert.pem"),), is_modifiable=False,  # S2
    ),
    ParameterSpec(
        "ssl_crl_dir", "Location of the SSL certificate revocation list directory.", "dynamic",
        "string", None, "instance", ((14, f"{_METADATA}/ssl_crl_dir/"),),  # S2; PG 14+ GUC
        is_modifiable=False, majors=(14, _LAST_MAJOR),
    ),
    ParameterSpec(
        "ssl_key_file", "Location of the SSL server private key file", "dynamic", "string",
        None, "instance", ((10, f"{_METADATA}/server-key.pem"),), is_modifiable=False,  # S2
    ),
)  # fmt: skip


def _index() -> Mapping[str, ParameterSpec]:
    index: dict[str, ParameterSpec] = {}
    for spec in PARAMETERS:
        if spec.name in index:
            raise ValueError(f"duplicate parameter {spec.name}")
        if spec.level not in _LEVELS:
            raise ValueError(f"{spec.name}: bad level {spec.level!r}")
        index[spec.name] = spec
    return MappingProxyType(index)


_BY_NAME: Mapping[str, ParameterSpec] = _index()


def _check_level(level: str) -> None:
    if level not in _LEVELS:
        raise ValueError(f"level must be 'cluster' or 'instance', not {level!r}")


def _in_group(spec: ParameterSpec, major: int, level: str) -> bool:
    # A cluster parameter group lists both levels; a DB parameter group only the instance one.
    return spec.exists_in(major) and (level == "cluster" or spec.level == "instance")


@functools.lru_cache(maxsize=4096)
def lookup(name: str, family: str, level: str) -> ParameterSpec | None:
    """The parameter ``name`` of a ``level`` group (``"cluster"``: DB cluster parameter
    group, ``"instance"``: DB parameter group) of ``family``; None if it has no such
    parameter (AWS then says :func:`unknown_parameter_message`). Remembered: the table is
    fixed."""
    _check_level(level)
    major = engine_versions.family_major(family)
    spec = _BY_NAME.get(name)
    if major is None or spec is None or not _in_group(spec, major, level):
        return None
    return spec


def for_family(family: str, level: str) -> tuple[ParameterSpec, ...]:
    """Every parameter of a ``level`` group of ``family``, sorted by name as AWS lists them."""
    _check_level(level)
    major = engine_versions.family_major(family)
    if major is None:
        return ()
    return tuple(
        sorted((s for s in PARAMETERS if _in_group(s, major, level)), key=lambda s: s.name)
    )


def unknown_parameter_message(name: str) -> str:
    """AWS's InvalidParameterValue text for a name the group does not have.

    [OBS] hashicorp/terraform-provider-aws#522: "Could not find parameter with name:
    character_set_server".
    """
    return f"Could not find parameter with name: {name}"


def describe(
    spec: ParameterSpec,
    value: str | None,
    source: str,
    apply_method: str | None = None,
    *,
    include_apply_method: bool = True,
) -> dict[str, Any]:
    """One boto3 ``Parameter`` dict.

    ``ParameterValue``, ``AllowedValues`` and ``MinimumEngineVersion`` are omitted when None.
    ``ApplyMethod`` is ``apply_method`` or the spec's default (pending-reboot for static,
    immediate for dynamic); engine-default listings pass ``include_apply_method=False``, as
    the S2 describe-engine-default-cluster-parameters output has no ApplyMethod.
    """
    record: dict[str, Any] = {"ParameterName": spec.name}
    if value is not None:
        record["ParameterValue"] = value
    record["Description"] = spec.description
    record["Source"] = source
    record["ApplyType"] = spec.apply_type
    record["DataType"] = spec.data_type
    if spec.allowed_values is not None:
        record["AllowedValues"] = spec.allowed_values
    record["IsModifiable"] = spec.is_modifiable
    if spec.minimum_engine_version is not None:
        record["MinimumEngineVersion"] = spec.minimum_engine_version
    if include_apply_method:
        record["ApplyMethod"] = apply_method or spec.default_apply_method
    record["SupportedEngineModes"] = ["provisioned"]
    return record
