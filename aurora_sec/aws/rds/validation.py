"""Pure checks of RDS input values (identifiers, master user, passwords, names).

Each check raises the AWS error for a bad value and returns the canonical value otherwise
(identifiers are stored in lower case, as RDS stores them).
"""

from __future__ import annotations

import re

from aurora_sec.aws.rds import errors

__all__ = [
    "RESERVED_MASTER_USERNAMES",
    "check_database_name",
    "check_group_name",
    "check_identifier",
    "check_master_password",
    "check_master_username",
]

#: A letter, then letters, digits and hyphens (no two hyphens in a row: checked apart, a
#: character class alone keeps the match fast).
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_MASTER_USER = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_DBNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Master user names Aurora PostgreSQL refuses as "reserved word used by the engine".
#: admin and rdsadmin are observed [OBS cfn-lint#4425]; the RDS-managed roles are refused on the
#: same grounds (UNCONFIRMED, see docs/fidelity.md). ``postgres`` is allowed (the default).
RESERVED_MASTER_USERNAMES = frozenset(
    {
        "admin",
        "rdsadmin",
        "rdsrepladmin",
        "rds_superuser",
        "rds_password",
        "rds_replication",
        "rds_iam",
        "rds_ad",
        "public",
        "none",
        "current_user",
        "session_user",
        "current_role",
    }
)

#: Printable ASCII except / " @ and space (S14).
_PASSWORD_CHARS = re.compile(r"[!#-.0-?A-~]*")


def check_identifier(
    value: str, parameter: str, *, max_length: int = 63, arn_allowed: bool = False
) -> str:
    """1 to ``max_length`` letters, digits or hyphens; first a letter; no trailing/double hyphen."""
    if not value:
        raise errors.missing_parameter(parameter)
    if (
        len(value) > max_length
        or not _IDENTIFIER.fullmatch(value)
        or "--" in value
        or value.endswith("-")
    ):
        raise errors.invalid_identifier(parameter, arn_allowed=arn_allowed)
    return value.lower()


def check_group_name(value: str, parameter: str, *, allow_default: bool = False) -> str:
    """Parameter and subnet group names: 1-255 letters, digits, hyphens (S2)."""
    if not value:
        raise errors.missing_parameter(parameter)
    if allow_default and value.startswith("default."):
        return value.lower()
    if len(value) > 255 or not _IDENTIFIER.fullmatch(value) or "--" in value or value.endswith("-"):
        raise errors.invalid_identifier(parameter)
    return value.lower()


def check_master_username(value: str | None) -> str:
    if value is None or value == "":
        raise errors.missing_parameter("MasterUsername")
    if not _MASTER_USER.fullmatch(value):
        raise errors.invalid_master_username()
    if len(value) > 16:
        raise errors.master_username_too_long()
    if value.lower() in RESERVED_MASTER_USERNAMES:
        raise errors.reserved_master_username(value)
    return value


def check_master_password(value: str | None) -> str:
    if value is None or value == "":
        raise errors.missing_parameter("MasterUserPassword")
    if not _PASSWORD_CHARS.fullmatch(value):
        raise errors.password_bad_characters()
    if len(value) < 8:
        raise errors.password_too_short()
    if len(value) > 41:
        raise errors.password_too_long()
    return value


def check_database_name(value: str | None) -> str | None:
    if value is None:
        return None
    if not _DBNAME.fullmatch(value) or len(value) > 63:
        raise errors.invalid_database_name()
    return value
