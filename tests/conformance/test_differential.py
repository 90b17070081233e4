"""Random role statements, answered by the emulator exactly as by the real servers.

Hypothesis draws a role of the conformance world (``corpus.WORLD``) and a short script of role
statements over a small pool of names (existing roles, new ones, one that never exists):
CREATE/ALTER/RENAME/DROP ROLE with random options, GRANT/REVOKE with ADMIN and GRANTED BY,
ALTER ROLE ... SET/RESET, DO blocks (with EXECUTE of computed text), SET/RESET ROLE and
``pg_has_role``. Each script runs, as a conformance case does, on the real
PostgreSQL 15 and 16 the suite starts (``tests/oracle/servers.run_case``) and on the emulator
(``emulated.emulated_case``); every outcome (tag or error with DETAIL/HINT, notices, rows)
must be equal, and so must three reads of the catalogs after the script. The scripts stay inside stock PostgreSQL's behaviour: no name of Aurora's own
roles (rdsadmin, rds_*), whose rules differ from stock PostgreSQL on purpose (those are tested
against their sources in tests/engine/test_session.py).

The examples are derandomized, so CI replays the same 200 scripts per major every run;
``AURORA_DIFFERENTIAL_EXAMPLES`` sets how many, and ``AURORA_DIFFERENTIAL_RANDOM=1`` draws new
ones each run (to explore further; a failure found that way is then pinned with ``@example``).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance.corpus import WORLD
from tests.conformance.emulated import emulated_case
from tests.conformance.outcomes import outcome_record
from tests.oracle.servers import PgServer, run_case

EXAMPLES = int(os.environ.get("AURORA_DIFFERENTIAL_EXAMPLES", "200"))
DERANDOMIZE = not os.environ.get("AURORA_DIFFERENTIAL_RANDOM")

#: Who runs the script: a CREATEROLE user, a plain user, a superuser, a member of a CREATEROLE
#: role, a replication role.
RUNNERS = ["cr", "plain", "su", "cr_helper", "repl", "postgres", "bypu"]
#: Names a statement may mention: roles of the world, roles a script may create, and one
#: that never exists.
EXISTING = [
    "cr",
    "plain",
    "su",
    "target",
    "target2",
    "grp",
    "grp2",
    "repl",
    "cr_helper",
    "owner_r",
    "postgres",
    "pg_monitor",
]
NEW = ["d1", "d2"]
NAMES = EXISTING + NEW + ["nosuch", "public", "pg_new", "none"]

#: A name as a script may spell it: plain, or quoted (the same role, or, in capitals, none).
_name = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(lambda n: f'"{n}"'),
    st.sampled_from(['"Target"', "TARGET", '"D1"']),
)
_names = st.lists(_name, min_size=1, max_size=2).map(", ".join)
_spec = st.sampled_from([*NAMES, "CURRENT_USER", "SESSION_USER"])

_FLAGS = [
    "LOGIN",
    "NOLOGIN",
    "CREATEDB",
    "NOCREATEDB",
    "CREATEROLE",
    "NOCREATEROLE",
    "INHERIT",
    "NOINHERIT",
    "REPLICATION",
    "NOREPLICATION",
    "BYPASSRLS",
    "NOBYPASSRLS",
    "SUPERUSER",
    "NOSUPERUSER",
]
_option = st.one_of(
    st.sampled_from(_FLAGS),
    st.sampled_from(["CONNECTION LIMIT 3", "CONNECTION LIMIT -1", "CONNECTION LIMIT -2"]),
    st.sampled_from(
        [
            "PASSWORD 'pw1'",
            "ENCRYPTED PASSWORD 'pw2'",
            "PASSWORD ''",
            "PASSWORD NULL",
            "PASSWORD 'md5c9f8c4b4b37d8a1f4d1b04a1b5e2f3a4'",
            "PASSWORD 'md5' ",
            "VALID UNTIL 'infinity'",
            "VALID UNTIL '2030-01-01 12:00:00+02'",
            "VALID UNTIL '2030-13-01'",
            "VALID UNTIL 'garbage'",
        ]
    ),
)
_create_option = st.one_of(
    _option,
    _names.map(lambda n: f"IN ROLE {n}"),
    _names.map(lambda n: f"ROLE {n}"),
    _names.map(lambda n: f"ADMIN {n}"),
)
_options = st.lists(_option, max_size=3).map(" ".join)
_create_options = st.lists(_create_option, max_size=3).map(" ".join)

_statement = st.one_of(
    st.builds(
        lambda n, w, o: f"CREATE ROLE {n}{w} {o}".rstrip(),
        st.sampled_from([*NEW, "pg_new", "public", "none"]),
        st.sampled_from(["", " WITH"]),
        _create_options,
    ),
    st.builds(
        lambda kind, n, w, o: f"ALTER {kind} {n}{w} {o}".rstrip(),
        st.sampled_from(["ROLE", "ROLE", "USER"]),
        _spec,
        st.sampled_from(["", " WITH"]),
        _options,
    ),
    st.builds(lambda a, b: f"ALTER ROLE {a} RENAME TO {b}", _name, st.sampled_from(NEW + EXISTING)),
    st.builds(lambda e, n: f"DROP ROLE {'IF EXISTS ' if e else ''}{n}", st.booleans(), _names),
    st.builds(
        lambda g, m, options, by: (
            f"GRANT {g} TO {m}" + options + (f" GRANTED BY {by}" if by else "")
        ),
        _names,
        _names,
        st.sampled_from(
            [
                "",
                "",
                " WITH ADMIN OPTION",
                " WITH ADMIN TRUE",
                " WITH ADMIN FALSE",
                " WITH INHERIT FALSE",
                " WITH SET FALSE",
                " WITH INHERIT TRUE, SET FALSE",
            ]
        ),
        st.one_of(st.none(), _spec),
    ),
    st.builds(
        lambda option, g, m, by, cascade: (
            f"REVOKE {option}{g} FROM {m}"
            + (f" GRANTED BY {by}" if by else "")
            + (" CASCADE" if cascade else "")
        ),
        st.sampled_from(["", "", "ADMIN OPTION FOR ", "INHERIT OPTION FOR ", "SET OPTION FOR "]),
        _names,
        _names,
        st.one_of(st.none(), _spec),
        st.booleans(),
    ),
    st.builds(
        lambda g, verb, m: f"ALTER GROUP {g} {verb} USER {m}",
        _name,
        st.sampled_from(["ADD", "DROP"]),
        _names,
    ),
    st.builds(
        lambda kind, n, o: f"CREATE {kind} {n} {o}".rstrip(),
        st.sampled_from(["USER", "GROUP"]),
        st.sampled_from(NEW),
        _options,
    ),
    st.builds(
        lambda n, db, change: f"ALTER ROLE {n}{db} {change}",
        st.sampled_from([*NAMES, "ALL", "CURRENT_USER"]),
        st.sampled_from(["", "", " IN DATABASE postgres", " IN DATABASE nosuchdb"]),
        st.sampled_from(
            [
                "SET work_mem = 64",
                "SET work_mem = '1MB'",
                "SET work_mem = 'bogus'",
                "SET search_path = 'a b', c, public",
                "SET log_statement = 'all'",
                "SET custom.x = 1",
                "SET nosuch_param = 1",
                "SET work_mem = 1, 2",
                "SET statement_timeout TO DEFAULT",
                "RESET work_mem",
                "RESET custom.x",
                "RESET log_statement",
                "RESET ALL",
            ]
        ),
    ),
    st.builds(lambda n: f"SET ROLE {n}", st.sampled_from([*NAMES, "NONE"])),
    st.sampled_from(
        [
            "SET password_encryption = 'md5'",
            "SET password_encryption = 'scram-sha-256'",
            "RESET password_encryption",
            "SET createrole_self_grant = 'set, inherit'",
            "SET createrole_self_grant = 'inherit'",
            "SET createrole_self_grant = 'bogus'",
            "RESET createrole_self_grant",
            "DO $$BEGIN CREATE ROLE d1 LOGIN; END$$",
            "DO $$BEGIN GRANT grp TO d2; END$$",
            "DO $$BEGIN EXECUTE 'DROP ROLE ' || 'd1'; END$$",
            "DO $$BEGIN EXECUTE format('GRANT %I TO %I', 'grp2', 'd1'); END$$",
            "DO $$BEGIN CREATE ROLE d2; EXECUTE 'ALTER ROLE d2 ' || 'CREATEDB'; END$$",
            "DO $$BEGIN EXECUTE 'CREATE ROLE ' || quote_ident('D1'); END$$",
        ]
    ),
    st.just("RESET ROLE"),
    st.just("SELECT current_user, session_user"),
    st.builds(
        lambda a, b, p: f"SELECT pg_has_role('{a}', '{b}', '{p}')",
        _name,
        _name,
        st.sampled_from(["MEMBER", "USAGE"]),
    ),
)
_script = st.lists(_statement, min_size=1, max_size=8)


#: Read after every script: the attributes and settings of every role a script may touch, and how many
#: memberships (and ADMIN OPTIONs) there are (pg_auth_members holds oids, which differ).
_PROBES = [
    "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,"
    " rolreplication, rolconnlimit, rolbypassrls, rolconfig FROM pg_roles WHERE rolname IN ("
    + ", ".join(f"'{name}'" for name in EXISTING + NEW)
    + ") ORDER BY rolname",
    "SELECT rolname, rolvaliduntil IS NULL, left(rolpassword, 3) FROM pg_authid"
    " WHERE rolname IN (" + ", ".join(f"'{name}'" for name in EXISTING + NEW) + ") ORDER BY 1",
    "SELECT count(*) FROM pg_auth_members",
    "SELECT count(*) FROM pg_auth_members WHERE admin_option = true",
]


def _check(pg: PgServer, role: str, script: list[str]) -> None:
    statements = script + _PROBES
    real = [outcome_record(o) for o in run_case(pg, WORLD, role, statements)]
    emulated: list[Any] = emulated_case(pg.major, list(WORLD), role, statements)
    for statement, want, got in zip(statements, real, emulated, strict=True):
        assert got == want, f"pg{pg.major} as {role}: {statement}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role=st.sampled_from(RUNNERS), statements=_script)
def test_random_scripts_match_the_real_server(
    pg: PgServer, role: str, statements: list[str]
) -> None:
    _check(pg, role, statements)
