"""The run-time parameters (GUCs) a session can SHOW, SET and RESET, as data.

Each :class:`Guc` says who may set it (``context``: ``user`` for anyone, ``superuser``,
``internal``/``config`` for nobody in a session), since which major it exists, its default (a
per-major rule id or a fixed text, or "from the instance configuration" for the parameters the
control plane sets), and how a value is checked. Unknown names get PostgreSQL's 42704; names
with a dot are custom placeholders anyone may set (guc.c ``find_option``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs
from pglast import keywords

from aurora_sec.engine.guc_numbers import (
    INT_MAX,
    IntegerParameter,
    check_int,
    parse_int,
    show_int,
)
from aurora_sec.errors import PostgresError
from aurora_sec.sql.statements import SettingChange
from aurora_sec.versions import behaviour

__all__ = ["GUCS", "LOCK_TIMEOUT", "Guc", "check_value", "display", "flatten", "lookup"]

Checker = Callable[[str, int], tuple[str | None, PostgresError | None]]


@attrs.frozen
class Guc:
    name: str
    context: str  # user | superuser | internal | config
    first_major: int = 10
    default: str | None = None
    default_rule: str | None = None
    #: Read from the instance's EngineConfig (the parameter group) when set there.
    from_config: bool = False
    #: GUC_LIST_INPUT: a SET may give several values (else 22023 "takes only one argument").
    list_input: bool = False
    #: GUC_LIST_QUOTE: each name in a SET of this list is written as an identifier
    #: (``quote_identifier``), as for search_path.
    list_quote: bool = False
    checker: Checker | None = None

    def default_for(self, major: int) -> str:
        if self.default_rule is not None:
            return str(behaviour(self.default_rule, major))
        return self.default or ""


def _invalid(
    name: str, value: str, *, hint: str | None = None, detail: str | None = None
) -> PostgresError:
    return PostgresError(
        "22023", f'invalid value for parameter "{name}": "{value}"', hint=hint, detail=detail
    )


def _password_encryption(value: str, major: int) -> tuple[str | None, PostgresError | None]:
    lowered = value.lower()
    if lowered in ("md5", "scram-sha-256"):
        return lowered, None
    if behaviour("password_encryption.boolean_aliases", major) and lowered in (
        "on",
        "true",
        "yes",
        "1",
    ):
        return lowered, None
    return None, _invalid(
        "password_encryption", value, hint="Available values: md5, scram-sha-256."
    )


def _createrole_self_grant(value: str, major: int) -> tuple[str | None, PostgresError | None]:
    words = [w.strip() for w in value.split(",")] if value.strip() else []
    for word in words:
        if word.lower() not in ("set", "inherit"):
            return None, _invalid(
                "createrole_self_grant", value, detail=f'Unrecognized key word: "{word}".'
            )
    return value, None


def _integer(parameter: IntegerParameter) -> Checker:
    """An integer parameter (guc_numbers.parse_int); a unitless one is stored normalised."""

    def check(value: str, major: int) -> tuple[str | None, PostgresError | None]:
        err = check_int("{name}", value, parameter, major)
        if err is not None:
            return None, err
        if parameter.unit is None:
            number, _ = parse_int(value, parameter, major)
            return str(number), None
        return value, None

    return check


#: Integer parameters with a unit: SHOW prints their values in the greatest exact unit.
_UNIT_PARAMETERS: Mapping[str, IntegerParameter] = {
    "work_mem": IntegerParameter(64, INT_MAX, "kB"),
    "statement_timeout": IntegerParameter(0, INT_MAX, "ms"),
    "lock_timeout": IntegerParameter(0, INT_MAX, "ms"),
}
#: ``lock_timeout``: a statement waiting for a row or role lock longer fails with 55P03.
LOCK_TIMEOUT = _UNIT_PARAMETERS["lock_timeout"]

_ENTRIES = (
    Guc(
        "password_encryption",
        "user",
        default_rule="password_encryption.default",
        from_config=True,
        checker=_password_encryption,
    ),
    Guc(
        "createrole_self_grant",
        "user",
        first_major=16,
        default="",
        checker=_createrole_self_grant,
        list_input=True,
    ),
    Guc(
        "scram_iterations",
        "user",
        first_major=16,
        default="4096",
        checker=_integer(IntegerParameter(1, INT_MAX)),
    ),
    Guc("work_mem", "user", default="4MB", checker=_integer(_UNIT_PARAMETERS["work_mem"])),
    Guc("search_path", "user", default='"$user", public', list_input=True, list_quote=True),
    Guc(
        "statement_timeout",
        "user",
        default="0",
        checker=_integer(_UNIT_PARAMETERS["statement_timeout"]),
    ),
    Guc(
        "lock_timeout",
        "user",
        default="0",
        checker=_integer(_UNIT_PARAMETERS["lock_timeout"]),
    ),
    Guc("application_name", "user", default=""),
    Guc("log_min_messages", "superuser", default="warning"),
    Guc("log_statement", "superuser", default="none"),
    Guc("session_replication_role", "superuser", default="origin"),
    Guc("is_superuser", "internal", default="off"),
    Guc("server_version", "internal", default=""),
    Guc("ssl", "config", default="off", from_config=True),
    Guc("ssl_min_protocol_version", "config", first_major=12, default="TLSv1.2", from_config=True),
    Guc("ssl_max_protocol_version", "config", first_major=12, default="", from_config=True),
    Guc("ssl_ciphers", "config", default="HIGH:MEDIUM:+3DES:!aNULL", from_config=True),
    Guc("authentication_timeout", "config", default="1min", from_config=True),
    Guc("krb_caseins_users", "config", default="off", from_config=True),
    Guc("rds.force_ssl", "config", default="0", from_config=True),
    Guc("rds.restrict_password_commands", "config", default="off", from_config=True),
    Guc("rds.accepted_password_auth_method", "config", default="md5+scram", from_config=True),
    Guc("rds.rds_superuser_reserved_connections", "config", default="2", from_config=True),
)

GUCS: Mapping[str, Guc] = {g.name: g for g in _ENTRIES}


def lookup(name: str, major: int) -> Guc | None:
    guc = GUCS.get(name.lower())
    if guc is None or major < guc.first_major:
        return None
    return guc


def check_value(guc: Guc, value: str, major: int) -> tuple[str, PostgresError | None]:
    """The value as stored, or the server's error for it."""
    if guc.checker is None:
        return value, None
    stored, err = guc.checker(value, major)
    if err is not None:
        return value, PostgresError(
            # the placeholder comes before the value in every message: replace it only once
            err.sqlstate,
            err.message.replace("{name}", guc.name, 1),
            detail=err.detail,
            hint=err.hint,
        )
    assert stored is not None
    return stored, None


_BOOLEAN_DISPLAY = {"1": "on", "0": "off", "true": "on", "false": "off", "on": "on", "off": "off"}
_BOOLEANS = frozenset(
    {"ssl", "rds.force_ssl", "rds.restrict_password_commands", "krb_caseins_users"}
)


def show(guc: Guc, value: str, major: int) -> str:
    """A value set in the session (SET, ALTER ROLE ... SET) as SHOW prints it."""
    parameter = _UNIT_PARAMETERS.get(guc.name)
    if parameter is not None:
        return show_int(value, parameter, major)
    return value


def display(guc: Guc, value: str) -> str:
    """A parameter-group value as SHOW prints it (booleans as on/off, seconds as units)."""
    if guc.name in _BOOLEANS:
        return _BOOLEAN_DISPLAY.get(value.lower(), value)
    if guc.name == "authentication_timeout" and value.isdigit():
        seconds = int(value)
        return f"{seconds // 60}min" if seconds % 60 == 0 else f"{seconds}s"
    return value


def flatten(name: str, guc: Guc | None, change: SettingChange) -> str:
    """The value a SET stores (guc_funcs.c ``flatten_set_variable_args``): the arguments
    joined by ``", "``, each string quoted as an identifier for a GUC_LIST_QUOTE parameter;
    several values for any other parameter (a placeholder too) are 22023."""
    if len(change.args) > 1 and (guc is None or not guc.list_input):
        raise PostgresError("22023", f"SET {name} takes only one argument")
    if guc is None or not guc.list_quote:
        return change.value or ""
    return ", ".join(
        quote_identifier(arg.text) if arg.kind == "string" else arg.text for arg in change.args
    )


_SAFE_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_QUOTED_KEYWORDS = frozenset(
    keywords.RESERVED_KEYWORDS | keywords.COL_NAME_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS
)


def quote_identifier(name: str) -> str:
    """ruleutils.c ``quote_identifier``: ``name`` as is when it is lower case letters, digits
    and underscores (not first a digit) and no keyword but an unreserved one, else quoted."""
    if _SAFE_IDENTIFIER.fullmatch(name) and name not in _QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
