"""Hypothesis strategies for Aurora PostgreSQL security, one public function per concept.

::

    from hypothesis import given
    from aurora_sec.testing import strategies as aurora_st

    @given(aurora_st.role_statements(engine_version="15.4"))
    def test_my_linter(sql): ...

* :func:`role_names`: unquoted and quoted identifiers, the reserved ``rds*`` and ``pg_*``
  names, and over-long names (64-70 characters, which the server truncates to 63 bytes).
* :func:`engine_versions`: the Aurora PostgreSQL versions the catalogue offers.
* :func:`role_statements`: CREATE/ALTER/DROP ROLE, ALTER GROUP, GRANT/REVOKE role and
  ALTER ROLE ... RENAME, built as pglast AST nodes and deparsed with
  :class:`pglast.stream.RawStream`, so every statement is grammatical for PostgreSQL 18 and,
  with ``engine_version=``, for that version's grammar too.
* :func:`parameter_settings`: boto3 ``Parameters`` entries a custom DB cluster parameter
  group accepts.
* :func:`connection_strings`: libpq conninfo strings (keyword/value or URI) and pgjdbc URLs.
* :func:`iam_policies`: IAM policy documents (JSON) about RDS.

Requires hypothesis (the ``test`` extra).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from hypothesis import strategies as st
from pglast import ast
from pglast.enums import DropBehavior, ObjectType, RoleSpecType, RoleStmtType
from pglast.keywords import (
    COL_NAME_KEYWORDS,
    RESERVED_KEYWORDS,
    TYPE_FUNC_NAME_KEYWORDS,
    UNRESERVED_KEYWORDS,
)
from pglast.stream import RawStream

from aurora_sec.catalog import engine_versions as _versions
from aurora_sec.catalog import parameters as _parameters
from aurora_sec.versions import EngineVersion

__all__ = [
    "RESERVED_ROLE_NAMES",
    "SSLMODES",
    "connection_strings",
    "engine_versions",
    "iam_policies",
    "parameter_settings",
    "role_names",
    "role_statements",
]

#: Names RDS or PostgreSQL reserve: Aurora's own roles and predefined ``pg_*`` roles.
RESERVED_ROLE_NAMES: Final = (
    "rdsadmin",
    "rds_superuser",
    "rds_password",
    "rds_replication",
    "rds_iam",
    "rds_ad",
    "pg_monitor",
    "pg_read_all_data",
    "pg_write_all_data",
    "pg_signal_backend",
    "pg_read_all_settings",
    "pg_database_owner",
    "pg_create_subscription",
)
#: libpq's and pgjdbc's ``sslmode`` values.
SSLMODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

# The grammar rejects these two as any role name ('role name "none" is reserved'), quoted or
# not, because RawStream prints them bare; a statement with them is not grammatical.
_UNUSABLE = frozenset({"none", "public"})
_KEYWORDS: Final = frozenset(
    RESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | UNRESERVED_KEYWORDS
)
_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")
_GATE_CURRENT_ROLE = 14  # RoleSpec CURRENT_ROLE (grammar.rolespec_current_role)
_GATE_ROLE_OPTIONS = 16  # GRANT ... WITH INHERIT/SET, REVOKE INHERIT/SET OPTION FOR
_ACCOUNT = "123456789012"
_REGION = "us-east-1"


_LOWER: Final = "abcdefghijklmnopqrstuvwxyz"
_DIGITS: Final = "0123456789"


def _word(first: str, rest: str, min_rest: int, max_rest: int) -> st.SearchStrategy[str]:
    """A character of ``first`` then ``min_rest``-``max_rest`` of ``rest`` (cheaper than
    ``st.from_regex``)."""
    tail = st.text(alphabet=rest, min_size=min_rest, max_size=max_rest)
    if not first:
        return tail
    return st.builds(str.__add__, st.sampled_from(first), tail)


# --------------------------------------------------------------------------- names


@functools.cache
def role_names(*, reserved: bool = True, overlong: bool = True) -> st.SearchStrategy[str]:
    """Role names: unquoted identifiers, names that need quoting (upper case, spaces, quotes,
    keywords, non-ASCII), the reserved ``rds*``/``pg_*`` names and, with ``overlong``, names
    of 64-70 characters. Never empty, never ``none``/``public`` (no grammatical role name)."""
    unquoted = _word(_LOWER + "_", _LOWER + _DIGITS + "_$", 0, 30)
    keywords = st.sampled_from(["user", "select", "current_user", "all", "role", "admin"])
    quoted = st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20
    )
    parts: list[st.SearchStrategy[str]] = [unquoted, keywords, quoted]
    if reserved:
        parts.append(st.sampled_from(RESERVED_ROLE_NAMES))
        parts.append(
            st.builds(
                "{}{}".format,
                st.sampled_from(["pg_", "rds_", "rds"]),
                _word("", _LOWER + _DIGITS + "_", 0, 12),
            )
        )
    if overlong:
        parts.append(_word(_LOWER, _LOWER + _DIGITS + "_", 63, 69))
    return st.one_of(parts).filter(lambda name: name.lower() not in _UNUSABLE)


def engine_versions(
    *, majors: Sequence[int] | None = None, include_deprecated: bool = False
) -> st.SearchStrategy[str]:
    """Aurora PostgreSQL version texts (``"15.4"``) from the catalogue: by default the ones
    CreateDBCluster accepts (status ``available``), optionally only of ``majors``."""
    texts = [
        info.engine_version
        for info in _versions.VERSIONS
        if (include_deprecated or info.is_available) and (majors is None or info.major in majors)
    ]
    if not texts:
        raise ValueError(f"no engine version of majors {majors!r}")
    return st.sampled_from(texts)


# --------------------------------------------------------------------------- statements


def _major_of(engine_version: str | None) -> int | None:
    return None if engine_version is None else EngineVersion.parse(engine_version).major


def _allows(major: int | None, first: int) -> bool:
    return major is None or major >= first


@functools.cache
def _role_spec(major: int | None, *, public: bool = False) -> st.SearchStrategy[ast.RoleSpec]:
    kinds = [RoleSpecType.ROLESPEC_CURRENT_USER, RoleSpecType.ROLESPEC_SESSION_USER]
    if _allows(major, _GATE_CURRENT_ROLE):
        kinds.append(RoleSpecType.ROLESPEC_CURRENT_ROLE)
    if public:
        kinds.append(RoleSpecType.ROLESPEC_PUBLIC)
    named = role_names().map(
        lambda n: ast.RoleSpec(roletype=RoleSpecType.ROLESPEC_CSTRING, rolename=n)
    )
    special = st.sampled_from(kinds).map(lambda k: ast.RoleSpec(roletype=k))
    return st.one_of(named, special)


def _quoted(name: str) -> str:
    """``name`` as an identifier: RawStream prints a granted role's name verbatim, so it is
    quoted here whenever the scanner would not read it back as the same name."""
    if _PLAIN.fullmatch(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def _role_list(
    major: int | None, *, public: bool = False, max_size: int = 3
) -> st.SearchStrategy[list[ast.RoleSpec]]:
    return st.lists(_role_spec(major, public=public), min_size=1, max_size=max_size)


_BOOL_OPTIONS: Final = (
    "superuser",
    "createdb",
    "createrole",
    "inherit",
    "canlogin",
    "isreplication",
    "bypassrls",
)
_VALID_UNTIL: Final = ("infinity", "-infinity", "2030-01-01", "2001-01-01 00:00:00+00", "now")


def _passwords() -> st.SearchStrategy[str]:
    return st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=0, max_size=24
    )


def _role_options(major: int | None, *, create: bool) -> st.SearchStrategy[ast.DefElem]:
    """One option of CREATE ROLE (``create``) or ALTER ROLE, as the grammar builds it."""

    def opt(name: str, arg: st.SearchStrategy[Any]) -> st.SearchStrategy[ast.DefElem]:
        return arg.map(lambda a: ast.DefElem(defname=name, arg=a))

    # one alternative per keyword (SUPERUSER, NOSUPERUSER, ...), so each is drawn as often
    options: list[st.SearchStrategy[ast.DefElem]] = [
        st.just(ast.DefElem(defname=name, arg=ast.Boolean(value)))
        for name in _BOOL_OPTIONS
        for value in (True, False)
    ]
    options += [
        opt("connectionlimit", st.integers(-2, 10_000).map(ast.Integer)),
        opt("password", _passwords().map(ast.String)),
        st.just(ast.DefElem(defname="password")),  # PASSWORD NULL
        opt("validUntil", st.sampled_from(_VALID_UNTIL).map(ast.String)),
    ]
    if create:
        options += [
            opt("addroleto", _role_list(major)),  # IN ROLE / IN GROUP
            opt("rolemembers", _role_list(major)),  # ROLE / USER
            opt("adminmembers", _role_list(major)),  # ADMIN
            opt("sysid", st.integers(0, 100_000).map(ast.Integer)),  # SYSID (a NOTICE)
        ]
    return st.one_of(options)


def _create(major: int | None) -> st.SearchStrategy[ast.Node]:
    return st.builds(
        lambda kind, name, options: ast.CreateRoleStmt(
            stmt_type=kind, role=name, options=options or None
        ),
        st.sampled_from(
            [RoleStmtType.ROLESTMT_ROLE, RoleStmtType.ROLESTMT_USER, RoleStmtType.ROLESTMT_GROUP]
        ),
        role_names(),
        st.lists(_role_options(major, create=True), max_size=5),
    )


def _alter(major: int | None) -> st.SearchStrategy[ast.Node]:
    alter_role = st.builds(
        lambda role, options: ast.AlterRoleStmt(role=role, options=options, action=1),
        _role_spec(major),
        st.lists(_role_options(major, create=False), min_size=1, max_size=4),
    )
    alter_group = st.builds(
        lambda role, members, action: ast.AlterRoleStmt(
            role=role,
            options=[ast.DefElem(defname="rolemembers", arg=members)],
            action=action,
        ),
        _role_spec(major),
        _role_list(major),
        st.sampled_from([1, -1]),  # ALTER GROUP ... ADD USER / DROP USER
    )
    return st.one_of(alter_role, alter_group)


def _grant_options(major: int | None, *, grant: bool) -> st.SearchStrategy[list[ast.DefElem]]:
    def elem(name: str, value: bool) -> ast.DefElem:
        return ast.DefElem(defname=name, arg=ast.Boolean(value))

    if grant:
        if not _allows(major, _GATE_ROLE_OPTIONS):
            # WITH ADMIN OPTION is all the older grammar has
            return st.sampled_from([[], [elem("admin", True)]])
        return st.lists(
            st.builds(elem, st.sampled_from(["admin", "inherit", "set"]), st.booleans()),
            max_size=3,
            unique_by=lambda e: e.defname,
        )
    names = ["admin", "inherit", "set"] if _allows(major, _GATE_ROLE_OPTIONS) else ["admin"]
    # REVOKE <name> OPTION FOR ... (the value is always false)
    revoke_option = st.sampled_from(names).map(lambda n: [elem(n, False)])
    return st.one_of(st.just([]), revoke_option)


def _grant(major: int | None, *, grant: bool) -> st.SearchStrategy[ast.Node]:
    return st.builds(
        lambda granted, grantees, opt, grantor, cascade: ast.GrantRoleStmt(
            granted_roles=[ast.AccessPriv(priv_name=_quoted(n)) for n in granted],
            grantee_roles=grantees,
            is_grant=grant,
            opt=opt or None,
            grantor=grantor,
            behavior=DropBehavior.DROP_CASCADE if cascade and not grant else 0,
        ),
        st.lists(role_names(), min_size=1, max_size=3),
        _role_list(major, public=True),
        _grant_options(major, grant=grant),
        st.none() | _role_spec(major),
        st.booleans(),
    )


def _drop(major: int | None) -> st.SearchStrategy[ast.Node]:
    return st.builds(
        lambda roles, missing_ok: ast.DropRoleStmt(roles=roles, missing_ok=missing_ok),
        _role_list(major),
        st.booleans(),
    )


def _rename() -> st.SearchStrategy[ast.Node]:
    return st.builds(
        lambda old, new: ast.RenameStmt(
            renameType=ObjectType.OBJECT_ROLE, subname=old, newname=new
        ),
        role_names(),
        role_names(),
    )


def role_statements(engine_version: str | None = None) -> st.SearchStrategy[str]:
    """One role statement as SQL text, deparsed from a pglast AST, covering every option.

    CREATE ROLE/USER/GROUP (every option: SUPERUSER ... BYPASSRLS and their NO forms,
    CONNECTION LIMIT, PASSWORD 'x' / PASSWORD NULL, VALID UNTIL, IN ROLE, ROLE, ADMIN, SYSID),
    ALTER ROLE (with CURRENT_USER/SESSION_USER/CURRENT_ROLE), ALTER GROUP ... ADD/DROP USER,
    GRANT/REVOKE role (WITH ADMIN/INHERIT/SET, GRANTED BY, ... OPTION FOR, CASCADE), DROP
    ROLE [IF EXISTS] and ALTER ROLE ... RENAME TO. Options may repeat (the server's
    ``conflicting or redundant options`` is then the statement's own error).

    ``engine_version=None`` uses PostgreSQL 18's grammar, so some statements are syntax
    errors on older majors (CURRENT_ROLE before 14; GRANT ... WITH INHERIT/SET and REVOKE
    INHERIT/SET OPTION FOR before 16). With a version, only that version's syntax is drawn.
    """
    return _statements(_major_of(engine_version))


@functools.cache
def _statements(major: int | None) -> st.SearchStrategy[str]:
    create, alter = _create(major), _alter(major)
    nodes = st.one_of(
        create,
        create,
        create,
        alter,
        alter,
        _grant(major, grant=True),
        _grant(major, grant=False),
        _drop(major),
        _rename(),
    )
    return nodes.map(lambda node: str(RawStream()(node)))


# --------------------------------------------------------------------------- parameters


def _value_strategy(spec: _parameters.ParameterSpec) -> st.SearchStrategy[str]:
    allowed = spec.allowed_values
    if allowed is None:
        return _word("", _LOWER + _DIGITS + "_/.", 1, 20)
    lo_hi = allowed.split("-")
    if spec.data_type == "integer" and len(lo_hi) == 2 and all(p.isdigit() for p in lo_hi):
        return st.integers(int(lo_hi[0]), int(lo_hi[1])).map(str)
    choices = allowed.split(",")
    if spec.data_type == "list":
        return st.lists(st.sampled_from(choices), min_size=1, max_size=4, unique=True).map(",".join)
    return st.sampled_from(choices)


_DYNAMIC_METHODS: Final = ["immediate", "pending-reboot"]


def parameter_settings(family: str | None = None) -> st.SearchStrategy[dict[str, str]]:
    """One boto3 ``Parameters`` entry (``ParameterName``, ``ParameterValue``, ``ApplyMethod``)
    that ModifyDBClusterParameterGroup accepts on a custom group of ``family``
    (``"aurora-postgresql15"``); with ``family=None``, one valid for every family.

    Values are within the parameter's AllowedValues; static parameters get
    ``pending-reboot``, dynamic ones either method.
    """
    families = [family] if family is not None else list(_versions.FAMILIES)
    per_family = [
        {s.name: s for s in _parameters.for_family(f, "cluster") if s.is_modifiable}
        for f in families
    ]
    if not per_family[0] and family is not None:
        raise ValueError(f"unknown parameter group family: {family!r}")
    names = sorted(set.intersection(*(set(p) for p in per_family)))
    specs = [per_family[0][n] for n in names]

    def entry(spec: _parameters.ParameterSpec) -> st.SearchStrategy[dict[str, str]]:
        methods = ["pending-reboot"] if spec.apply_type == "static" else _DYNAMIC_METHODS
        return st.builds(
            lambda value, method: {
                "ParameterName": spec.name,
                "ParameterValue": value,
                "ApplyMethod": method,
            },
            _value_strategy(spec),
            st.sampled_from(methods),
        )

    return st.sampled_from(specs).flatmap(entry)


# --------------------------------------------------------------------------- connections


def _conninfo_value(value: str) -> str:
    if value and all(c.isalnum() or c in "-._/@:" for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def connection_strings(
    host: str,
    *,
    driver: str = "libpq",
    user: str = "postgres",
    password: str | None = None,
    dbname: str = "postgres",
    root_certs: Sequence[str | None] = ("global-bundle.pem", None),
) -> st.SearchStrategy[str]:
    """Connection strings to ``host``: libpq keyword/value conninfo or ``postgresql://`` URIs
    (``driver="libpq"``), or ``jdbc:postgresql://`` URLs (``driver="pgjdbc"``), with a random
    ``sslmode`` (or none: the driver's default), ``sslrootcert`` from ``root_certs`` (None:
    not given), and sometimes ``connect_timeout`` and ``application_name``."""
    if driver not in ("libpq", "pgjdbc"):
        raise ValueError(f"driver must be 'libpq' or 'pgjdbc', not {driver!r}")
    extras = st.fixed_dictionaries(
        {},
        optional={
            "sslmode": st.sampled_from(SSLMODES),
            "sslrootcert": st.sampled_from(list(root_certs)),
            "connect_timeout": st.integers(1, 30).map(str),
            "application_name": _word(_LOWER, _LOWER + _DIGITS + "_-", 0, 15),
        },
    ).map(lambda d: {k: v for k, v in d.items() if v is not None})

    def libpq_keywords(opts: dict[str, str]) -> str:
        words = {"host": host, "port": "5432", "dbname": dbname, "user": user}
        if password is not None:
            words["password"] = password
        words.update(opts)
        return " ".join(f"{k}={_conninfo_value(v)}" for k, v in words.items())

    def libpq_uri(opts: dict[str, str]) -> str:
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in opts.items())
        return f"postgresql://{auth}@{host}:5432/{quote(dbname, safe='')}" + (
            f"?{query}" if query else ""
        )

    def jdbc(opts: dict[str, str]) -> str:
        props = {"user": user, **({"password": password} if password is not None else {})}
        props.update({k: v for k, v in opts.items() if k != "connect_timeout"})
        if "connect_timeout" in opts:
            props["connectTimeout"] = opts["connect_timeout"]
        if "application_name" in props:
            props["ApplicationName"] = props.pop("application_name")
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in props.items())
        return f"jdbc:postgresql://{host}:5432/{quote(dbname, safe='')}?{query}"

    if driver == "pgjdbc":
        return extras.map(jdbc)
    return st.one_of(extras.map(libpq_keywords), extras.map(libpq_uri))


# --------------------------------------------------------------------------- IAM


def _rds_actions() -> list[str]:
    from aurora_sec.aws.iam.actions import ACTIONS

    return sorted({spec.action for spec in ACTIONS.values() if spec.service == "rds"})


def _resources(account_id: str, region: str) -> st.SearchStrategy[str]:
    prefix = f"arn:aws:rds:{region}:{account_id}"
    name = _word(_LOWER, _LOWER + _DIGITS + "-", 0, 10)
    wildcard = st.sampled_from(["*", "prod*", "prod-?", "*-1"])
    kind = st.sampled_from(["cluster", "db", "cluster-pg", "pg", "subgrp", "cluster-endpoint"])
    arn = st.builds(lambda k, n: f"{prefix}:{k}:{n}", kind, name | wildcard)
    dbuser = st.builds(
        lambda rid, user: f"arn:aws:rds-db:{region}:{account_id}:dbuser:{rid}/{user}",
        st.sampled_from(["*", "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ"]),
        st.sampled_from(["*", "app", "postgres"]),
    )
    return st.one_of(st.just("*"), arn, dbuser)


def _conditions() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(
            lambda e: {"StringEquals": {"rds:DatabaseEngine": e}},
            st.sampled_from(["aurora-postgresql", "aurora-mysql"]),
        ),
        st.builds(
            lambda c: {"IpAddress": {"aws:SourceIp": c}},
            st.sampled_from(["203.0.113.0/24", "10.0.0.0/8"]),
        ),
        st.builds(
            lambda b: {"Bool": {"aws:SecureTransport": b}}, st.sampled_from(["true", "false"])
        ),
    )


def iam_policies(*, account_id: str = _ACCOUNT, region: str = _REGION) -> st.SearchStrategy[str]:
    """IAM policy documents (JSON text) about RDS: 1-3 statements, each Allow or Deny, with
    ``rds:`` actions (exact, ``rds:*`` or wildcards such as ``rds:Describe*``), ``rds-db:connect``
    for IAM database authentication, resources with wildcards, and sometimes a Condition."""
    exact = st.sampled_from(_rds_actions())
    wild = st.sampled_from(
        ["rds:*", "rds:Describe*", "rds:*DBCluster*", "rds:Modify*", "rds-db:connect"]
    )
    action = st.one_of(exact, wild)
    statement = st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": action | st.lists(action, min_size=1, max_size=4, unique=True),
            "Resource": _resources(account_id, region)
            | st.lists(_resources(account_id, region), min_size=1, max_size=3, unique=True),
        },
        optional={
            "Sid": _word("", _LOWER + _LOWER.upper() + _DIGITS, 1, 12),
            "Condition": _conditions(),
        },
    )

    def unique_sids(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # AWS rejects a policy whose statement ids repeat
        return [
            {**s, "Sid": f"{s['Sid']}{i}"} if "Sid" in s else s for i, s in enumerate(statements)
        ]

    document = st.builds(
        lambda statements: {"Version": "2012-10-17", "Statement": unique_sids(statements)},
        st.lists(statement, min_size=1, max_size=3),
    )
    return document.map(lambda d: json.dumps(d, indent=2))
