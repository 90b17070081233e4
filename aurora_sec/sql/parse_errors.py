"""Raw-parse errors: turn pglast's ``ParseError`` into the server's ``PostgresError``.

pglast (libpg_query) runs PostgreSQL's own scanner and grammar, so its messages are the
server's texts; what it drops is the SQLSTATE, the HINT and (at end of input) the position.
This module puts them back:

* SQLSTATE and HINT come from :data:`RAW_PARSE_ERRORS`, transcribed from the ``ereport`` calls
  of src/backend/parser/gram.y, scan.l and parser.c (18.3, identical texts in 15-17); anything
  else the grammar or scanner reports is ``scanner_yyerror``/``parser_yyerror``, i.e. 42601.
* The position is 1-based characters, as the server reports it (``lexer_errposition``):
  pglast gives a 0-based character index, and ``None`` at end of input, where the server
  reports ``len(query) + 1`` (verified on 15.18 and 16.2, with trailing blanks and comments).

Encoding errors (a NUL byte, a lone surrogate) never reach the parser on a real server: they
are reported as ``report_invalid_encoding`` does (src/backend/utils/mb/mbutils.c), 22021
``invalid byte sequence for encoding "UTF8": 0x..``. UNCONFIRMED: what a real client does with
such text differs (libpq stops at a NUL; the protocol cannot carry one), so this is the
server's answer for the bytes, not any one driver's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from aurora_sec.errors import PostgresError

__all__ = [
    "RAW_PARSE_ERRORS",
    "RawParseError",
    "encoding_error",
    "from_parse_error",
    "stack_depth_error",
]


@attrs.frozen
class RawParseError:
    """A raw-parser ``ereport``: its message pattern, SQLSTATE, HINT and DETAIL."""

    pattern: str
    sqlstate: str
    hint: str | None = None
    detail: str | None = None
    source: str = "gram.y"


def _e(
    pattern: str, sqlstate: str, hint: str | None = None, source: str = "gram.y"
) -> RawParseError:
    return RawParseError(pattern, sqlstate, hint, None, source)


#: Raw-parse errors that are *not* plain 42601 syntax errors, or that carry a HINT. Patterns
#: are the printf formats with ``%s``/``%d`` turned into wildcards.
RAW_PARSE_ERRORS: Sequence[RawParseError] = (
    _e(
        "UNENCRYPTED PASSWORD is no longer supported",
        "0A000",
        "Remove UNENCRYPTED to store the password in encrypted form instead.",
    ),
    _e('role name "%s" is reserved', "42939"),
    _e("%s cannot be used as a role name here", "42939"),
    _e("CREATE SCHEMA IF NOT EXISTS cannot include schema elements", "0A000"),
    _e("current database cannot be changed", "0A000"),
    _e("constraints cannot be altered to be NOT VALID", "0A000"),
    _e("MATCH PARTIAL not yet implemented", "0A000"),
    _e("a column list with %s is only supported for ON DELETE actions", "0A000"),
    _e("CREATE EXTENSION ... FROM is no longer supported", "0A000"),
    _e("CREATE OR REPLACE CONSTRAINT TRIGGER is not supported", "0A000"),
    _e("CREATE ASSERTION is not yet implemented", "0A000"),
    _e("dropping an enum value is not implemented", "0A000"),
    _e("aggregates cannot have output arguments", "0A000"),
    _e("WITH CHECK OPTION not supported on recursive views", "0A000"),
    _e("only string constants are supported in JSON_TABLE path specification", "0A000"),
    _e("UNIQUE predicate is not yet implemented", "0A000"),
    _e(
        "an ordered-set aggregate with a VARIADIC direct argument must have one VARIADIC "
        "aggregated argument of the same data type",
        "0A000",
    ),
    _e("%s constraints cannot be marked %s", "0A000"),
    _e("column number must be in range from 1 to %d", "22023"),
    _e("precision for type float must be at least 1 bit", "22023"),
    _e("precision for type float must be less than 54 bits", "22023"),
    _e("unrecognized JSON encoding: %s", "22023"),
    _e('unrecognized partitioning strategy "%s"', "22023"),
    _e("modulus for hash partition provided more than once", "42710"),
    _e("remainder for hash partition provided more than once", "42710"),
    _e("frame start cannot be UNBOUNDED FOLLOWING", "42P20"),
    _e("frame starting from following row cannot end with current row", "42P20"),
    _e("frame end cannot be UNBOUNDED PRECEDING", "42P20"),
    _e("frame starting from current row cannot have preceding rows", "42P20"),
    _e("frame starting from following row cannot have preceding rows", "42P20"),
    _e(
        'unrecognized row security option "%s"',
        "42601",
        "Only PERMISSIVE or RESTRICTIVE policies are supported currently.",
    ),
    _e("missing argument", "42601", "Use NONE to denote the missing argument of a unary operator."),
    _e("LIMIT #,# syntax is not supported", "42601", "Use separate LIMIT and OFFSET clauses."),
    RawParseError(
        "invalid publication object list",
        "42601",
        None,
        "One of TABLE or TABLES IN SCHEMA must be specified before a standalone table or "
        "schema name.",
    ),
    _e(
        "unsafe use of string constant with Unicode escapes",
        "0A000",
        source="scan.l",
    ),
    _e(
        "unsafe use of \\' in a string literal",
        "22P06",
        "Use '' to write quotes in strings. \\' is insecure in client-only encodings.",
        source="scan.l",
    ),
)

#: ``invalid Unicode escape`` exists twice: in scan.l for E'' strings (22025) and in parser.c
#: for U&'' strings and identifiers (42601), each with its own HINT.
_UNICODE_ESCAPE_E = ("22025", "Unicode escapes must be \\uXXXX or \\UXXXXXXXX.")
_UNICODE_ESCAPE_U = ("42601", "Unicode escapes must be \\XXXX or \\+XXXXXX.")

_COMPILED: tuple[tuple[re.Pattern[str], RawParseError], ...] = tuple(
    (
        re.compile(
            "".join(
                ".*" if part in ("%s", "%d") else re.escape(part)
                for part in re.split(r"(%s|%d)", e.pattern)
            )
        ),
        e,
    )
    for e in RAW_PARSE_ERRORS
)


def _lookup(message: str) -> RawParseError | None:
    for pattern, entry in _COMPILED:
        if pattern.fullmatch(message):
            return entry
    return None


def from_parse_error(message: str, index: int | None, sql: str) -> PostgresError:
    """The server's error for a pglast ``ParseError(message, index)`` on ``sql``.

    ``index`` is pglast's 0-based character index (``None`` at end of input).
    """
    if index is None:
        position = len(sql) + 1 if message.endswith("at end of input") else None
    else:
        position = index + 1
    sqlstate = "42601"
    hint: str | None = None
    detail: str | None = None
    if message == "invalid Unicode escape":
        sqlstate, hint = _UNICODE_ESCAPE_U if _in_unicode_literal(sql, index) else _UNICODE_ESCAPE_E
    else:
        entry = _lookup(message)
        if entry is not None:
            sqlstate, hint, detail = entry.sqlstate, entry.hint, entry.detail
    return PostgresError(sqlstate, message, detail=detail, hint=hint, position=position)


def _in_unicode_literal(sql: str, index: int | None) -> bool:
    """Whether the error index lies in a U&'...' string or U&"..." identifier."""
    if index is None:
        return False
    for match in _UNICODE_LITERAL.finditer(sql, 0, index + 1):
        if match.start() <= index < match.end():
            return True
    return False


_UNICODE_LITERAL = re.compile(r"""[uU]&(?:'(?:[^']|'')*'?|"(?:[^"]|"")*"?)""")


def encoding_error(sql: str) -> PostgresError | None:
    """22021 for text that is not valid UTF-8 on the wire (NUL bytes, lone surrogates).

    The server verifies the query string before parsing it; the message lists the bytes of
    the offending character (at most its UTF-8 length, ``pg_utf_mblen`` of its first byte).
    Returns ``None`` for valid text.
    """
    nul = sql.find("\x00")
    try:
        sql.encode("utf-8")
        bad = -1
    except UnicodeEncodeError as exc:
        bad = exc.start
    if nul < 0 and bad < 0:
        return None
    if nul >= 0 and (bad < 0 or nul < bad):
        shown = b"\x00"
    else:
        # a lone surrogate: its (invalid) UTF-8 bytes are ED A0..BF xx, 3 bytes (pg_utf_mblen)
        shown = sql[bad].encode("utf-8", "surrogatepass")[:3]
    text = " ".join(f"0x{b:02x}" for b in shown)
    return PostgresError("22021", f'invalid byte sequence for encoding "UTF8": {text}')


#: check_stack_depth() in src/backend/tcop/postgres.c (the text of 11-17; the setting in the
#: HINT is the default max_stack_depth, 2MB; UNCONFIRMED: Aurora may run another value).
STACK_DEPTH_HINT = (
    'Increase the configuration parameter "max_stack_depth" (currently 2048kB), after '
    "ensuring the platform's stack depth limit is adequate."
)


def stack_depth_error() -> PostgresError:
    """54001 ``stack depth limit exceeded`` with the server's HINT."""
    return PostgresError("54001", "stack depth limit exceeded", hint=STACK_DEPTH_HINT)
