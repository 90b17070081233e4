"""Typed, immutable statements: what :func:`aurora_sec.sql.classify` returns.

Every statement is a frozen, slotted attrs class. They hold what the server's parse tree holds
(names, options, their order and duplicates) and nothing the server has not decided yet: role
specifiers such as ``CURRENT_USER`` stay :class:`RoleRef` values and are resolved by the
session; existence, permissions and reserved ``pg_`` names are checked by the engine.

Common fields (all keyword-only):

``text``
    The statement's own text, exactly as written (without the ``;``). It may contain a
    password, so it never appears in a ``repr``; use ``redacted`` for logs.
``span``
    ``(start, end)`` character offsets of ``text`` in the classified string.
``redacted``
    ``text`` with every password literal replaced by ``'********'``.
``precheck``
    What the server reports when it *starts executing* this statement, before it looks at
    any catalog or permission (duplicate options, ``invalid connection limit``, the
    ``SYSID`` notice...). ``None`` when there is nothing. Raw-parse errors are not here:
    they make :func:`~aurora_sec.sql.classify` raise, because the server rejects the whole
    string before running any of it.
``parse_notices``
    NOTICEs the server's scanner emits while parsing (identifier truncation). The server
    emits those of *all* statements before executing the first one; see
    :func:`aurora_sec.sql.parse_notices`.

Every statement also has ``tag`` (the command tag the server returns on success),
``affects_password`` and ``position`` (``span[0]``).
"""

from __future__ import annotations

import enum
import functools
from typing import ClassVar, Literal

import attrs

from aurora_sec.errors import PostgresError
from aurora_sec.secrets import Secret

__all__ = [
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
]


# --------------------------------------------------------------------------- messages


@attrs.frozen
class ServerMessage:
    """An ERROR, WARNING or NOTICE exactly as the server would send it.

    ``position`` is what the server reports: a 1-based character index into the whole query
    string, or ``None`` when the server reports none.
    """

    severity: str
    sqlstate: str
    message: str
    detail: str | None = None
    hint: str | None = None
    position: int | None = None

    def to_error(self) -> PostgresError:
        """The :class:`~aurora_sec.errors.PostgresError` to raise for this message."""
        return PostgresError(
            self.sqlstate,
            self.message,
            severity=self.severity,
            detail=self.detail,
            hint=self.hint,
            position=self.position,
        )


@attrs.frozen
class Precheck:
    """What the server reports at the start of a statement's execution, in order.

    ``notices`` are sent first; then, if ``error`` is set, the statement fails with it. These
    checks come before every permission and catalog check of the statement, so the engine
    emits the notices and raises ``error`` before anything else it does for the statement.
    """

    notices: tuple[ServerMessage, ...] = ()
    error: ServerMessage | None = None


# --------------------------------------------------------------------------- roles


class RoleRefKind(enum.Enum):
    """The kinds of role specification the grammar knows (``RoleSpecType``)."""

    NAME = "name"
    CURRENT_USER = "CURRENT_USER"
    SESSION_USER = "SESSION_USER"
    CURRENT_ROLE = "CURRENT_ROLE"
    PUBLIC = "PUBLIC"


@attrs.frozen
class RoleRef:
    """A role as written: a name, or a specifier the session resolves.

    ``name`` is set only for :attr:`RoleRefKind.NAME` and is already case-folded the way the
    server folds it (unquoted names lower-cased, quoted names kept). ``location`` is the
    0-based character offset in the classified string (-1 if unknown).
    """

    kind: RoleRefKind
    name: str | None = None
    location: int = -1

    @property
    def is_name(self) -> bool:
        return self.kind is RoleRefKind.NAME

    def __str__(self) -> str:
        return self.name if self.name is not None else self.kind.value


@attrs.frozen
class PasswordSpec:
    """A ``[ENCRYPTED] PASSWORD`` clause. ``value`` is ``None`` for ``PASSWORD NULL``."""

    value: Secret | None
    encrypted: bool = False
    location: int = -1

    @property
    def is_null(self) -> bool:
        return self.value is None


#: The option names the server's parse tree uses (``DefElem.defname``), in user.c's words.
RoleOptionName = Literal[
    "superuser",
    "createdb",
    "createrole",
    "inherit",
    "canlogin",
    "isreplication",
    "bypassrls",
    "connectionlimit",
    "password",
    "validUntil",
    "addroleto",
    "rolemembers",
    "adminmembers",
    "sysid",
]

RoleOptionValue = bool | int | str | PasswordSpec | tuple[RoleRef, ...]


@attrs.frozen
class RoleOption:
    """One option exactly as written: ``name`` is the server's ``defname``.

    ``value``: bool for attributes (``NOLOGIN`` is ``canlogin=False``), int for ``CONNECTION
    LIMIT`` and ``SYSID``, str for ``VALID UNTIL``, :class:`PasswordSpec` for ``PASSWORD`` and
    a tuple of :class:`RoleRef` for ``IN ROLE``/``ROLE``/``ADMIN``/``USER``.
    """

    name: str
    value: RoleOptionValue
    location: int = -1


@attrs.frozen
class RoleOptions:
    """The option list of CREATE/ALTER ROLE, typed.

    ``items`` keeps every option in order, duplicates included (the server's "conflicting or
    redundant options" check works on that list). The named fields give the value of the
    *first* occurrence, ``None`` (or ``()``) when the option is absent. ``password`` is
    ``None`` when no PASSWORD clause was given and a :class:`PasswordSpec` with
    ``value=None`` for ``PASSWORD NULL``.
    """

    items: tuple[RoleOption, ...] = ()
    superuser: bool | None = None
    createdb: bool | None = None
    createrole: bool | None = None
    inherit: bool | None = None
    login: bool | None = None
    replication: bool | None = None
    bypassrls: bool | None = None
    connection_limit: int | None = None
    password: PasswordSpec | None = None
    valid_until: str | None = None
    in_role: tuple[RoleRef, ...] = ()
    role: tuple[RoleRef, ...] = ()
    admin: tuple[RoleRef, ...] = ()
    sysid: int | None = None

    _FIELD_OF: ClassVar[dict[str, str]] = {
        "superuser": "superuser",
        "createdb": "createdb",
        "createrole": "createrole",
        "inherit": "inherit",
        "canlogin": "login",
        "isreplication": "replication",
        "bypassrls": "bypassrls",
        "connectionlimit": "connection_limit",
        "password": "password",
        "validUntil": "valid_until",
        "addroleto": "in_role",
        "rolemembers": "role",
        "adminmembers": "admin",
        "sysid": "sysid",
    }

    @classmethod
    def from_items(cls, items: tuple[RoleOption, ...]) -> RoleOptions:
        """Build the typed view of ``items`` (first occurrence wins)."""
        if not items:
            return _NO_OPTIONS
        values: dict[str, object] = {}
        field_of = cls._FIELD_OF
        for item in items:
            field = field_of.get(item.name)
            if field is not None and field not in values:
                values[field] = item.value
        return cls(items=items, **values)  # type: ignore[arg-type]

    def names(self) -> tuple[str, ...]:
        """The ``defname`` of every option, in order."""
        return tuple(item.name for item in self.items)

    @functools.cached_property
    def given_names(self) -> frozenset[str]:
        """The ``defname`` of every option written (computed once: the engine asks often)."""
        return frozenset(item.name for item in self.items)

    def given(self, name: str) -> bool:
        """Whether option ``name`` (a ``defname``) was written at least once."""
        items = self.items
        if len(items) <= 3:  # the common case: a loop is cheaper than building the set
            for item in items:  # noqa: SIM110 (a generator costs more than the loop here)
                if item.name == name:
                    return True
            return False
        return name in self.given_names


_NO_OPTIONS = RoleOptions()


class RoleKind(enum.Enum):
    """Which CREATE statement made the role: CREATE ROLE, CREATE USER or CREATE GROUP."""

    ROLE = "ROLE"
    USER = "USER"
    GROUP = "GROUP"


# --------------------------------------------------------------------------- base


@attrs.frozen
class Span:
    """``[start, end)`` character offsets of a statement in the classified string."""

    start: int
    end: int


@attrs.frozen(kw_only=True)
class Statement:
    """Base class of every classified statement (see the module docstring for the fields)."""

    text: str = attrs.field(repr=False)
    span: Span
    redacted: str
    precheck: Precheck | None = None
    parse_notices: tuple[ServerMessage, ...] = ()

    #: The command tag on success (overridden per class or computed from the fields).
    TAG: ClassVar[str] = "???"

    @property
    def tag(self) -> str:
        return self.TAG

    @property
    def position(self) -> int:
        """0-based character offset of the statement in the classified string."""
        return self.span.start

    @property
    def affects_password(self) -> bool:
        """Whether the statement sets or clears a password or VALID UNTIL.

        RENAME is not included: whether it clears the password depends on the stored
        password's type (MD5), which only the engine knows.
        """
        return False

    @property
    def error(self) -> ServerMessage | None:
        """Shortcut for ``precheck.error``."""
        return self.precheck.error if self.precheck is not None else None


# --------------------------------------------------------------------------- role DDL


@attrs.frozen(kw_only=True)
class CreateRole(Statement):
    """``CREATE ROLE | USER | GROUP name [WITH] options`` (user.c ``CreateRole``).

    Precheck (server order): the option loop (``SYSID can no longer be specified`` NOTICE,
    42601 ``conflicting or redundant options`` with the position of the repeated option),
    then 22023 ``invalid connection limit: N``. Then the engine: permission checks, the
    reserved ``pg_`` prefix (after the permission checks, so it is not a precheck), the
    duplicate-name check.
    """

    TAG: ClassVar[str] = "CREATE ROLE"

    kind: RoleKind
    name: str
    options: RoleOptions = _NO_OPTIONS

    @property
    def affects_password(self) -> bool:
        return self.options.password is not None or self.options.valid_until is not None

    @property
    def login_default(self) -> bool:
        """LOGIN when the statement does not say: true for CREATE USER only."""
        return self.kind is RoleKind.USER


@attrs.frozen(kw_only=True)
class AlterRole(Statement):
    """``ALTER ROLE | USER target [WITH] options`` and ``ALTER GROUP g ADD|DROP USER ...``.

    ``member_action`` says what ``options.role`` (the ``rolemembers`` list, written ``USER``)
    does: ``"add"`` for ALTER ROLE ... USER and ALTER GROUP ADD USER, ``"drop"`` for ALTER
    GROUP DROP USER.

    Precheck (server order, user.c ``AlterRole``): ``check_rolespec_name`` (42939 ``role name
    "pg_x" is reserved`` / DETAIL ``Cannot alter reserved roles.``), the option loop (42601
    ``conflicting or redundant options``; with a position from 15 on, rule
    ``sql.alter_role.conflicting_option_position``), 22023 ``invalid connection limit``.
    """

    TAG: ClassVar[str] = "ALTER ROLE"

    target: RoleRef
    options: RoleOptions = _NO_OPTIONS
    member_action: Literal["add", "drop"] = "add"
    is_group_statement: bool = False

    @property
    def affects_password(self) -> bool:
        return self.options.password is not None or self.options.valid_until is not None


@attrs.frozen(kw_only=True)
class RenameRole(Statement):
    """``ALTER ROLE | USER | GROUP old RENAME TO new``.

    Everything is decided by the engine (existence, session/current user, reserved names,
    permissions, and whether the MD5 password is cleared). ``public``/``none`` and the role
    specifiers are already rejected by the grammar (a raw-parse error).
    """

    TAG: ClassVar[str] = "ALTER ROLE"

    old: str
    new: str


@attrs.frozen(kw_only=True)
class DropRole(Statement):
    """``DROP ROLE | USER | GROUP [IF EXISTS] a, b``.

    The engine checks CREATEROLE first, then per role: special specifiers (22023 ``cannot use
    special role specifier in DROP ROLE``), existence, ... (postgres-truth.md section 1.1).
    """

    TAG: ClassVar[str] = "DROP ROLE"

    names: tuple[RoleRef, ...]
    missing_ok: bool = False


@attrs.frozen
class GrantedRole:
    """A role in the list of GRANT/REVOKE role. ``columns`` is set for the (rejected)
    ``GRANT r(col) TO x`` form: the engine reports 0LP01 ``column names cannot be included in
    GRANT/REVOKE ROLE`` when it reaches that role."""

    name: str
    columns: tuple[str, ...] = ()


@attrs.frozen
class GrantOption:
    """One ``WITH name value`` (or ``name OPTION FOR``) option as written."""

    name: str
    value: bool
    location: int = -1


@attrs.frozen(kw_only=True)
class GrantRole(Statement):
    """``GRANT role, ... TO grantee, ... [WITH option, ...] [GRANTED BY grantor]``.

    ``admin``/``inherit``/``set`` are ``None`` when not written (16 semantics: INHERIT then
    defaults to the member's rolinherit; before 16 only ``WITH ADMIN OPTION`` exists).
    ``options`` keeps the raw list. Precheck (16+, user.c ``GrantRole``): 42601
    ``unrecognized role option "x"`` with its position.
    """

    TAG: ClassVar[str] = "GRANT ROLE"

    roles: tuple[GrantedRole, ...]
    grantees: tuple[RoleRef, ...]
    admin: bool | None = None
    inherit: bool | None = None
    set: bool | None = None
    options: tuple[GrantOption, ...] = ()
    grantor: RoleRef | None = None


@attrs.frozen(kw_only=True)
class RevokeRole(Statement):
    """``REVOKE [ADMIN | INHERIT | SET OPTION FOR] role, ... FROM grantee, ...``.

    ``option_for`` is the option named before ``OPTION FOR`` (``"admin"``, and from 16
    ``"inherit"``/``"set"``), ``None`` for a plain REVOKE. ``grantor`` mirrors the parse tree
    of the engine's version: up to 15 the grammar accepts ``GRANTED BY`` on REVOKE but drops
    it, so it is ``None`` there (rule ``sql.revoke_role.granted_by``).
    """

    TAG: ClassVar[str] = "REVOKE ROLE"

    roles: tuple[GrantedRole, ...]
    grantees: tuple[RoleRef, ...]
    option_for: str | None = None
    option_location: int = -1
    behavior: Literal["RESTRICT", "CASCADE"] = "RESTRICT"
    grantor: RoleRef | None = None

    @property
    def admin_option_only(self) -> bool:
        return self.option_for == "admin"

    @property
    def inherit_option_only(self) -> bool:
        return self.option_for == "inherit"

    @property
    def set_option_only(self) -> bool:
        return self.option_for == "set"


# --------------------------------------------------------------------------- settings


@attrs.frozen
class SetArg:
    """One value of a SET: ``kind`` is ``"string"`` or ``"number"``, ``text`` its text as
    the server flattens it (``flatten_set_variable_args``, before any GUC_LIST_QUOTE
    quoting), ``location`` its 0-based character offset."""

    kind: Literal["string", "number", "other"]
    text: str
    location: int = -1


@attrs.frozen
class SettingChange:
    """A parsed ``SET``/``RESET`` (``VariableSetStmt``).

    ``kind``: ``"value"`` (SET x = ...), ``"default"`` (SET x TO DEFAULT), ``"current"``
    (SET x FROM CURRENT), ``"multi"`` (SET TRANSACTION ..., ``name`` is then the upper-case
    keyword phrase the server uses), ``"reset"`` (RESET x) or ``"reset_all"`` (RESET ALL,
    ``name`` is None). ``name`` is lower-cased as the grammar leaves it.
    """

    kind: Literal["value", "default", "current", "multi", "reset", "reset_all"]
    name: str | None
    args: tuple[SetArg, ...] = ()

    @property
    def value(self) -> str | None:
        """The flattened value (``", "``-joined), or None when there is no value."""
        if not self.args:
            return None
        return ", ".join(arg.text for arg in self.args)


@attrs.frozen(kw_only=True)
class AlterRoleSet(Statement):
    """``ALTER ROLE target|ALL [IN DATABASE d] SET|RESET ...`` (user.c ``AlterRoleSet``).

    ``target`` is ``None`` for ``ALL``. Precheck: ``check_rolespec_name`` (42939 ``role name
    "pg_x" is reserved`` / ``Cannot alter reserved roles.``).
    """

    TAG: ClassVar[str] = "ALTER ROLE"

    target: RoleRef | None
    database: str | None = None
    change: SettingChange


@attrs.frozen(kw_only=True)
class SetParameter(Statement):
    """``SET [SESSION | LOCAL] name ...`` of any parameter except role and session
    authorization (those have their own classes)."""

    TAG: ClassVar[str] = "SET"

    change: SettingChange
    is_local: bool = False

    @property
    def name(self) -> str | None:
        return self.change.name

    @property
    def value(self) -> str | None:
        return self.change.value


@attrs.frozen(kw_only=True)
class ResetParameter(Statement):
    """``RESET name`` / ``RESET ALL`` (``name`` None)."""

    TAG: ClassVar[str] = "RESET"

    name: str | None


@attrs.frozen(kw_only=True)
class ShowParameter(Statement):
    """``SHOW name`` (``SHOW ALL``: name ``"all"``; ``SHOW TIME ZONE``: ``"timezone"``)."""

    TAG: ClassVar[str] = "SHOW"

    name: str


@attrs.frozen(kw_only=True)
class SetRole(Statement):
    """``SET [SESSION | LOCAL] ROLE name`` and ``SET role = ...``.

    ``role`` is the value as the server receives it (quoted strings keep their case);
    ``"none"`` means no role (the same as RESET ROLE). Precheck: 22023 ``SET role takes only
    one argument`` for a list.
    """

    TAG: ClassVar[str] = "SET"

    role: str
    is_local: bool = False
    location: int = -1

    @property
    def is_none(self) -> bool:
        return self.role == "none"


@attrs.frozen(kw_only=True)
class ResetRole(Statement):
    """``RESET ROLE`` and ``SET ROLE TO DEFAULT`` (tag ``RESET`` or ``SET``)."""

    is_local: bool = False
    via_set: bool = False

    @property
    def tag(self) -> str:
        return "SET" if self.via_set else "RESET"


@attrs.frozen(kw_only=True)
class SetSessionAuthorization(Statement):
    """``SET [SESSION | LOCAL] SESSION AUTHORIZATION name`` (superuser only; engine)."""

    TAG: ClassVar[str] = "SET"

    role: str
    is_local: bool = False
    location: int = -1


@attrs.frozen(kw_only=True)
class ResetSessionAuthorization(Statement):
    """``RESET SESSION AUTHORIZATION`` / ``SET SESSION AUTHORIZATION DEFAULT``."""

    is_local: bool = False
    via_set: bool = False

    @property
    def tag(self) -> str:
        return "SET" if self.via_set else "RESET"


# --------------------------------------------------------------------------- extensions


@attrs.frozen(kw_only=True)
class CreateExtension(Statement):
    """``CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]``."""

    TAG: ClassVar[str] = "CREATE EXTENSION"

    name: str
    if_not_exists: bool = False
    schema: str | None = None
    version: str | None = None
    cascade: bool = False


@attrs.frozen(kw_only=True)
class DropExtension(Statement):
    """``DROP EXTENSION [IF EXISTS] a, b [CASCADE | RESTRICT]``."""

    TAG: ClassVar[str] = "DROP EXTENSION"

    names: tuple[str, ...]
    missing_ok: bool = False
    behavior: Literal["RESTRICT", "CASCADE"] = "RESTRICT"


# --------------------------------------------------------------------------- SELECT


@attrs.frozen
class FunctionCall:
    """A call of one of the functions the emulator answers (``SUPPORTED_FUNCTIONS``).

    ``name`` is lower-case (``current_user`` for the SQL keyword forms too: ``USER`` is
    ``name="user"``). ``args`` holds the literal arguments (str, int, float, bool or None for
    NULL); it is ``None`` when any argument is not a literal. ``keyword`` is true for the
    SQL-standard keyword forms (``CURRENT_USER`` without parentheses).
    """

    name: str
    schema: str | None = None
    args: tuple[str | int | float | bool | None, ...] | None = ()
    keyword: bool = False
    location: int = -1


@attrs.frozen
class SelectTarget:
    """One output column of a simple SELECT: its column name as the server names it, and
    either a :class:`FunctionCall` or a literal ``constant``."""

    column: str
    call: FunctionCall | None = None
    constant: str | int | float | bool | None = None


@attrs.frozen
class RelationRef:
    """A table reference (``RangeVar``): ``schema`` is None when not qualified."""

    name: str
    schema: str | None = None
    location: int = -1

    def __str__(self) -> str:
        return self.name if self.schema is None else f"{self.schema}.{self.name}"


@attrs.frozen(kw_only=True)
class SelectFunctions(Statement):
    """Any ``SELECT``.

    ``calls``: every supported function called anywhere in it, in text order.
    ``simple`` is true when the SELECT is only a target list (no FROM, WHERE, GROUP BY,
    set operation, ...) of supported calls and literals; ``targets`` then describes each
    output column and the statement returns exactly one row (tag ``SELECT 1``). Otherwise
    ``targets`` is empty, ``tag`` is ``SELECT`` (the engine adds the row count) and
    ``relations`` lists the tables it reads.
    """

    calls: tuple[FunctionCall, ...] = ()
    simple: bool = False
    targets: tuple[SelectTarget, ...] = ()
    relations: tuple[RelationRef, ...] = ()

    @property
    def tag(self) -> str:
        return "SELECT 1" if self.simple else "SELECT"

    @property
    def complex(self) -> bool:
        return not self.simple


# --------------------------------------------------------------------------- transactions


class TransactionKind(enum.Enum):
    """``TransactionStmtKind``, with the command tag of each."""

    BEGIN = "BEGIN"
    START = "START TRANSACTION"
    COMMIT = "COMMIT"
    ROLLBACK = "ROLLBACK"
    SAVEPOINT = "SAVEPOINT"
    RELEASE = "RELEASE"
    ROLLBACK_TO = "ROLLBACK TO"
    PREPARE = "PREPARE TRANSACTION"
    COMMIT_PREPARED = "COMMIT PREPARED"
    ROLLBACK_PREPARED = "ROLLBACK PREPARED"


@attrs.frozen(kw_only=True)
class TransactionControl(Statement):
    """BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT / SAVEPOINT / RELEASE /
    ROLLBACK TO / PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED.

    ``tag`` is the tag on success; the engine replaces ``COMMIT`` by ``ROLLBACK`` when the
    transaction was aborted, as the server does.
    """

    kind: TransactionKind
    savepoint: str | None = None
    gid: str | None = None
    chain: bool = False
    modes: tuple[str, ...] = ()

    @property
    def tag(self) -> str:
        if self.kind is TransactionKind.ROLLBACK_TO:
            return "ROLLBACK"
        return str(self.kind.value)


# --------------------------------------------------------------------------- DO


@attrs.frozen
class DynamicSql:
    """An ``EXECUTE expr`` (or ``FOR ... IN EXECUTE``, ``OPEN ... FOR EXECUTE``, ``RETURN
    QUERY EXECUTE``) whose text is computed at run time, so it cannot be classified here.

    ``expression`` (hidden from repr: it may hold a password) is the PL/pgSQL expression;
    ``redacted`` masks its string literals when it mentions a password.
    """

    expression: str = attrs.field(repr=False)
    redacted: str
    lineno: int = 0
    construct: str = "EXECUTE"


@attrs.frozen(kw_only=True)
class DoBlock(Statement):
    """``DO [LANGUAGE lang] 'body'``.

    For PL/pgSQL bodies: ``statements`` are the SQL statements written literally in the body
    (and ``PERFORM``, and expressions calling a supported function, as SELECTs), each
    classified on its own text (so their spans and prechecks are relative to that text, as
    the server reports them with ``internal_query``/``internal_position``), with
    ``statement_lines`` their line numbers. ``dynamic`` lists the EXECUTEs not decidable
    statically (``EXECUTE 'literal'`` is classified instead). ``linear`` is true when the
    body is a plain sequence of statements (no IF, loop, EXCEPTION...), so running
    ``statements`` in order is what the server does.

    Precheck: PL/pgSQL compile errors (the server compiles the body when the DO runs), and
    version-gated syntax inside the literal statements. ``language`` other than plpgsql is
    left to the engine (``language "sql" does not support inline code execution``).
    """

    TAG: ClassVar[str] = "DO"

    language: str = "plpgsql"
    body: str = attrs.field(default="", repr=False)
    statements: tuple[Statement, ...] = ()
    statement_lines: tuple[int, ...] = ()
    dynamic: tuple[DynamicSql, ...] = ()
    linear: bool = True
    #: The body's order of ``statements`` (``("sql", i)``) and ``dynamic`` (``("dynamic",
    #: j)``) items, for running a linear body that has both.
    steps: tuple[tuple[Literal["sql", "dynamic"], int], ...] = ()

    @property
    def affects_password(self) -> bool:
        return any(s.affects_password for s in self.statements)


# --------------------------------------------------------------------------- the rest


@attrs.frozen(kw_only=True)
class Unmodelled(Statement):
    """Any other statement, with the command tag the server would return.

    ``node_type`` is the parse-tree node name (``"UpdateStmt"``); for DML tags (INSERT,
    UPDATE, DELETE, MERGE, SELECT...) the engine adds the row counts. ``target`` is the
    relation written to (INSERT/UPDATE/DELETE/MERGE/COPY/TRUNCATE/ALTER TABLE...), for checks
    such as ``permission denied for table pg_authid``; ``relations`` lists every table
    referenced and ``roles`` every role specification, in text order.
    """

    tag_text: str
    node_type: str
    target: RelationRef | None = None
    relations: tuple[RelationRef, ...] = ()
    roles: tuple[RoleRef, ...] = ()

    @property
    def tag(self) -> str:
        return self.tag_text
