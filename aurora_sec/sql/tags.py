"""Command tags: the text the server returns when a statement succeeds.

Transcribed from PostgreSQL's ``CreateCommandTag`` and ``AlterObjectTypeCommandTag``
(src/backend/tcop/utility.c) and the tag strings of src/include/tcop/cmdtaglist.h (18.3; the
same strings in 11-17, where they apply). Keys are parse-tree node names as pglast's JSON
spells them. For DML (INSERT, UPDATE, DELETE, MERGE, SELECT, COPY, FETCH, MOVE) the server
appends row counts at run time; these tables hold the base tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ALTER_OBJECT_TAGS", "DROP_TAGS", "SIMPLE_TAGS", "command_tag"]

#: Node types whose tag does not depend on any field.

SIMPLE_TAGS: Mapping[str, str] = {
    "InsertStmt": "INSERT",
    "DeleteStmt": "DELETE",
    "UpdateStmt": "UPDATE",
    "MergeStmt": "MERGE",
    "SelectStmt": "SELECT",
    "PLAssignStmt": "SELECT",
    "DeclareCursorStmt": "DECLARE CURSOR",
    "CreateDomainStmt": "CREATE DOMAIN",
    "CreateSchemaStmt": "CREATE SCHEMA",
    "CreateStmt": "CREATE TABLE",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "AlterTableSpaceOptionsStmt": "ALTER TABLESPACE",
    "CreateExtensionStmt": "CREATE EXTENSION",
    "AlterExtensionStmt": "ALTER EXTENSION",
    "AlterExtensionContentsStmt": "ALTER EXTENSION",
    "CreateFdwStmt": "CREATE FOREIGN DATA WRAPPER",
    "AlterFdwStmt": "ALTER FOREIGN DATA WRAPPER",
    "CreateForeignServerStmt": "CREATE SERVER",
    "AlterForeignServerStmt": "ALTER SERVER",
    "CreateUserMappingStmt": "CREATE USER MAPPING",
    "AlterUserMappingStmt": "ALTER USER MAPPING",
    "DropUserMappingStmt": "DROP USER MAPPING",
    "CreateForeignTableStmt": "CREATE FOREIGN TABLE",
    "ImportForeignSchemaStmt": "IMPORT FOREIGN SCHEMA",
    "TruncateStmt": "TRUNCATE TABLE",
    "CommentStmt": "COMMENT",
    "SecLabelStmt": "SECURITY LABEL",
    "CopyStmt": "COPY",
    "AlterDomainStmt": "ALTER DOMAIN",
    "AlterDefaultPrivilegesStmt": "ALTER DEFAULT PRIVILEGES",
    "CompositeTypeStmt": "CREATE TYPE",
    "CreateEnumStmt": "CREATE TYPE",
    "CreateRangeStmt": "CREATE TYPE",
    "AlterEnumStmt": "ALTER TYPE",
    "ViewStmt": "CREATE VIEW",
    "IndexStmt": "CREATE INDEX",
    "RuleStmt": "CREATE RULE",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "AlterSeqStmt": "ALTER SEQUENCE",
    "DoStmt": "DO",
    "CreatedbStmt": "CREATE DATABASE",
    "AlterDatabaseStmt": "ALTER DATABASE",
    "AlterDatabaseRefreshCollStmt": "ALTER DATABASE",
    "AlterDatabaseSetStmt": "ALTER DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "NotifyStmt": "NOTIFY",
    "ListenStmt": "LISTEN",
    "UnlistenStmt": "UNLISTEN",
    "LoadStmt": "LOAD",
    "CallStmt": "CALL",
    "ClusterStmt": "CLUSTER",
    "ExplainStmt": "EXPLAIN",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "AlterSystemStmt": "ALTER SYSTEM",
    "VariableShowStmt": "SHOW",
    "CreateTransformStmt": "CREATE TRANSFORM",
    "CreateTrigStmt": "CREATE TRIGGER",
    "CreateEventTrigStmt": "CREATE EVENT TRIGGER",
    "AlterEventTrigStmt": "ALTER EVENT TRIGGER",
    "CreatePLangStmt": "CREATE LANGUAGE",
    "CreateRoleStmt": "CREATE ROLE",
    "AlterRoleStmt": "ALTER ROLE",
    "AlterRoleSetStmt": "ALTER ROLE",
    "DropRoleStmt": "DROP ROLE",
    "DropOwnedStmt": "DROP OWNED",
    "ReassignOwnedStmt": "REASSIGN OWNED",
    "LockStmt": "LOCK TABLE",
    "ConstraintsSetStmt": "SET CONSTRAINTS",
    "CheckPointStmt": "CHECKPOINT",
    "ReindexStmt": "REINDEX",
    "CreateConversionStmt": "CREATE CONVERSION",
    "CreateCastStmt": "CREATE CAST",
    "CreateOpClassStmt": "CREATE OPERATOR CLASS",
    "CreateOpFamilyStmt": "CREATE OPERATOR FAMILY",
    "AlterOpFamilyStmt": "ALTER OPERATOR FAMILY",
    "AlterOperatorStmt": "ALTER OPERATOR",
    "AlterTypeStmt": "ALTER TYPE",
    "AlterTSDictionaryStmt": "ALTER TEXT SEARCH DICTIONARY",
    "AlterTSConfigurationStmt": "ALTER TEXT SEARCH CONFIGURATION",
    "CreatePolicyStmt": "CREATE POLICY",
    "AlterPolicyStmt": "ALTER POLICY",
    "CreateAmStmt": "CREATE ACCESS METHOD",
    "CreatePublicationStmt": "CREATE PUBLICATION",
    "AlterPublicationStmt": "ALTER PUBLICATION",
    "CreateSubscriptionStmt": "CREATE SUBSCRIPTION",
    "AlterSubscriptionStmt": "ALTER SUBSCRIPTION",
    "DropSubscriptionStmt": "DROP SUBSCRIPTION",
    "AlterCollationStmt": "ALTER COLLATION",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
    "CreateStatsStmt": "CREATE STATISTICS",
    "AlterStatsStmt": "ALTER STATISTICS",
}

#: ``AlterObjectTypeCommandTag``: ALTER tags by object type.
ALTER_OBJECT_TAGS: Mapping[str, str] = {
    "OBJECT_AGGREGATE": "ALTER AGGREGATE",
    "OBJECT_ATTRIBUTE": "ALTER TYPE",
    "OBJECT_CAST": "ALTER CAST",
    "OBJECT_COLLATION": "ALTER COLLATION",
    "OBJECT_COLUMN": "ALTER TABLE",
    "OBJECT_CONVERSION": "ALTER CONVERSION",
    "OBJECT_DATABASE": "ALTER DATABASE",
    "OBJECT_DOMAIN": "ALTER DOMAIN",
    "OBJECT_DOMCONSTRAINT": "ALTER DOMAIN",
    "OBJECT_EXTENSION": "ALTER EXTENSION",
    "OBJECT_FDW": "ALTER FOREIGN DATA WRAPPER",
    "OBJECT_FOREIGN_SERVER": "ALTER SERVER",
    "OBJECT_FOREIGN_TABLE": "ALTER FOREIGN TABLE",
    "OBJECT_FUNCTION": "ALTER FUNCTION",
    "OBJECT_INDEX": "ALTER INDEX",
    "OBJECT_LANGUAGE": "ALTER LANGUAGE",
    "OBJECT_LARGEOBJECT": "ALTER LARGE OBJECT",
    "OBJECT_OPCLASS": "ALTER OPERATOR CLASS",
    "OBJECT_OPERATOR": "ALTER OPERATOR",
    "OBJECT_OPFAMILY": "ALTER OPERATOR FAMILY",
    "OBJECT_POLICY": "ALTER POLICY",
    "OBJECT_PROCEDURE": "ALTER PROCEDURE",
    "OBJECT_ROLE": "ALTER ROLE",
    "OBJECT_ROUTINE": "ALTER ROUTINE",
    "OBJECT_RULE": "ALTER RULE",
    "OBJECT_SCHEMA": "ALTER SCHEMA",
    "OBJECT_SEQUENCE": "ALTER SEQUENCE",
    "OBJECT_TABLE": "ALTER TABLE",
    "OBJECT_TABCONSTRAINT": "ALTER TABLE",
    "OBJECT_TABLESPACE": "ALTER TABLESPACE",
    "OBJECT_TRIGGER": "ALTER TRIGGER",
    "OBJECT_EVENT_TRIGGER": "ALTER EVENT TRIGGER",
    "OBJECT_TSCONFIGURATION": "ALTER TEXT SEARCH CONFIGURATION",
    "OBJECT_TSDICTIONARY": "ALTER TEXT SEARCH DICTIONARY",
    "OBJECT_TSPARSER": "ALTER TEXT SEARCH PARSER",
    "OBJECT_TSTEMPLATE": "ALTER TEXT SEARCH TEMPLATE",
    "OBJECT_TYPE": "ALTER TYPE",
    "OBJECT_VIEW": "ALTER VIEW",
    "OBJECT_MATVIEW": "ALTER MATERIALIZED VIEW",
    "OBJECT_PUBLICATION": "ALTER PUBLICATION",
    "OBJECT_SUBSCRIPTION": "ALTER SUBSCRIPTION",
    "OBJECT_STATISTIC_EXT": "ALTER STATISTICS",
}

#: DROP tags by ``DropStmt.removeType``.
DROP_TAGS: Mapping[str, str] = {
    "OBJECT_TABLE": "DROP TABLE",
    "OBJECT_SEQUENCE": "DROP SEQUENCE",
    "OBJECT_VIEW": "DROP VIEW",
    "OBJECT_MATVIEW": "DROP MATERIALIZED VIEW",
    "OBJECT_INDEX": "DROP INDEX",
    "OBJECT_TYPE": "DROP TYPE",
    "OBJECT_DOMAIN": "DROP DOMAIN",
    "OBJECT_COLLATION": "DROP COLLATION",
    "OBJECT_CONVERSION": "DROP CONVERSION",
    "OBJECT_SCHEMA": "DROP SCHEMA",
    "OBJECT_TSPARSER": "DROP TEXT SEARCH PARSER",
    "OBJECT_TSDICTIONARY": "DROP TEXT SEARCH DICTIONARY",
    "OBJECT_TSTEMPLATE": "DROP TEXT SEARCH TEMPLATE",
    "OBJECT_TSCONFIGURATION": "DROP TEXT SEARCH CONFIGURATION",
    "OBJECT_FOREIGN_TABLE": "DROP FOREIGN TABLE",
    "OBJECT_EXTENSION": "DROP EXTENSION",
    "OBJECT_FUNCTION": "DROP FUNCTION",
    "OBJECT_PROCEDURE": "DROP PROCEDURE",
    "OBJECT_ROUTINE": "DROP ROUTINE",
    "OBJECT_AGGREGATE": "DROP AGGREGATE",
    "OBJECT_OPERATOR": "DROP OPERATOR",
    "OBJECT_LANGUAGE": "DROP LANGUAGE",
    "OBJECT_CAST": "DROP CAST",
    "OBJECT_TRIGGER": "DROP TRIGGER",
    "OBJECT_EVENT_TRIGGER": "DROP EVENT TRIGGER",
    "OBJECT_RULE": "DROP RULE",
    "OBJECT_FDW": "DROP FOREIGN DATA WRAPPER",
    "OBJECT_FOREIGN_SERVER": "DROP SERVER",
    "OBJECT_OPCLASS": "DROP OPERATOR CLASS",
    "OBJECT_OPFAMILY": "DROP OPERATOR FAMILY",
    "OBJECT_POLICY": "DROP POLICY",
    "OBJECT_TRANSFORM": "DROP TRANSFORM",
    "OBJECT_ACCESS_METHOD": "DROP ACCESS METHOD",
    "OBJECT_PUBLICATION": "DROP PUBLICATION",
    "OBJECT_STATISTIC_EXT": "DROP STATISTICS",
}

#: CREATE tags by ``DefineStmt.kind``.
DEFINE_TAGS: Mapping[str, str] = {
    "OBJECT_AGGREGATE": "CREATE AGGREGATE",
    "OBJECT_OPERATOR": "CREATE OPERATOR",
    "OBJECT_TYPE": "CREATE TYPE",
    "OBJECT_TSPARSER": "CREATE TEXT SEARCH PARSER",
    "OBJECT_TSDICTIONARY": "CREATE TEXT SEARCH DICTIONARY",
    "OBJECT_TSTEMPLATE": "CREATE TEXT SEARCH TEMPLATE",
    "OBJECT_TSCONFIGURATION": "CREATE TEXT SEARCH CONFIGURATION",
    "OBJECT_COLLATION": "CREATE COLLATION",
    "OBJECT_ACCESS_METHOD": "CREATE ACCESS METHOD",
}

_TRANSACTION_TAGS: Mapping[str, str] = {
    "TRANS_STMT_BEGIN": "BEGIN",
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK",
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}

_DISCARD_TAGS: Mapping[str, str] = {
    "DISCARD_ALL": "DISCARD ALL",
    "DISCARD_PLANS": "DISCARD PLANS",
    "DISCARD_TEMP": "DISCARD TEMP",
    "DISCARD_SEQUENCES": "DISCARD SEQUENCES",
}

_FUNCTION_TAGS: Mapping[str, str] = {
    "OBJECT_FUNCTION": "ALTER FUNCTION",
    "OBJECT_PROCEDURE": "ALTER PROCEDURE",
    "OBJECT_ROUTINE": "ALTER ROUTINE",
}

UNKNOWN = "???"


def command_tag(node_type: str, node: Mapping[str, Any]) -> str:
    """The tag of a statement, from its node name and its fields (pglast JSON)."""
    tag = SIMPLE_TAGS.get(node_type)
    if tag is not None:
        return tag
    get = node.get
    if node_type == "DropStmt":
        return DROP_TAGS.get(get("removeType", ""), UNKNOWN)
    if node_type == "TransactionStmt":
        return _TRANSACTION_TAGS.get(get("kind", ""), UNKNOWN)
    if node_type == "VariableSetStmt":
        kind = get("kind", "VAR_SET_VALUE")
        return "RESET" if kind in ("VAR_RESET", "VAR_RESET_ALL") else "SET"
    if node_type in ("GrantStmt", "GrantRoleStmt"):
        suffix = " ROLE" if node_type == "GrantRoleStmt" else ""
        return ("GRANT" if get("is_grant") else "REVOKE") + suffix
    if node_type == "RenameStmt":
        rename_type = get("renameType", "")
        if rename_type == "OBJECT_COLUMN":
            rename_type = get("relationType", "")
        return ALTER_OBJECT_TAGS.get(rename_type, UNKNOWN)
    if node_type in ("AlterObjectDependsStmt", "AlterObjectSchemaStmt", "AlterOwnerStmt"):
        return ALTER_OBJECT_TAGS.get(get("objectType", ""), UNKNOWN)
    if node_type in ("AlterTableStmt", "AlterTableMoveAllStmt"):
        return ALTER_OBJECT_TAGS.get(get("objtype", ""), UNKNOWN)
    if node_type == "AlterFunctionStmt":
        return _FUNCTION_TAGS.get(get("objtype", ""), UNKNOWN)
    if node_type == "DefineStmt":
        return DEFINE_TAGS.get(get("kind", ""), UNKNOWN)
    if node_type == "CreateFunctionStmt":
        return "CREATE PROCEDURE" if get("is_procedure") else "CREATE FUNCTION"
    if node_type == "VacuumStmt":
        return "VACUUM" if get("is_vacuumcmd") else "ANALYZE"
    if node_type == "CreateTableAsStmt":
        objtype = get("objtype", "")
        if objtype == "OBJECT_TABLE":
            return "SELECT INTO" if get("is_select_into") else "CREATE TABLE AS"
        return "CREATE MATERIALIZED VIEW" if objtype == "OBJECT_MATVIEW" else UNKNOWN
    if node_type == "ClosePortalStmt":
        return "CLOSE CURSOR" if get("portalname") else "CLOSE CURSOR ALL"
    if node_type == "FetchStmt":
        return "MOVE" if get("ismove") else "FETCH"
    if node_type == "DiscardStmt":
        return _DISCARD_TAGS.get(get("target", ""), UNKNOWN)
    if node_type == "DeallocateStmt":
        return "DEALLOCATE" if get("name") else "DEALLOCATE ALL"
    return UNKNOWN
