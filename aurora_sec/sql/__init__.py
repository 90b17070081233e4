"""The SQL classifier: text -> typed, immutable statements (pure, no state).

::

    >>> from aurora_sec.sql import classify
    >>> classify("ALTER ROLE app PASSWORD 'x'; SELECT current_user", "15.4")

See :mod:`aurora_sec.sql.statements` for the statement types, :mod:`.grammar_gates` for the
syntax each major lacks, :mod:`.parse_errors` for the raw-parse error texts and
:mod:`.tags` for the command tags.
"""

from __future__ import annotations

from aurora_sec.sql.classify import (
    DEFAULT_MAJOR,
    SUPPORTED_FUNCTIONS,
    cache_clear,
    classify,
    parse_notices,
)
from aurora_sec.sql.statements import (
    AlterRole,
    AlterRoleSet,
    CreateExtension,
    CreateRole,
    DoBlock,
    DropExtension,
    DropRole,
    DynamicSql,
    FunctionCall,
    GrantedRole,
    GrantOption,
    GrantRole,
    PasswordSpec,
    Precheck,
    RelationRef,
    RenameRole,
    ResetParameter,
    ResetRole,
    ResetSessionAuthorization,
    RevokeRole,
    RoleKind,
    RoleOption,
    RoleOptions,
    RoleRef,
    RoleRefKind,
    SelectFunctions,
    SelectTarget,
    ServerMessage,
    SetArg,
    SetParameter,
    SetRole,
    SetSessionAuthorization,
    SettingChange,
    ShowParameter,
    Span,
    Statement,
    TransactionControl,
    TransactionKind,
    Unmodelled,
)

__all__ = [
    "DEFAULT_MAJOR",
    "SUPPORTED_FUNCTIONS",
    "AlterRole",
    "AlterRoleSet",
    "CreateExtension",
    "CreateRole",
    "DoBlock",
    "DropExtension",
    "DropRole",
    "DynamicSql",
    "FunctionCall",
    "GrantOption",
    "GrantRole",
    "GrantedRole",
    "PasswordSpec",
    "Precheck",
    "RelationRef",
    "RenameRole",
    "ResetParameter",
    "ResetRole",
    "ResetSessionAuthorization",
    "RevokeRole",
    "RoleKind",
    "RoleOption",
    "RoleOptions",
    "RoleRef",
    "RoleRefKind",
    "SelectFunctions",
    "SelectTarget",
    "ServerMessage",
    "SetArg",
    "SetParameter",
    "SetRole",
    "SetSessionAuthorization",
    "SettingChange",
    "ShowParameter",
    "Span",
    "Statement",
    "TransactionControl",
    "TransactionKind",
    "Unmodelled",
    "cache_clear",
    "classify",
    "parse_notices",
]
