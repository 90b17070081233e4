"""One statement's outcome as plain data, the same for the real servers and the emulator.

A record keeps what a client sees: the command tag or the error (SQLSTATE, severity, message,
DETAIL, HINT, position), the NOTICE/WARNING lines, and the rows (as text, the way psql shows
them) for statements that return rows.
"""

from __future__ import annotations

from typing import Any

from tests.oracle.servers import Outcome

__all__ = ["outcome_record", "text_value"]


def text_value(value: Any) -> str | None:
    """A value as PostgreSQL's text output shows it (booleans as t/f, arrays as ``{a,b}``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join(_array_element(v) for v in value) + "}"
    return str(value)


def _array_element(value: Any) -> str:
    """array_out's quoting of one element: NULL bare; quoted when empty, spelled NULL, or
    holding a brace, comma, quote, backslash or blank."""
    text = text_value(value)
    if text is None:
        return "NULL"
    if text == "" or text.upper() == "NULL" or any(c in text for c in '{},"\\ \t\n\r\v\f'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def outcome_record(outcome: Outcome) -> dict[str, Any]:
    record: dict[str, Any] = {"ok": outcome.ok}
    if outcome.ok:
        record["tag"] = outcome.command_tag
    else:
        record.update(
            sqlstate=outcome.sqlstate,
            severity=outcome.severity,
            message=outcome.message_primary,
            detail=outcome.detail,
            hint=outcome.hint,
            position=outcome.position,
        )
    record["notices"] = [
        {
            "severity": n.severity,
            "sqlstate": n.sqlstate,
            "message": n.message,
            "detail": n.detail,
            "hint": n.hint,
        }
        for n in outcome.notices
    ]
    if outcome.rows is not None:
        record["rows"] = [[text_value(v) for v in row] for row in outcome.rows]
    return record
