"""Replay a conformance case on the emulator, the way the oracle harness runs it on a server.

One session authenticated as the bootstrap superuser ``rdsadmin``: BEGIN, the setup, SET
SESSION AUTHORIZATION to the case's role, then each statement inside a savepoint (rolled back
to on error, released on success), and the outcomes in the recording's format.
"""

from __future__ import annotations

from typing import Any

from aurora_sec.aws.rds.configuration import engine_defaults
from aurora_sec.engine.bootstrap import bootstrap_catalog
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.database import Database
from aurora_sec.engine.result import Result
from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from aurora_sec.sql.statements import ServerMessage
from aurora_sec.versions import EngineVersion

__all__ = ["VERSIONS", "emulated_case", "new_session"]

#: The engine version each oracle major is compared with.
VERSIONS = {15: EngineVersion(15, 4), 16: EngineVersion(16, 4)}


def new_session(major: int, user: str = "rdsadmin") -> Session:
    version = VERSIONS[major]
    database = Database(
        version,
        lambda: bootstrap_catalog(version.major, "postgres", None),
        salt=lambda n: n.to_bytes(16, "big"),
    )
    config = EngineConfig(version, engine_defaults(version))
    return Session(database, lambda: config, user)


def _notices(messages: tuple[ServerMessage, ...]) -> list[dict[str, Any]]:
    return [
        {
            "severity": m.severity,
            "sqlstate": m.sqlstate,
            "message": m.message,
            "detail": m.detail,
            "hint": m.hint,
        }
        for m in messages
    ]


def _ok(result: Result) -> dict[str, Any]:
    record: dict[str, Any] = {"ok": True, "tag": result.tag, "notices": _notices(result.notices)}
    if result.rows is not None:
        record["rows"] = [list(row) for row in result.rows]
    return record


def _error(err: PostgresError) -> dict[str, Any]:
    return {
        "ok": False,
        "sqlstate": err.sqlstate,
        "severity": err.severity,
        "message": err.message,
        "detail": err.detail,
        "hint": err.hint,
        "position": err.position,
        "notices": _notices(tuple(err.notices)),
    }


def emulated_case(
    major: int, setup: list[str], role: str, statements: list[str]
) -> list[dict[str, Any]]:
    session = new_session(major)
    session.execute("BEGIN")
    for statement in setup:
        session.execute(statement)
    session.execute(f'SET SESSION AUTHORIZATION "{role}"')
    out: list[dict[str, Any]] = []
    for statement in statements:
        session.execute("SAVEPOINT oracle_statement")
        try:
            result = session.execute(statement)
        except PostgresError as err:
            session.execute("ROLLBACK TO SAVEPOINT oracle_statement")
            out.append(_error(err))
        else:
            session.execute("RELEASE SAVEPOINT oracle_statement")
            out.append(_ok(result))
    session.execute("ROLLBACK")
    return out
