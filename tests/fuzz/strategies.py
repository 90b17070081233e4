"""Input generators of the fuzz suite: raw text, and text built from the input's own words.

Pure random text is rejected at the first byte by every parser, so each target also gets text
assembled from the fragments its parser branches on (SQL keywords and quoting, conninfo
keywords and URI pieces, botocore input shapes).
"""

from __future__ import annotations

import json
import os
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz_settings(max_examples: int) -> settings:
    """The suite's settings: ``AURORA_FUZZ_SCALE=50`` runs fifty times as many examples."""
    scale = int(os.environ.get("AURORA_FUZZ_SCALE", "1"))
    return settings(
        max_examples=max_examples * scale,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# -- text ------------------------------------------------------------------------------------

#: Characters hypothesis leaves out by default: lone surrogates (one an escaped byte, as
#: ``os.fsdecode`` makes them), NUL and a byte-order mark.
_ODD = st.sampled_from(["\ud800", "\udc80", "\udcff", "\udfff", "\x00", "\ufeff"])


def wide_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text, lone surrogates included."""
    return st.text(alphabet=st.one_of(st.characters(), _ODD), max_size=max_size)


# -- JSON-like values ------------------------------------------------------------------------

SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    wide_text(max_size=30),
)

JSON_LIKE: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(wide_text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)

# -- SQL ----------------------------------------------------------------------------------

SQL_WORDS = [
    "CREATE", "ALTER", "DROP", "ROLE", "USER", "GROUP", "GRANT", "REVOKE", "TO", "FROM",
    "WITH", "ADMIN", "INHERIT", "NOINHERIT", "SET", "RESET", "SHOW", "OPTION", "FOR", "TRUE",
    "FALSE", "PASSWORD", "ENCRYPTED", "NULL", "VALID", "UNTIL", "'infinity'", "LOGIN",
    "NOLOGIN", "SUPERUSER", "NOSUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION",
    "BYPASSRLS", "CONNECTION", "LIMIT", "-1", "0", "2147483648", "IN", "DATABASE", "postgres",
    "RENAME", "IF", "EXISTS", "NOT", "CASCADE", "RESTRICT", "GRANTED", "BY", "ALL", "PUBLIC",
    "CURRENT_USER", "CURRENT_ROLE", "SESSION_USER", "SESSION", "AUTHORIZATION", "LOCAL",
    "DEFAULT", "NONE", "BEGIN", "START", "TRANSACTION", "COMMIT", "ROLLBACK", "END", "ABORT",
    "SAVEPOINT", "RELEASE", "PREPARE", "DO", "LANGUAGE", "plpgsql", "EXECUTE", "PERFORM",
    "SELECT", "current_user", "session_user", "pg_has_role", "set_config", "EXTENSION",
    "SCHEMA", "TABLE", "ON", "app", "team", "rdsadmin", "rds_superuser", "rds_password",
    "pg_monitor", "pg_read_all_data", "rds_iam", "password_encryption", "'md5'",
    "'scram-sha-256'", "rds.restrict_password_commands", "role", "search_path",
    "'md5d41d8cd98f00b204e9800998ecf8427e'", "'pw'", "''", "'it''s'", "E'\\x41'",
    "U&'\\0041'", "B'101'", '"Quoted"', '""', '"a""b"', "$$", "$$x$$", "$tag$ y $tag$",
    "$a$", "--", "-- c\n", "/*", "*/", "/* c */", ";", ";;", ",", "(", ")", "=", "'", '"',
    "\\", "\n", " ", "\t", "\x00", "é", "\U0001f600", "x" * 70,
]  # fmt: skip

ROLE_NAMES = [
    "app", "team", "postgres", "rdsadmin", "rds_superuser", "rds_password", "rds_iam",
    "pg_monitor", "pg_read_all_data", "pg_x", "new_role", "other", '"Mixed Case"', '"a b"',
    "public", "none", "current_user", "session_user", "x" * 70,
]  # fmt: skip
ROLE_OPTIONS = [
    "LOGIN", "NOLOGIN", "SUPERUSER", "NOSUPERUSER", "CREATEDB", "CREATEROLE", "NOCREATEROLE",
    "INHERIT", "NOINHERIT", "REPLICATION", "BYPASSRLS", "CONNECTION LIMIT 3",
    "CONNECTION LIMIT -2", "PASSWORD 'pw'", "PASSWORD NULL", "ENCRYPTED PASSWORD 'x'",
    "PASSWORD 'md5d41d8cd98f00b204e9800998ecf8427e'", "VALID UNTIL 'infinity'",
    "VALID UNTIL 'not a date'", "IN ROLE team", "ROLE app", "ADMIN app", "SYSID 5",
]  # fmt: skip
GUCS = [
    "password_encryption", "role", "search_path", "rds.restrict_password_commands",
    "log_statement", "session_authorization", "work_mem", "no_such_guc",
]  # fmt: skip
GUC_VALUES = ["'md5'", "'scram-sha-256'", "DEFAULT", "app", "'1'", "on", "'all'", "64", "''"]


def _sql_statement() -> st.SearchStrategy[str]:
    """One statement from the role grammar's templates, with words drawn from the pools."""
    name = st.sampled_from(ROLE_NAMES)
    names = st.lists(name, min_size=1, max_size=3).map(", ".join)
    options = st.lists(st.sampled_from(ROLE_OPTIONS), max_size=3).map(" ".join)
    guc = st.sampled_from(GUCS)
    value = st.sampled_from(GUC_VALUES)
    templates = [
        st.builds("CREATE ROLE {} {}".format, name, options),
        st.builds("CREATE USER {} WITH {}".format, name, options),
        st.builds("ALTER ROLE {} {}".format, name, options),
        st.builds("ALTER ROLE {} RENAME TO {}".format, name, name),
        st.builds("ALTER ROLE {} SET {} = {}".format, name, guc, value),
        st.builds("ALTER ROLE {} IN DATABASE postgres RESET {}".format, name, guc),
        st.builds("DROP ROLE {}".format, names),
        st.builds("DROP ROLE IF EXISTS {}".format, names),
        st.builds("GRANT {} TO {}".format, names, names),
        st.builds("GRANT {} TO {} WITH ADMIN OPTION".format, names, name),
        st.builds("GRANT {} TO {} WITH INHERIT FALSE, SET TRUE".format, name, name),
        st.builds("GRANT {} TO {} GRANTED BY {}".format, name, name, name),
        st.builds("REVOKE {} FROM {}".format, names, names),
        st.builds("REVOKE ADMIN OPTION FOR {} FROM {} CASCADE".format, name, name),
        st.builds("SET ROLE {}".format, name),
        st.builds("SET SESSION AUTHORIZATION {}".format, name),
        st.builds("SET {} = {}".format, guc, value),
        st.builds("SET LOCAL {} TO {}".format, guc, value),
        st.builds("RESET {}".format, guc),
        st.builds("SHOW {}".format, guc),
        st.builds("SELECT pg_has_role('{}', 'member')".format, name),
        st.builds("DO $$ BEGIN EXECUTE 'CREATE ROLE {}'; END $$".format, name),
        st.sampled_from(
            ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s", "ROLLBACK TO s", "RELEASE s",
             "RESET ROLE", "RESET SESSION AUTHORIZATION", "SELECT current_user, session_user",
             "CREATE EXTENSION pgcrypto", "PREPARE TRANSACTION 'x'", "END", "ABORT"]
        ),
    ]  # fmt: skip
    return st.one_of(templates)


SQL_TEXT: st.SearchStrategy[str] = st.one_of(
    st.text(max_size=80),
    wide_text(max_size=40),
    st.lists(_sql_statement(), min_size=1, max_size=4).map("; ".join),
    st.lists(_sql_statement(), min_size=1, max_size=4).map("; ".join),
    st.lists(st.sampled_from(SQL_WORDS), max_size=16).map(" ".join),
    st.lists(st.one_of(st.sampled_from(SQL_WORDS), st.text(max_size=5)), max_size=16).map("".join),
)

# -- connection strings ----------------------------------------------------------------------

CONNINFO_KEYS = [
    "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslrootcert",
    "sslcert", "sslkey", "sslnegotiation", "sslsni", "require_auth", "channel_binding",
    "gssencmode", "target_session_attrs", "load_balance_hosts", "connect_timeout", "service",
    "passfile", "options", "application_name", "ssl", "sslfactory", "sslpassword",
    "sslhostnameverifier", "loggerLevel", "unknownkey", "",
]  # fmt: skip
CONNINFO_VALUES = [
    "disable", "allow", "prefer", "require", "verify-ca", "verify-full", "direct",
    "postgres", "app", "rdsadmin", "global-bundle.pem", "system", "missing.pem",
    "correct-horse-battery", "app-password", "5432", "0", "-1", "65536", "99999999999",
    "203.0.113.10", "127.0.0.1", "::1", "[::1]", "localhost", "true", "false", "1", "",
    "'quoted value'", "'unterminated", "\\", "a\\'b", "scram-sha-256", "!md5", "none",
    "org.postgresql.ssl.NonValidatingFactory", "%", "%zz", "%41", "a,b", ",", "@",
]  # fmt: skip
URI_PIECES = [
    "postgresql://", "postgres://", "jdbc:postgresql://", "jdbc:postgresql:", "jdbc:", "//",
    "@", ":", "/", "?", "&", "=", "[", "]", ",", "%", "%20", "%zz", "#", "user", "pw",
    "postgres", "5432", "prod", "sslmode", "verify-full", "ssl", "true",
]  # fmt: skip


def connection_texts(hosts: list[str]) -> st.SearchStrategy[str]:
    """Text, keyword/value strings, URIs and JDBC URLs around the world's endpoints."""
    value = st.one_of(st.sampled_from(CONNINFO_VALUES + hosts), wide_text(max_size=12))
    pair = st.builds(
        lambda k, sep, v: f"{k}{sep}{v}",
        st.one_of(st.sampled_from(CONNINFO_KEYS), wide_text(max_size=6)),
        st.sampled_from(["=", " = ", "", "==", "= "]),
        value,
    )
    keyword_value = st.lists(pair, max_size=8).map(" ".join)
    query = st.lists(pair, max_size=5).map("&".join)
    uri = st.builds(
        lambda scheme, auth, host, port, db, q: f"{scheme}{auth}{host}{port}{db}{q}",
        st.sampled_from(["postgresql://", "postgres://", "jdbc:postgresql://", "jdbc:postgresql:"]),
        st.sampled_from(["", "postgres@", "postgres:correct-horse-battery@", "app:x@", "@", ":@"]),
        st.one_of(st.sampled_from([*hosts, "", "[::1]", "[", "h1,h2"]), wide_text(max_size=8)),
        st.sampled_from(["", ":5432", ":", ":abc", ":0", ":99999"]),
        st.sampled_from(["", "/", "/postgres", "/%zz", "//x"]),
        st.one_of(st.just(""), query.map(lambda q: "?" + q)),
    )
    pieces = st.lists(st.sampled_from(URI_PIECES + hosts), max_size=12).map("".join)
    return st.one_of(wide_text(max_size=60), keyword_value, uri, pieces)


# -- botocore-shaped keyword arguments ---------------------------------------------------------

#: Strings an operation's handler branches on (names of the world, engine words, ...).
AWS_STRINGS = [
    "prod", "prod-1", "custom", "custom-db", "default.aurora-postgresql15", "aurora-postgresql",
    "aurora-postgresql15", "aurora-postgresql16", "postgres", "aurora-mysql", "15.4", "16.1",
    "15", "db.r6g.large", "db.t3.medium", "db.serverless", "rds.force_ssl",
    "rds.restrict_password_commands", "password_encryption", "log_statement", "immediate",
    "pending-reboot", "1", "0", "md5", "tcp", "udp", "icmp", "-1", "all", "0.0.0.0/0",
    "203.0.113.0/24", "10.0.0.0/33", "::/0", "2001:db8::/129", "sg-", "vpc-", "default",
    "db-cluster-id", "engine", "name", "", " ", "-", "a--b", "x" * 300, "é",
]  # fmt: skip


def _string(world_names: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(AWS_STRINGS + world_names), wide_text(max_size=20))


def shaped(
    shapes: ModuleType, shape_name: str, world_names: list[str], depth: int = 0
) -> st.SearchStrategy[Any]:
    """A value of ``shape_name`` that mostly passes botocore's validation (and sometimes not)."""
    shape = shapes.SHAPES[shape_name]
    kind = shape[0]
    if depth > 4:
        return JSON_LIKE
    if kind == "structure":
        members: dict[str, str] = shape[1]
        required: tuple[str, ...] = shape[2]
        optional = sorted(set(members) - set(required))
        if not members:
            return st.just({})
        # A few optional members at a time: with all of them, the first unmodelled parameter
        # would answer UnsupportedByEmulator before the handler reaches the others.
        subsets = (
            st.lists(st.sampled_from(optional), max_size=3, unique=True)
            if optional
            else st.just([])
        )
        return subsets.flatmap(
            lambda chosen: st.fixed_dictionaries(
                {
                    name: shaped(shapes, members[name], world_names, depth + 1)
                    for name in (*required, *chosen)
                }
            )
        )
    if kind == "list":
        return st.lists(shaped(shapes, shape[1], world_names, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(
            shaped(shapes, shape[1], world_names, depth + 1),
            shaped(shapes, shape[2], world_names, depth + 1),
            max_size=3,
        )
    if kind == "string":
        return _string(world_names)
    if kind in ("integer", "long"):
        return st.one_of(
            st.sampled_from([0, 1, -1, 5432, 65535, 65536, 2**31, -(2**31) - 1]), st.integers()
        )
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats()
    return JSON_LIKE


def kwargs_for(
    shapes: ModuleType, operation: str, world_names: list[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``operation``: shaped, shaped with JSON noise, or pure JSON."""
    good = shaped(shapes, shapes.OPERATIONS[operation], world_names)
    members = list(shapes.SHAPES[shapes.OPERATIONS[operation]][1])
    noisy = st.dictionaries(st.sampled_from(members), JSON_LIKE, max_size=4)
    mixed = st.builds(lambda a, b: {**a, **b}, good, noisy)
    pure = st.dictionaries(wide_text(max_size=10), JSON_LIKE, max_size=4)
    return st.one_of(good, good, mixed, noisy, pure)


# -- IAM policy documents ----------------------------------------------------------------------

POLICY_KEYS = [
    "Version", "Id", "Statement", "Sid", "Effect", "Action", "NotAction", "Resource",
    "NotResource", "Principal", "NotPrincipal", "Condition",
]  # fmt: skip
POLICY_VALUES = [
    "2012-10-17", "2008-10-17", "Allow", "Deny", "*", "rds:*", "rds:Describe*",
    "rds:CreateDBCluster", "rds-db:connect", "iam:PassRole", "ec2:*", "s3", ":", "rds:",
    "arn:aws:rds:us-east-1:123456789012:cluster:prod", "arn:aws:rds:*:*:db:*",
    "arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABC/app", "arn:aws:iam::*:role/*",
    "${aws:username}", "${aws:username", "$", "AWS", "Service", "Federated",
    "rds.amazonaws.com", "StringEquals", "StringLike", "ArnLike", "IpAddress",
    "NotIpAddress", "Bool", "NumericLessThan", "DateGreaterThan", "Null", "ForAnyValue:StringLike",
    "ForAllValues:StringEquals", "StringEqualsIfExists", "aws:SourceIp", "aws:username",
    "rds:DatabaseEngine", "aws:RequestTag/env", "aws:CurrentTime", "203.0.113.0/24",
    "10.0.0.0/33", "true", "123", "2026-01-01T00:00:00Z", "",
]  # fmt: skip


def _policy_value() -> st.SearchStrategy[Any]:
    leaf = st.one_of(st.sampled_from(POLICY_VALUES), SCALARS)
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(
                st.one_of(st.sampled_from(POLICY_KEYS + POLICY_VALUES), wide_text(max_size=8)),
                children,
                max_size=4,
            ),
        ),
        max_leaves=16,
    )


def _statement() -> st.SearchStrategy[dict[str, Any]]:
    value = _policy_value()
    return st.fixed_dictionaries(
        {},
        optional={
            "Sid": st.one_of(st.sampled_from(["", "a", "A1", "bad sid"]), value),
            "Effect": st.one_of(st.sampled_from(["Allow", "Deny", "allow", ""]), value),
            "Action": value,
            "NotAction": value,
            "Resource": value,
            "NotResource": value,
            "Principal": value,
            "NotPrincipal": value,
            "Condition": st.one_of(
                st.dictionaries(
                    st.sampled_from(POLICY_VALUES),
                    st.dictionaries(st.sampled_from(POLICY_VALUES), value, max_size=2),
                    max_size=2,
                ),
                value,
            ),
        },
    )


CONDITION_OPERATORS = [
    "StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
    "ArnLike", "ArnEquals", "IpAddress", "NotIpAddress", "Bool", "NumericLessThan",
    "NumericEquals", "DateGreaterThan", "DateLessThan", "Null", "BinaryEquals",
    "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists",
    "IpAddressIfExists", "NumericLessThanIfExists", "stringequals", "Bogus",
]  # fmt: skip
CONTEXT_KEYS = [
    "aws:SourceIp", "aws:username", "aws:PrincipalTag/team", "aws:RequestTag/env",
    "aws:TagKeys", "aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:MultiFactorAuthAge",
    "rds:DatabaseEngine", "rds:DatabaseClass", "rds:cluster-pg-tag/env", "rds:Vpc", "s3:prefix",
]  # fmt: skip


def _plausible_statement() -> st.SearchStrategy[dict[str, Any]]:
    """A statement that mostly passes IAM's syntax check, so the grammar behind it is reached."""
    word = st.one_of(st.sampled_from(POLICY_VALUES), wide_text(max_size=8))
    words = st.one_of(word, st.lists(word, min_size=1, max_size=3))
    principal = st.one_of(
        st.just("*"),
        st.dictionaries(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]), words,
                        min_size=1, max_size=2),
    )  # fmt: skip
    condition = st.dictionaries(
        st.one_of(st.sampled_from(CONDITION_OPERATORS), st.sampled_from(POLICY_VALUES)),
        st.dictionaries(
            st.one_of(st.sampled_from(CONTEXT_KEYS), st.sampled_from(POLICY_VALUES)),
            st.one_of(words, st.booleans(), st.integers(), st.floats(allow_nan=False)),
            min_size=1,
            max_size=2,
        ),
        max_size=2,
    )
    action = st.sampled_from(
        ["*", "rds:*", "rds:Describe*", "rds:CreateDBCluster", "rds-db:connect"]
    )
    resource = st.sampled_from(
        ["*", "arn:aws:rds:us-east-1:123456789012:cluster:prod", "arn:aws:rds:*:*:db:*"]
    )
    return st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": st.one_of(action, words),
            "Resource": st.one_of(resource, words),
        },
        optional={
            "Sid": st.sampled_from(["", "a", "A1", "bad sid"]),
            "Principal": st.one_of(principal, principal, words),
            "Condition": condition,
        },
    )


def _document() -> st.SearchStrategy[Any]:
    statement = st.one_of(_plausible_statement(), _plausible_statement(), _statement())
    return st.one_of(
        st.fixed_dictionaries(
            {
                "Version": st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"]),
                "Statement": st.one_of(statement, st.lists(statement, min_size=1, max_size=3)),
            },
            optional={"Id": st.sampled_from(["id", ""])},
        ),
        st.fixed_dictionaries(
            {},
            optional={
                "Version": st.one_of(st.sampled_from(["2012-10-17", "2008-10-17", ""]), SCALARS),
                "Id": SCALARS,
                "Statement": st.one_of(statement, st.lists(statement, max_size=3), JSON_LIKE),
            },
        ),
        JSON_LIKE,
    )


def _json_text(value: Any) -> str:
    return json.dumps(value)  # NaN and Infinity appear as IAM would not accept them


def _valid_statement() -> st.SearchStrategy[dict[str, Any]]:
    """A statement from well-formed parts only (the evaluator's input, not the parser's)."""
    action = st.sampled_from(
        ["*", "rds:*", "rds:Describe*", "rds:CreateDBCluster", "rds-db:connect", "ec2:*",
         "iam:PassRole", "rds:*Cluster*", "RDS:describedbclusters"]
    )  # fmt: skip
    resource = st.sampled_from(
        ["*", "arn:aws:rds:us-east-1:123456789012:cluster:prod", "arn:aws:rds:*:*:db:*",
         "arn:aws:rds-db:us-east-1:123456789012:dbuser:*/app", "arn:aws:iam::*:role/${aws:username}"]
    )  # fmt: skip
    value = st.sampled_from(
        ["prod", "*", "203.0.113.0/24", "10.0.0.0/8", "true", "false", "5", "2026-01-01T00:00:00Z",
         "aurora-postgresql", "${aws:username}", "a?c*", "dGVzdA=="]
    )  # fmt: skip
    condition = st.dictionaries(
        st.sampled_from(CONDITION_OPERATORS[:-2]),
        st.dictionaries(
            st.sampled_from(CONTEXT_KEYS),
            st.one_of(value, st.lists(value, min_size=1, max_size=2)),
            min_size=1,
            max_size=2,
        ),
        min_size=1,
        max_size=2,
    )
    return st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": st.one_of(action, st.lists(action, min_size=1, max_size=3)),
            "Resource": st.one_of(resource, st.lists(resource, min_size=1, max_size=2)),
        },
        optional={"Sid": st.sampled_from(["S1", "Two"]), "Condition": condition},
    )


#: Identity policies that pass the syntax check more often than not.
NEAR_VALID_POLICY: st.SearchStrategy[str] = st.fixed_dictionaries(
    {
        "Version": st.just("2012-10-17"),
        "Statement": st.lists(
            st.one_of(_valid_statement(), _valid_statement(), _plausible_statement()),
            min_size=1,
            max_size=3,
        ),
    }
).map(_json_text)

POLICY_TEXT: st.SearchStrategy[str] = st.one_of(
    NEAR_VALID_POLICY,
    NEAR_VALID_POLICY,
    wide_text(max_size=60),
    _document().map(_json_text),
    st.lists(
        st.one_of(
            st.sampled_from(["{", "}", "[", "]", ",", ":", '"', "\\", '"Statement"', '"Allow"']),
            st.sampled_from(POLICY_VALUES).map(json.dumps),
        ),
        max_size=20,
    ).map("".join),
)
