"""``aurora-sec lint``: will these SQL scripts succeed on Aurora, statement by statement?

The scripts run as ``psql -f FILE`` without ``ON_ERROR_STOP`` runs them: the text is split
into statements the way psql's lexer splits it (on top-level semicolons; quotes, dollar quotes
and comments respected), each statement is sent on its own in one session, and a failing
statement is reported (line, SQLSTATE, message, DETAIL, HINT) before the run goes on with the
next one. Several files run in order in the same session, as ``psql -f a.sql -f b.sql`` does.

Passwords never reach any output: statements are shown by their ``redacted`` text, and the
password literals of a statement are scrubbed from the messages reported for it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
from pglast import parser as pg_parser

from aurora_sec import __version__
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.cli_commands import UsageError
from aurora_sec.cli_commands.output import Painter, line_and_column, sarif_log, to_json
from aurora_sec.cli_commands.world import CLUSTER_ID, build_cluster, parse_params, quote_ident
from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from aurora_sec.sql import classify

__all__ = [
    "StatementResult",
    "add_parser",
    "artifact_uri",
    "lint_files",
    "run",
    "split_psql",
    "split_script",
]

DEFAULT_ENGINE_VERSION = "16.4"
MASTER_USER = "postgres"
_LITERALS = frozenset({"SCONST", "USCONST", "XCONST", "BCONST"})
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_MASK = "'********'"
_QUOTED = re.compile(r"'(?:[^']|'')*'?")

EPILOG = """\
The emulated cluster: a fresh Aurora PostgreSQL cluster of --engine-version with every --param
applied (dynamic parameters at once, static ones with pending-reboot and a reboot). The role
--as is created LOGIN CREATEROLE (LOGIN only with --no-createrole) by the master user and
granted every --member-of role; the scripts then run in one session as that role. With
--as postgres (the default) they run as the master user, a member of rds_superuser.

Each statement is reported at the line (and column) where it starts, comments before it
skipped; positions the server reports are relative to the statement, as in psql.
Statements the emulator does not model (INSERT, UPDATE, ...: only role security is emulated)
are reported as "unsupported" and do not fail the run unless --strict is given; psql
meta-commands (\\set, \\connect, ...) are reported as "skipped".

Exit status: 0 when every statement succeeded, 1 when at least one failed, 2 for bad usage
(a missing file, an unknown engine version or parameter).

examples:
  aurora-sec lint migrations/*.sql --engine-version 15.4 --as app_owner
  aurora-sec lint rotate.sql --engine-version 15.4 \\
      --param rds.restrict_password_commands=1 --as helpdesk --member-of rds_password
  aurora-sec lint rotate.sql --param rds.restrict_password_commands=1 --as helpdesk \\
      --format sarif > lint.sarif
"""


@attrs.frozen
class StatementResult:
    """What happened to one statement of a script (never holds a password)."""

    file: str
    line: int
    column: int
    end_line: int
    statement: str
    status: str  # "ok", "error", "unsupported" or "skipped" (a psql meta-command)
    tag: str | None = None
    sqlstate: str | None = None
    severity: str | None = None
    message: str | None = None
    detail: str | None = None
    hint: str | None = None
    position: int | None = None
    notices: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def failed(self, *, strict: bool = False) -> bool:
        """An error; with ``strict``, a statement the emulator does not model counts too."""
        return self.status == "error" or (strict and self.status == "unsupported")

    def as_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["notices"] = list(self.notices)
        data["ok"] = self.ok
        return data


# ------------------------------------------------------------------------------- splitting


def _error_offset(text: str, err: Exception) -> int:
    """The character offset of a scanner error (pglast's ``ParseError`` index)."""
    index = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], int) else len(text)
    return max(0, min(index, len(text)))


def _token_slices(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """Statements of ``text`` by its tokens; or, if a statement starts with a backslash (a
    psql meta-command), ``([], offset)`` of that backslash."""
    try:
        tokens = pg_parser.scan(text)
        broken: int | None = None
    except pg_parser.ParseError as err:
        broken = _error_offset(text, err)
        tokens = pg_parser.scan(text[:broken]) if text[:broken].strip() else []
    out: list[tuple[int, int]] = []
    start: int | None = None
    last_end = 0
    depth = 0
    for token in tokens:
        if token.name in _COMMENTS:
            continue
        if token.name == "ASCII_92" and start is None:
            return [], int(token.start)
        if token.name == "ASCII_59" and depth == 0:  # ';' outside parentheses
            if start is not None:
                out.append((start, last_end))
            start = None
            continue
        if token.name == "ASCII_40":
            depth += 1
        elif token.name == "ASCII_41":
            depth = max(0, depth - 1)
        if start is None:
            start = int(token.start)
        last_end = int(token.end) + 1
    if broken is not None:
        # An unterminated quote or comment: psql sends the rest of the file at end of input.
        out.append((start if start is not None else broken, len(text)))
    elif start is not None:
        out.append((start, last_end))
    return out, None


def split_psql(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """``(statements, meta_commands)``: the ``(start, end)`` offsets of each statement psql
    would send (split at semicolons outside quotes, comments and parentheses; comments
    before a statement skipped), and of each backslash meta-command (which runs to the end
    of its line, as in psql)."""
    work = text
    metas: list[tuple[int, int]] = []
    while True:
        statements, meta = _token_slices(work)
        if meta is None:
            return statements, metas
        eol = work.find("\n", meta)
        eol = len(work) if eol < 0 else eol
        metas.append((meta, eol))
        work = work[:meta] + " " * (eol - meta) + work[eol:]


def split_script(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each SQL statement psql would send (see :func:`split_psql`)."""
    return split_psql(text)[0]


# ------------------------------------------------------------------------------- redaction


def _literal_tokens(chunk: str) -> list[tuple[int, int]]:
    try:
        tokens = pg_parser.scan(chunk)
    except pg_parser.ParseError:
        return []
    return [(int(t.start), int(t.end) + 1) for t in tokens if t.name in _LITERALS]


def _redact(chunk: str, engine_version: str) -> tuple[str, tuple[str, ...]]:
    """The chunk with its passwords masked, and the secret strings to scrub from messages.

    When the statement parses, its ``redacted`` text is used and the secrets are the literals
    it masked. When it does not (a syntax error), every string literal is masked.
    """
    literals = _literal_tokens(chunk)
    try:
        statements = classify(chunk, engine_version)
    except PostgresError:
        statements = ()
    if statements:
        redacted = "; ".join(s.redacted for s in statements)
        masked = [chunk[a:b] for a, b in literals if chunk[a:b] not in redacted]
    else:
        pieces: list[str] = []
        last = 0
        for a, b in literals:
            pieces.extend((chunk[last:a], _MASK))
            last = b
        pieces.append(chunk[last:])
        redacted = "".join(pieces)
        masked = [chunk[a:b] for a, b in literals]
    secrets: set[str] = set()
    for literal in masked:
        secrets.add(literal)
        inner = literal[literal.find("'") + 1 : -1] if "'" in literal else literal
        inner = inner.replace("''", "'")
        if len(inner) >= 3:
            secrets.add(inner)
    return redacted, tuple(sorted(secrets, key=len, reverse=True))


def _scrub(text: str | None, secrets: Sequence[str]) -> str | None:
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, "********")
    return text


# ------------------------------------------------------------------------------- running


def _notice_texts(notices: Sequence[Any], secrets: Sequence[str]) -> tuple[str, ...]:
    return tuple(_scrub(f"{n.severity}:  {n.message}", secrets) or "" for n in notices)


def _run_one(
    session: Session, file: str, text: str, start: int, end: int, engine_version: str
) -> StatementResult:
    chunk = text[start:end]
    redacted, secrets = _redact(chunk, engine_version)
    line, column = line_and_column(text, start)
    end_line, _ = line_and_column(text, max(start, end - 1))
    common: dict[str, Any] = {
        "file": file,
        "line": line,
        "column": column,
        "end_line": end_line,
        "statement": redacted,
    }
    try:
        result = session.execute(chunk)
    except PostgresError as err:
        return StatementResult(
            **common,
            status="error",
            sqlstate=err.sqlstate,
            severity=err.severity,
            message=_scrub(err.message, secrets),
            detail=_scrub(err.detail, secrets),
            hint=_scrub(err.hint, secrets),
            position=err.position,
            notices=_notice_texts(err.notices, secrets),
        )
    except UnsupportedByEmulator as err:
        return StatementResult(**common, status="unsupported", message=_scrub(str(err), secrets))
    return StatementResult(
        **common,
        status="ok",
        tag=result.tag,
        notices=_notice_texts(getattr(result, "notices", ()) or (), secrets),
    )


def lint_files(
    files: Sequence[tuple[str, str]],
    *,
    engine_version: str = DEFAULT_ENGINE_VERSION,
    params: dict[str, str] | None = None,
    role: str = MASTER_USER,
    member_of: Sequence[str] = (),
    createrole: bool = True,
) -> list[StatementResult]:
    """Run ``(name, text)`` scripts in one session as ``role`` on a fresh emulated cluster."""
    world = build_cluster(engine_version, params)
    account = world.account
    master = account.session(CLUSTER_ID)
    try:
        if role != MASTER_USER:
            master.execute(
                f"CREATE ROLE {quote_ident(role)} LOGIN" + (" CREATEROLE" if createrole else "")
            )
        for group in member_of:
            master.execute(f"GRANT {quote_ident(group)} TO {quote_ident(role)}")
    except PostgresError as err:
        raise UsageError(f"cannot set up role {role!r}: {err.text()}") from None
    session = account.session(CLUSTER_ID, role)
    results: list[StatementResult] = []
    for name, text in files:
        statements, metas = split_psql(text)
        work = [(start, end, False) for start, end in statements]
        work += [(start, end, True) for start, end in metas]
        for start, end, meta in sorted(work):
            if meta:
                results.append(_meta(name, text, start, end))
            else:
                results.append(_run_one(session, name, text, start, end, engine_version))
    return results


def _meta(file: str, text: str, start: int, end: int) -> StatementResult:
    line, column = line_and_column(text, start)
    return StatementResult(
        file=file,
        line=line,
        column=column,
        end_line=line,
        statement=_QUOTED.sub(_MASK, text[start:end].rstrip()),
        status="skipped",
        message="psql meta-command: not run by the emulator",
    )


# ------------------------------------------------------------------------------- rendering


def _one_line(statement: str, width: int = 100) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def render_text(results: Sequence[StatementResult], paint: Painter, summary: str) -> str:
    lines: list[str] = []
    for r in results:
        where = f"{r.file}:{r.line}:"
        if r.ok:
            lines.append(f"{where} {paint('ok', 'green')} {r.tag}  {_one_line(r.statement)}")
        elif r.status in ("unsupported", "skipped"):
            lines.append(f"{where} {paint(r.status, 'yellow')}  {_one_line(r.statement)}")
            lines.append(f"    {r.message}")
        else:
            lines.append(
                f"{where} {paint(f'{r.severity} {r.sqlstate}', 'red')}  {_one_line(r.statement)}"
            )
            lines.append(f"    {r.severity}:  {r.message}")
            if r.detail is not None:
                lines.append(f"    DETAIL:  {r.detail}")
            if r.hint is not None:
                lines.append(f"    HINT:  {r.hint}")
        lines.extend(f"    {notice}" for notice in r.notices)
    lines.append(paint(summary, "bold"))
    return "\n".join(lines)


def render_sarif(results: Sequence[StatementResult], files: Sequence[str]) -> dict[str, Any]:
    """One SARIF ``result`` per failing statement; ``ruleId`` is the SQLSTATE."""
    rules: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for r in results:
        if r.status not in ("error", "unsupported"):
            continue
        rule_id = r.sqlstate or "aurora-sec/unsupported"
        if rule_id not in rules:
            description = (
                f"PostgreSQL error SQLSTATE {rule_id}"
                if r.sqlstate
                else "Statement the emulator does not model"
            )
            rules[rule_id] = {"id": rule_id, "shortDescription": {"text": description}}
        text = r.message or ""
        if r.detail is not None:
            text += f"\nDETAIL:  {r.detail}"
        if r.hint is not None:
            text += f"\nHINT:  {r.hint}"
        out.append(
            {
                "ruleId": rule_id,
                "level": "error" if r.sqlstate else "warning",
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri(r.file)},
                            "region": {
                                "startLine": r.line,
                                "startColumn": r.column,
                                "endLine": r.end_line,
                                "snippet": {"text": r.statement},
                            },
                        }
                    }
                ],
            }
        )
    return sarif_log(
        tool_name="aurora-sec lint",
        version=__version__,
        rules=list(rules.values()),
        results=out,
        artifacts=[artifact_uri(name) for name in files],
    )


def artifact_uri(name: str) -> str:
    """A SARIF ``artifactLocation.uri``: relative paths stay relative (with ``/``), as code
    scanning tools resolve them against the repository root; absolute ones become ``file:``
    URIs."""
    path = Path(name)
    return path.as_uri() if path.is_absolute() else path.as_posix()


# ------------------------------------------------------------------------------- CLI


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "lint",
        help="run SQL scripts statement by statement on an emulated Aurora cluster",
        description="Will this migration or password-rotation script succeed on Aurora? Each "
        "statement runs on its own, as psql -f runs it without ON_ERROR_STOP; every failure "
        "is reported with its line, SQLSTATE, message, DETAIL and HINT. Passwords are "
        "redacted in every output.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE.sql", help="SQL scripts, run in order")
    parser.add_argument(
        "--engine-version",
        default=DEFAULT_ENGINE_VERSION,
        metavar="VERSION",
        help=f"Aurora PostgreSQL engine version (default {DEFAULT_ENGINE_VERSION})",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="cluster parameter to set, e.g. rds.restrict_password_commands=1 (repeatable)",
    )
    parser.add_argument(
        "--as",
        dest="role",
        default=MASTER_USER,
        metavar="ROLE",
        help="run the scripts as this role, created LOGIN CREATEROLE "
        f"(default {MASTER_USER}, the master user)",
    )
    parser.add_argument(
        "--member-of",
        action="append",
        default=[],
        metavar="ROLE",
        help="grant this role to --as before running (repeatable), e.g. rds_password",
    )
    parser.add_argument(
        "--no-createrole",
        dest="createrole",
        action="store_false",
        help="create the --as role without CREATEROLE",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="output format: text (default), json (a list of results) or sarif (SARIF 2.1.0)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count statements the emulator does not model (DML, ...) as failures",
    )
    parser.set_defaults(run=run)
    return parser


def _read(paths: Sequence[str]) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for name in paths:
        path = Path(name)
        try:
            files.append((name, path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise UsageError(f"{name}: No such file or directory") from None
        except IsADirectoryError:
            raise UsageError(f"{name}: Is a directory") from None
        except UnicodeDecodeError as err:
            raise UsageError(f"{name}: not UTF-8 text ({err.reason})") from None
        except OSError as err:
            raise UsageError(f"{name}: {err.strerror}") from None
    return files


def run(args: argparse.Namespace) -> int:
    files = _read(args.files)
    params = parse_params(args.param)
    results = lint_files(
        files,
        engine_version=args.engine_version,
        params=params,
        role=args.role,
        member_of=args.member_of,
        createrole=args.createrole,
    )
    failed = sum(1 for r in results if r.failed(strict=args.strict))
    unsupported = sum(1 for r in results if r.status == "unsupported")
    if args.format == "json":
        print(to_json([r.as_dict() for r in results]))
    elif args.format == "sarif":
        print(to_json(render_sarif(results, [name for name, _ in files])))
    else:
        count = sum(1 for r in results if r.status != "skipped")
        summary = f"{count} statement{'s' if count != 1 else ''}, {failed} failed"
        if unsupported and not args.strict:
            summary += f", {unsupported} not modelled"
        summary += f" (Aurora PostgreSQL {args.engine_version}, as {args.role})"
        print(render_text(results, Painter(sys.stdout), summary))
    return 1 if failed else 0
