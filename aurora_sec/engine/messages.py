"""Every message the role engine emits, per major version: one table.

Each entry maps a message id to its texts by range of majors: (first major, SQLSTATE, message,
DETAIL). ``{}`` placeholders are filled with ``format``. The code asks ``error("alter.superuser",
major, name=...)``; a reader can print the table to see every wording change between 13 and 16.
Sources: shared/reference/postgres-truth.md sections 1-3 (observed on real 15.18 and 16.2
servers, and read in user.c of each major), and the recorded conformance corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aurora_sec.errors import PostgresError

__all__ = ["MESSAGES", "error", "notice", "text"]

Entry = tuple[int, str, str, str | None]

_SUPER = "Only roles with the SUPERUSER attribute may {action} roles with the SUPERUSER attribute."

MESSAGES: Mapping[str, tuple[Entry, ...]] = {
    # -- CREATE ROLE --------------------------------------------------------------------
    "create.denied": (
        (10, "42501", "permission denied to create role", None),
        (
            16,
            "42501",
            "permission denied to create role",
            "Only roles with the CREATEROLE attribute may create roles.",
        ),
    ),
    "create.superuser": (
        (10, "42501", "must be superuser to create superusers", None),
        (
            16,
            "42501",
            "permission denied to create role",
            "Only roles with the SUPERUSER attribute may create roles with the SUPERUSER attribute.",
        ),
    ),
    "create.replication": (
        (10, "42501", "must be superuser to create replication users", None),
        (
            16,
            "42501",
            "permission denied to create role",
            "Only roles with the REPLICATION attribute may create roles with the REPLICATION attribute.",
        ),
    ),
    "create.bypassrls": (
        (10, "42501", "must be superuser to change bypassrls attribute", None),
        (14, "42501", "must be superuser to create bypassrls users", None),
        (
            16,
            "42501",
            "permission denied to create role",
            "Only roles with the BYPASSRLS attribute may create roles with the BYPASSRLS attribute.",
        ),
    ),
    "create.createdb": (
        (
            16,
            "42501",
            "permission denied to create role",
            "Only roles with the CREATEDB attribute may create roles with the CREATEDB attribute.",
        ),
    ),
    "role.reserved": (
        (
            10,
            "42939",
            'role name "{name}" is reserved',
            'Role names starting with "pg_" are reserved.',
        ),
    ),
    "role.reserved_alter": (
        (10, "42939", 'role name "{name}" is reserved', "Cannot alter reserved roles."),
    ),
    "role.exists": ((10, "42710", 'role "{name}" already exists', None),),
    "role.missing": ((10, "42704", 'role "{name}" does not exist', None),),
    # a session's own role, dropped by another session: its name is looked up by oid
    # (GetUserNameFromId, and the syscache lookup of get_rolespec_tuple)
    "role.invalid_oid": ((10, "42704", "invalid role OID: {oid}", None),),
    "role.cache_lookup": ((10, "XX000", "cache lookup failed for role {oid}", None),),
    # -- ALTER ROLE -----------------------------------------------------------------------
    "alter.superuser": (
        (10, "42501", "must be superuser to alter superusers", None),
        (
            14,
            "42501",
            "must be superuser to alter superuser roles or change superuser attribute",
            None,
        ),
        (16, "42501", "permission denied to alter role", _SUPER.format(action="alter")),
    ),
    "alter.change_superuser": (
        (10, "42501", "must be superuser to alter superusers", None),
        (
            14,
            "42501",
            "must be superuser to alter superuser roles or change superuser attribute",
            None,
        ),
        (
            16,
            "42501",
            "permission denied to alter role",
            "Only roles with the SUPERUSER attribute may change the SUPERUSER attribute.",
        ),
    ),
    "alter.replication": (
        (10, "42501", "must be superuser to alter replication users", None),
        (
            14,
            "42501",
            "must be superuser to alter replication roles or change replication attribute",
            None,
        ),
    ),
    "alter.bypassrls": ((10, "42501", "must be superuser to change bypassrls attribute", None),),
    "alter.denied": (
        (10, "42501", "permission denied", None),
        (
            16,
            "42501",
            "permission denied to alter role",
            'Only roles with the CREATEROLE attribute and the ADMIN option on role "{name}" may alter this role.',
        ),
    ),
    "alter.password_other": (
        (
            16,
            "42501",
            "permission denied to alter role",
            "To change another role's password, the current user must have the CREATEROLE attribute and the ADMIN option on the role.",
        ),
    ),
    "alter.attribute": (
        (
            16,
            "42501",
            "permission denied to alter role",
            "Only roles with the {attr} attribute may change the {attr} attribute.",
        ),
    ),
    "alter.members": (
        (
            16,
            "42501",
            "permission denied to alter role",
            'Only roles with the ADMIN option on role "{name}" may add members.',
        ),
        (
            17,
            "42501",
            "permission denied to alter role",
            'Only roles with the ADMIN option on role "{name}" may add or drop members.',
        ),
    ),
    "alter.bootstrap": (
        (
            16,
            "0A000",
            "permission denied to alter role",
            "The bootstrap user must have the SUPERUSER attribute.",
        ),
        (
            17,
            "0A000",
            "permission denied to alter role",
            "The bootstrap superuser must have the SUPERUSER attribute.",
        ),
    ),
    "role.public_missing": ((10, "42704", 'role "public" does not exist', None),),
    "connection_limit": ((10, "22023", "invalid connection limit: {value}", None),),
    # -- ALTER ROLE ... SET ---------------------------------------------------------------
    "set.superuser": (
        (10, "42501", "must be superuser to alter superusers", None),
        (16, "42501", "permission denied to alter role", _SUPER.format(action="alter")),
    ),
    "set.denied": (
        (10, "42501", "permission denied", None),
        (
            16,
            "42501",
            "permission denied to alter role",
            'Only roles with the CREATEROLE attribute and the ADMIN option on role "{name}" may alter this role.',
        ),
    ),
    # aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_DATABASE): ALTER ROLE ALL IN DATABASE d needs
    # the privileges of d's owner (the bootstrap superuser here: only superusers have them)
    "set.database_owner": ((10, "42501", "must be owner of database {name}", None),),
    "set.globally": (
        (10, "42501", "must be superuser to alter settings globally", None),
        (
            16,
            "42501",
            "permission denied to alter setting",
            "Only roles with the SUPERUSER attribute may alter settings globally.",
        ),
    ),
    # -- RENAME --------------------------------------------------------------------------
    "rename.session_user": ((10, "0A000", "session user cannot be renamed", None),),
    "rename.current_user": ((10, "0A000", "current user cannot be renamed", None),),
    "rename.superuser": (
        (10, "42501", "must be superuser to rename superusers", None),
        (16, "42501", "permission denied to rename role", _SUPER.format(action="rename")),
    ),
    "rename.denied": (
        (10, "42501", "permission denied to rename role", None),
        (
            16,
            "42501",
            "permission denied to rename role",
            'Only roles with the CREATEROLE attribute and the ADMIN option on role "{name}" may rename this role.',
        ),
    ),
    "rename.md5_cleared": ((10, "00000", "MD5 password cleared because of role rename", None),),
    # -- DROP ----------------------------------------------------------------------------
    "drop.denied": (
        (10, "42501", "permission denied to drop role", None),
        (
            16,
            "42501",
            "permission denied to drop role",
            "Only roles with the CREATEROLE attribute and the ADMIN option on the target roles may drop roles.",
        ),
    ),
    "drop.special": ((10, "22023", "cannot use special role specifier in DROP ROLE", None),),
    "drop.skipping": ((10, "00000", 'role "{name}" does not exist, skipping', None),),
    "drop.current_user": ((10, "55006", "current user cannot be dropped", None),),
    "drop.session_user": ((10, "55006", "session user cannot be dropped", None),),
    "drop.superuser": (
        (10, "42501", "must be superuser to drop superusers", None),
        (16, "42501", "permission denied to drop role", _SUPER.format(action="drop")),
    ),
    "drop.admin": (
        (
            16,
            "42501",
            "permission denied to drop role",
            'Only roles with the CREATEROLE attribute and the ADMIN option on role "{name}" may drop this role.',
        ),
    ),
    "drop.dependents": (
        (
            10,
            "2BP01",
            'role "{name}" cannot be dropped because some objects depend on it',
            "{detail}",
        ),
    ),
    "drop.system": (
        (
            10,
            "2BP01",
            "cannot drop role {name} because it is required by the database system",
            None,
        ),
    ),
    # -- GRANT / REVOKE role -------------------------------------------------------------
    "grant.superuser": (
        (10, "42501", "must be superuser to alter superusers", None),
        (16, "42501", 'permission denied to grant role "{name}"', _SUPER.format(action="grant")),
    ),
    "revoke.superuser": (
        (10, "42501", "must be superuser to alter superusers", None),
        (16, "42501", 'permission denied to revoke role "{name}"', _SUPER.format(action="revoke")),
    ),
    "grant.admin": (
        (10, "42501", 'must have admin option on role "{name}"', None),
        (
            16,
            "42501",
            'permission denied to grant role "{name}"',
            'Only roles with the ADMIN option on role "{name}" may grant this role.',
        ),
    ),
    "revoke.admin": (
        (10, "42501", 'must have admin option on role "{name}"', None),
        (
            16,
            "42501",
            'permission denied to revoke role "{name}"',
            'Only roles with the ADMIN option on role "{name}" may revoke this role.',
        ),
    ),
    "grant.set_grantor": (
        (10, "42501", "must be superuser to set grantor", None),
        (
            16,
            "42501",
            'permission denied to grant privileges as role "{name}"',
            'Only roles with privileges of role "{name}" may grant privileges as this role.',
        ),
    ),
    "grant.grantor_admin": (
        (
            16,
            "42501",
            'permission denied to grant privileges as role "{name}"',
            'The grantor must have the ADMIN option on role "{role}".',
        ),
    ),
    "revoke.grantor": (
        (
            16,
            "42501",
            'permission denied to revoke privileges granted by role "{name}"',
            'Only roles with privileges of role "{name}" may revoke privileges granted by this role.',
        ),
    ),
    "grant.loop": ((10, "0LP01", 'role "{granted}" is a member of role "{member}"', None),),
    "grant.admin_loop": (
        (16, "0LP01", "ADMIN option cannot be granted back to your own grantor", None),
    ),
    "grant.already": (
        (10, "00000", 'role "{member}" is already a member of role "{role}"', None),
        (
            16,
            "00000",
            'role "{member}" has already been granted membership in role "{role}" by role "{grantor}"',
            None,
        ),
    ),
    "revoke.not_member": (
        (10, "01000", 'role "{member}" is not a member of role "{role}"', None),
        (
            16,
            "01000",
            'role "{member}" has not been granted membership in role "{role}" by role "{grantor}"',
            None,
        ),
    ),
    "revoke.dependent": ((16, "2BP01", "dependent privileges exist", None),),
    "grant.database_owner_members": (
        (14, "XX000", 'role "pg_database_owner" cannot have explicit members', None),
    ),
    "grant.database_owner_member_of": (
        (14, "XX000", 'role "pg_database_owner" cannot be a member of any role', None),
    ),
    "grant.columns": ((10, "0LP01", "column names cannot be included in GRANT/REVOKE ROLE", None),),
    # -- SET ROLE / SESSION AUTHORIZATION / GUCs -----------------------------------------
    "set_role.denied": ((10, "42501", 'permission denied to set role "{name}"', None),),
    "set_role.missing": ((10, "42704", 'role "{name}" does not exist', None),),
    "session_authorization.denied": (
        (10, "42501", "permission denied to set session authorization", None),
    ),
    "guc.unknown": ((10, "42704", 'unrecognized configuration parameter "{name}"', None),),
    "guc.invalid": ((10, "22023", 'invalid value for parameter "{name}": "{value}"', None),),
    "guc.permission": ((10, "42501", 'permission denied to set parameter "{name}"', None),),
    "guc.cannot_change": ((10, "55P02", 'parameter "{name}" cannot be changed now', None),),
    "guc.cannot_set": (
        (10, "55P02", 'parameter "{name}" cannot be set after connection start', None),
    ),
    # -- passwords ----------------------------------------------------------------------
    "password.empty": (
        (10, "00000", "empty string is not a valid password, clearing password", None),
    ),
    "timestamp.invalid": (
        (10, "22007", 'invalid input syntax for type timestamp with time zone: "{value}"', None),
    ),
    # datetime.c DateTimeParseError: DTERR_MD_FIELD_OVERFLOW (a month past 12, with the HINT
    # 'Perhaps you need a different "datestyle" setting.') / DTERR_FIELD_OVERFLOW; then
    # timestamptz_in's range check (conformance case "limits")
    "timestamp.month_out_of_range": (
        (10, "22008", 'date/time field value out of range: "{value}"', None),
    ),
    "timestamp.field_out_of_range": (
        (10, "22008", 'date/time field value out of range: "{value}"', None),
    ),
    "timestamp.out_of_range": ((10, "22008", 'timestamp out of range: "{value}"', None),),
    # -- transactions --------------------------------------------------------------------
    "tx.aborted": (
        (
            10,
            "25P02",
            "current transaction is aborted, commands ignored until end of transaction block",
            None,
        ),
    ),
    "tx.no_transaction": ((10, "25P01", "there is no transaction in progress", None),),
    "tx.already": ((10, "25001", "there is already a transaction in progress", None),),
    "tx.savepoint_outside": ((10, "25P01", "{what} can only be used in transaction blocks", None),),
    "tx.no_savepoint": ((10, "3B001", 'savepoint "{name}" does not exist', None),),
    # -- catalogs and functions ----------------------------------------------------------
    "table.denied": ((10, "42501", "permission denied for table {name}", None),),
    "function.missing": ((10, "42883", "function {signature} does not exist", None),),
    # -- Aurora ----------------------------------------------------------------------------
    "aurora.password_restricted": (
        (10, "42501", "must be a member of rds_password to alter passwords", None),
    ),
    "aurora.iam_and_ad": (
        (10, "42501", "Cannot grant rds_iam and rds_ad roles to the same user", None),
    ),
}


def _entry(message_id: str, major: int) -> Entry:
    chosen: Entry | None = None
    for entry in MESSAGES[message_id]:
        if major >= entry[0]:
            chosen = entry
    if chosen is None:
        raise LookupError(
            f"message {message_id!r} does not exist before major {MESSAGES[message_id][0][0]}"
        )
    return chosen


def text(message_id: str, major: int, **fields: Any) -> tuple[str, str, str | None]:
    """(SQLSTATE, message, DETAIL) of a message at ``major``."""
    _, sqlstate, message, detail = _entry(message_id, major)
    return (
        sqlstate,
        message.format(**fields),
        detail.format(**fields) if detail is not None else None,
    )


def error(
    message_id: str,
    major: int,
    *,
    hint: str | None = None,
    position: int | None = None,
    **fields: object,
) -> PostgresError:
    sqlstate, message, detail = text(message_id, major, **fields)
    return PostgresError(sqlstate, message, detail=detail, hint=hint, position=position)


def notice(message_id: str, major: int, **fields: Any) -> tuple[str, str, str, str | None]:
    """(severity, SQLSTATE, message, DETAIL) for a NOTICE (00000) or WARNING (01xxx)."""
    sqlstate, message, detail = text(message_id, major, **fields)
    severity = "WARNING" if sqlstate.startswith("01") else "NOTICE"
    return severity, sqlstate, message, detail
