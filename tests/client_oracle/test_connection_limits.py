"""Connection slots against real PostgreSQL 15 and 16: the same startups, the same answers.

A real server with ``max_connections = 6`` and two superuser-reserved slots (16: plus one
``reserved_connections`` slot, used by ``pg_use_reserved_connections``, which rds_superuser
is granted) runs one scenario of opens and closes through real libpq (psycopg); the
emulator's :class:`aurora_sec.engine.server.InstanceServer` runs the same scenario with the
same limits in its configuration (16: ``rds.rds_superuser_reserved_connections = 1`` in the
place of ``reserved_connections``). Every step must give the same outcome: accepted, or the
same FATAL text and SQLSTATE (read from the server log: libpq does not pass a startup
error's SQLSTATE to the application).

The scenario reaches each check and their order: ``CONNECTION LIMIT`` (superusers exempt),
after authentication and after ``NOLOGIN``; the reserved slots, before the database check;
``sorry, too many clients already`` before pg_hba and authentication; closing frees a slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from aurora_sec.aws.rds.configuration import engine_defaults
from aurora_sec.client.negotiation import Accepted, Fatal, PasswordRequired, Startup
from aurora_sec.engine.bootstrap import bootstrap_catalog
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.database import Database
from aurora_sec.engine.server import ConnectionSlots, InstanceServer
from aurora_sec.engine.session import Session
from aurora_sec.secrets import Secret
from aurora_sec.versions import EngineVersion
from tests.client_oracle.limits_server import LimitsPgServer, start_limits_server

VERSIONS = {15: EngineVersion(15, 4), 16: EngineVersion(16, 4)}

#: The real server's limits per major, and the emulator's configuration for the same slots.
REAL_LIMITS = {
    15: {"max_connections": "6", "superuser_reserved_connections": "2"},
    16: {
        "max_connections": "6",
        "superuser_reserved_connections": "2",
        "reserved_connections": "1",
    },
}
EMULATED_LIMITS = {
    15: {
        "max_connections": "6",
        "superuser_reserved_connections": "2",
        "rds.rds_superuser_reserved_connections": "0",
    },
    16: {
        "max_connections": "6",
        "superuser_reserved_connections": "2",
        "rds.rds_superuser_reserved_connections": "1",
    },
}

SETUP = (
    "CREATE ROLE app LOGIN PASSWORD 'app-pw'",
    "CREATE ROLE lim LOGIN CONNECTION LIMIT 1 PASSWORD 'lim-pw'",
    "CREATE ROLE zero LOGIN CONNECTION LIMIT 0 PASSWORD 'zero-pw'",
    "CREATE ROLE nolog NOLOGIN PASSWORD 'nolog-pw'",
    "CREATE ROLE nolim NOLOGIN CONNECTION LIMIT 0 PASSWORD 'nolim-pw'",
    "CREATE ROLE su SUPERUSER LOGIN CONNECTION LIMIT 1 PASSWORD 'su-pw'",
    "CREATE ROLE boss LOGIN PASSWORD 'boss-pw'",
    "GRANT rds_superuser TO boss",
)
SETUP_16 = ("GRANT pg_use_reserved_connections TO rds_superuser",)

PASSWORDS = {name: f"{name}-pw" for name in ("app", "lim", "zero", "nolog", "nolim", "su", "boss")}

# (step, name, user, password or None for the right one, database)
Step = tuple[str, str, str, str | None, str]
SCENARIO: tuple[Step, ...] = (
    ("open", "z1", "zero", None, "postgres"),
    ("open", "n1", "nolog", None, "postgres"),
    ("open", "n3", "nolim", None, "postgres"),
    ("open", "l1", "lim", None, "postgres"),
    ("open", "l2", "lim", None, "postgres"),
    ("open", "l3", "lim", "wrong", "postgres"),
    ("open", "n2", "nolog", "wrong", "postgres"),
    ("open", "a1", "app", None, "postgres"),
    ("open", "a2", "app", None, "postgres"),
    ("open", "a3", "app", None, "postgres"),
    ("open", "b1", "boss", None, "postgres"),
    ("open", "a4", "app", None, "postgres"),
    ("open", "b2", "boss", None, "postgres"),
    ("open", "l4", "lim", None, "postgres"),
    ("open", "a5", "app", None, "nosuch"),
    ("open", "s1", "su", None, "postgres"),
    ("open", "s2", "su", None, "postgres"),
    ("open", "s3", "su", None, "postgres"),
    ("open", "s4", "su", None, "postgres"),
    ("open", "x1", "app", "wrong", "postgres"),
    ("open", "x2", "nobody", None, "postgres"),
    ("open", "x3", "su", None, "nosuch"),
    ("close", "a1", "", None, ""),
    ("open", "a6", "app", None, "nosuch"),
    ("open", "s5", "su", None, "nosuch"),
    ("open", "s6", "su", None, "postgres"),
    ("close", "s1", "", None, ""),
    ("close", "s2", "", None, ""),
    ("close", "s3", "", None, ""),
    ("close", "l1", "", None, ""),
    ("open", "l5", "lim", None, "postgres"),
    ("open", "a7", "app", None, "postgres"),
    ("close", "l1", "", None, ""),
)

Result = tuple[str, ...]


def _password(user: str, given: str | None) -> str:
    return given if given is not None else PASSWORDS.get(user, "none-pw")


def run_real(server: LimitsPgServer) -> list[Result]:
    with server.local_connect() as setup:
        for statement in SETUP + (SETUP_16 if server.major >= 16 else ()):
            setup.execute(statement)
    server.wait_for_backends(0)
    open_: dict[str, psycopg.Connection[Any]] = {}
    results: list[Result] = []
    for step, name, user, password, dbname in SCENARIO:
        if step == "close":
            if name in open_:
                open_.pop(name).close()
            results.append(("closed",))
        else:
            logged = len(server.fatal_sqlstates())
            try:
                open_[name] = psycopg.connect(
                    host=server.host,
                    port=server.port,
                    user=user,
                    password=_password(user, password),
                    dbname=dbname,
                    sslmode="disable",
                    connect_timeout=10,
                )
                results.append(("ok",))
            except psycopg.OperationalError as exc:
                message = str(exc).rsplit("FATAL:  ", 1)[1].strip()
                server.wait_for_backends(len(open_))
                fatals = server.fatal_sqlstates()[logged:]
                assert [m for _, m in fatals] == [message], fatals
                results.append((fatals[0][0], message))
        server.wait_for_backends(len(open_))
    for left in open_.values():
        left.close()
    return results


def run_emulated(major: int) -> list[Result]:
    version = VERSIONS[major]
    database = Database(
        version,
        lambda: bootstrap_catalog(version.major, "postgres", None),
        salt=lambda n: n.to_bytes(16, "big"),
    )
    config = EngineConfig(version, {**engine_defaults(version), **EMULATED_LIMITS[major]})
    setup = Session(database, lambda: config, "rdsadmin")
    for statement in SETUP + (SETUP_16 if major >= 16 else ()):
        setup.execute(statement)
    server = InstanceServer(
        database,
        lambda: config,
        lambda versions: pytest.fail("no TLS in this scenario"),
        client_address="127.0.0.1",
        now=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        check_token=lambda user, token: False,
        slots=ConnectionSlots(),
    )
    open_: dict[str, Accepted] = {}
    results: list[Result] = []
    for step, name, user, password, dbname in SCENARIO:
        if step == "close":
            accepted = open_.pop(name, None)
            if accepted is not None and accepted.close is not None:
                accepted.close()
                accepted.close()  # closing twice is harmless
            results.append(("closed",))
            continue
        verdict = server.decide(Startup(False, user, dbname, Secret(_password(user, password))))
        if isinstance(verdict, Accepted):
            open_[name] = verdict
            results.append(("ok",))
        else:
            assert not isinstance(verdict, PasswordRequired)
            assert isinstance(verdict, Fatal)
            results.append((verdict.sqlstate, verdict.message))
    return results


@pytest.fixture(scope="module", params=(15, 16), ids=("pg15", "pg16"))
def real_results(request: pytest.FixtureRequest) -> Iterator[tuple[int, list[Result]]]:
    major: int = request.param
    server = start_limits_server(major, REAL_LIMITS[major])
    try:
        yield major, run_real(server)
    finally:
        server.stop()


def test_the_scenario_reaches_every_check(real_results: tuple[int, list[Result]]) -> None:
    major, results = real_results
    texts = {r[1] for r in results if len(r) == 2}
    assert "sorry, too many clients already" in texts
    assert 'too many connections for role "lim"' in texts
    assert 'too many connections for role "zero"' in texts
    assert any(t.startswith("remaining connection slots are reserved") for t in texts)
    assert 'database "nosuch" does not exist' in texts
    assert 'role "nolim" is not permitted to log in' in texts  # LOGIN before CONNECTION LIMIT
    if major >= 16:
        assert any('"pg_use_reserved_connections"' in t for t in texts)
        assert any("SUPERUSER attribute" in t for t in texts)


def test_the_emulator_answers_every_step_as_the_real_server(
    real_results: tuple[int, list[Result]],
) -> None:
    major, real = real_results
    emulated = run_emulated(major)
    for step, want, got in zip(SCENARIO, real, emulated, strict=True):
        assert got == want, (step, want, got)
