"""DO blocks: classify the SQL written literally in a PL/pgSQL body.

The server compiles a DO body when the DO runs (plpgsql_compile_inline): a syntax error in
the body, or in an SQL statement written in it (parsed by the core grammar of the engine's
major), fails the DO before anything in it runs; its position points into the outer query
string (verified on 15.18/16.2: ``DO $$ BEGIN GRANT a TO b WITH INHERIT TRUE; END $$`` on 15
-> 42601 at "INHERIT", position 31). Errors that statements raise when they run are reported
with ``internal_query``/``internal_position`` relative to the statement's own text and a
CONTEXT line; that is why inner statements are classified on their own text.

``pglast.parse_plpgsql`` gives libpg_query's JSON of the compiled function. Its syntax
errors carry no position; the position is recovered by finding the offending token in the
body (UNCONFIRMED where the token occurs more than once before the real error, and for
"at end of input", reported without a position).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal

import pglast
from pglast import parser as pg_parser

from aurora_sec.errors import PostgresError
from aurora_sec.sql import statements as st
from aurora_sec.sql._text import scan, token_text

__all__ = ["build_do_block"]

Json = dict[str, Any]

#: Statement kinds after which the body is still a plain sequence (no control flow).
_LINEAR_KINDS = frozenset(
    {
        "PLpgSQL_stmt_execsql",
        "PLpgSQL_stmt_perform",
        "PLpgSQL_stmt_dynexecute",
        "PLpgSQL_stmt_raise",
        "PLpgSQL_stmt_assign",
        "PLpgSQL_stmt_return",
        "PLpgSQL_stmt_commit",
        "PLpgSQL_stmt_rollback",
    }
)

#: Built-in languages without an inline handler (pg_language.laninline = 0 in every major).
_NO_INLINE_HANDLER = frozenset({"sql", "c", "internal"})

_NEAR = re.compile(r'^syntax error at or near "(.*)"$', re.S)
_MASK = "'********'"


def _expr_query(holder: Json | None) -> tuple[Json, str] | None:
    if not holder:
        return None
    expr = holder.get("PLpgSQL_expr")
    if expr is None:
        return None
    return expr, str(expr.get("query", ""))


def _dollar_quote(body: str) -> str:
    tag = "$aurora_sec$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$aurora_sec{n}$"
    return f"{tag}{body}{tag}"


def _body_start(sql: str, rel: int) -> int:
    """Relative offset where the body's characters start, from its literal token."""
    if sql.startswith("$", rel):
        end = sql.find("$", rel + 1)
        return end + 1 if end >= 0 else rel
    if sql[rel : rel + 2].upper() in ("E'",):
        return rel + 2
    if sql[rel : rel + 3].upper() == "U&'":
        return rel + 3
    return rel + 1


def build_do_block(
    ctx: Any,
    node: Json,
    common: dict[str, Any],
    *,
    classify_inner: Callable[[str, int], tuple[st.Statement, ...]],
) -> st.DoBlock:
    """The :class:`~aurora_sec.sql.statements.DoBlock` of a ``DoStmt`` node."""
    body = ""
    language = "plpgsql"
    body_rel = -1
    for arg in node.get("args") or ():
        d = arg["DefElem"]
        value = d.get("arg") or {}
        if d["defname"] == "as":
            body = str(value.get("String", {}).get("sval", ""))
            loc = ctx.loc(d.get("arg_location", -1))
            if loc >= 0:
                body_rel = _body_start(ctx.sql, ctx.rel(loc))
        elif d["defname"] == "language":
            language = str(value.get("String", {}).get("sval", ""))
    exact = body_rel >= 0 and ctx.sql[body_rel : body_rel + len(body)] == body
    if language != "plpgsql":
        precheck = None
        if language in _NO_INLINE_HANDLER:
            # functioncmds.c ExecuteDoStmt: ERRCODE_FEATURE_NOT_SUPPORTED (15.18, 16.2)
            message = f'language "{language}" does not support inline code execution'
            precheck = st.Precheck(error=st.ServerMessage("ERROR", "0A000", message))
        return st.DoBlock(language=language, body=body, linear=False, precheck=precheck, **common)

    def outer_position(offset_in_body: int) -> int | None:
        return ctx.base + body_rel + offset_in_body + 1 if exact and offset_in_body >= 0 else None

    try:
        tree = pglast.parse_plpgsql("DO " + _dollar_quote(body))
        if isinstance(tree, str):  # pragma: no cover - older pglast returned JSON text
            tree = json.loads(tree)
    except pg_parser.ParseError as exc:
        message = str(exc.args[0])
        position = None
        near = _NEAR.match(message)
        if near is not None:
            for token in scan(body):
                if token_text(body, token) == near.group(1):
                    position = outer_position(token.start)
                    break
        error = st.ServerMessage("ERROR", "42601", message, position=position)
        return st.DoBlock(
            language=language, body=body, linear=False, precheck=st.Precheck(error=error), **common
        )
    except (RecursionError, ValueError):
        error = st.ServerMessage("ERROR", "54001", "stack depth limit exceeded")
        return st.DoBlock(
            language=language, body=body, linear=False, precheck=st.Precheck(error=error), **common
        )

    statements: list[st.Statement] = []
    lines: list[int] = []
    dynamic: list[st.DynamicSql] = []
    steps: list[tuple[Literal["sql", "dynamic"], int]] = []
    masks: list[tuple[int, int, str]] = []  # (start, end) in body, replacement
    consumed: set[int] = set()
    cursor = 0
    compile_error: st.ServerMessage | None = None
    major = ctx.major

    def locate(text: str) -> int:
        nonlocal cursor
        found = body.find(text, cursor)
        if found >= 0:
            cursor = found + len(text)
        return found

    def add_statement(
        query: str, lineno: int, *, search: str | None = None, literal: bool = True
    ) -> bool:
        """Classify ``query``; False when it raised (then the caller decides)."""
        nonlocal compile_error
        offset = locate(search if search is not None else query)
        try:
            inner = classify_inner(query, major)
        except PostgresError as error:
            if literal and compile_error is None:
                shift = None
                if error.position is not None and offset >= 0:
                    delta = len(query) - len(search) if search is not None else 0
                    shift = outer_position(offset + error.position - 1 - delta)
                compile_error = st.ServerMessage(
                    "ERROR",
                    error.sqlstate,
                    error.message,
                    detail=error.detail,
                    hint=error.hint,
                    position=shift,
                )
            return False
        for statement in inner:
            steps.append(("sql", len(statements)))
            statements.append(statement)
            lines.append(lineno)
            if statement.redacted != statement.text and offset >= 0 and search is None:
                start = offset + statement.span.start
                masks.append((start, start + len(statement.text), statement.redacted))
        return True

    def mask_literals(expr: str, offset: int) -> str:
        """Mask every string literal of ``expr`` (at ``offset`` in the body); its masked text."""
        spans = [(t.start, t.end + 1) for t in scan(expr) if t.name in ("SCONST", "USCONST")]
        if offset >= 0:
            masks.extend((offset + a, offset + b, _MASK) for a, b in spans)
        elif spans:
            masks.append((-1, -1, ""))
        return _mask_spans(expr, spans)

    def add_dynamic(expr: str, lineno: int, construct: str) -> None:
        offset = locate(expr)
        redacted = mask_literals(expr, offset) if "password" in expr.lower() else expr
        steps.append(("dynamic", len(dynamic)))
        dynamic.append(st.DynamicSql(expr, redacted, lineno, construct))

    for item in _walk(tree):
        if "PLpgSQL_expr" in item and id(item) not in consumed:
            query = str(item["PLpgSQL_expr"].get("query", ""))
            consumed.add(id(item))
            if item["PLpgSQL_expr"].get("parseMode", 0) >= 3:  # "target := expr" (ASSIGN modes)
                query = query.split(":=", 1)[1] if ":=" in query else query.split("=", 1)[-1]
            # An expression is run as "SELECT <expr>": keep it when it calls a supported function.
            try:
                inner = classify_inner("SELECT " + query, major)
            except PostgresError:
                continue
            if inner and isinstance(inner[0], st.SelectFunctions) and inner[0].calls:
                steps.append(("sql", len(statements)))
                statements.append(inner[0])
                lines.append(0)
            continue
        for kind, stmt in item.items():
            if not kind.startswith("PLpgSQL_stmt_") or not isinstance(stmt, dict):
                continue
            lineno = int(stmt.get("lineno", 0))
            for key in ("sqlstmt", "expr", "query", "dynquery"):
                holder = stmt.get(key)
                eq = _expr_query(holder)
                if eq is None:
                    continue
                _expr, query = eq
                if kind == "PLpgSQL_stmt_execsql" and key == "sqlstmt":
                    consumed.add(id(holder))
                    add_statement(query, lineno)
                elif kind == "PLpgSQL_stmt_perform" and key == "expr":
                    consumed.add(id(holder))
                    add_statement(
                        query,
                        lineno,
                        search=query[len("SELECT ") :]
                        if query.upper().startswith("SELECT ")
                        else None,
                    )
                elif kind == "PLpgSQL_stmt_dynexecute" and key == "query":
                    consumed.add(id(holder))
                    literal = _string_literal(query, major, classify_inner)
                    before = cursor
                    if literal is None or not add_statement(
                        literal, lineno, search=query, literal=False
                    ):
                        cursor = before
                        add_dynamic(query, lineno, "EXECUTE")
                    elif "password" in query.lower():
                        mask_literals(query, body.find(query, before))
                elif key == "dynquery" or kind == "PLpgSQL_stmt_dynfors":
                    consumed.add(id(holder))
                    add_dynamic(query, lineno, _CONSTRUCTS.get(kind, "EXECUTE"))
                elif key == "query" and kind in (
                    "PLpgSQL_stmt_fors",
                    "PLpgSQL_stmt_open",
                    "PLpgSQL_stmt_return_query",
                ):
                    consumed.add(id(holder))
                    add_statement(query, lineno)

    redacted = common["redacted"]
    if masks:
        if exact and all(start >= 0 for start, _, _ in masks):
            stmt_start = ctx.rel(common["span"].start)
            shift = body_rel - stmt_start
            redacted = _replace(common["text"], [(a + shift, b + shift, r) for a, b, r in masks])
        else:
            redacted = _mask_body(
                common["text"], body_rel - ctx.rel(common["span"].start) if body_rel >= 0 else -1
            )
    common = {**common, "redacted": redacted}
    precheck = st.Precheck(error=compile_error) if compile_error is not None else None
    return st.DoBlock(
        language=language,
        body=body,
        statements=tuple(statements),
        statement_lines=tuple(lines),
        dynamic=tuple(dynamic),
        linear=_is_linear(tree),
        steps=tuple(steps),
        precheck=precheck,
        **common,
    )


_CONSTRUCTS = {
    "PLpgSQL_stmt_dynfors": "FOR IN EXECUTE",
    "PLpgSQL_stmt_open": "OPEN FOR EXECUTE",
    "PLpgSQL_stmt_return_query": "RETURN QUERY EXECUTE",
}


def _string_literal(
    expr: str, major: int, classify_inner: Callable[[str, int], tuple[st.Statement, ...]]
) -> str | None:
    """The value of ``expr`` when it is a single string literal (``EXECUTE 'GRANT ...'``)."""
    try:
        inner = classify_inner("SELECT " + expr, major)
    except PostgresError:
        return None
    if len(inner) != 1 or not isinstance(inner[0], st.SelectFunctions) or not inner[0].simple:
        return None
    targets = inner[0].targets
    if len(targets) == 1 and targets[0].call is None and isinstance(targets[0].constant, str):
        return targets[0].constant
    return None


def _walk(node: Any) -> Any:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _is_linear(tree: Any) -> bool:
    try:
        function = tree[0]["PLpgSQL_function"]
        block = function["action"]["PLpgSQL_stmt_block"]
    except (KeyError, IndexError, TypeError):
        return False
    if block.get("exceptions"):
        return False
    return all(len(s) == 1 and next(iter(s)) in _LINEAR_KINDS for s in block.get("body") or ())


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    return _replace(text, [(a, b, _MASK) for a, b in spans])


def _replace(text: str, edits: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(edits):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask_body(text: str, body_start: int) -> str:
    """Mask the whole body literal (when inner offsets cannot be mapped exactly)."""
    if body_start < 0:
        return "DO " + _MASK
    for token in scan(text):
        if token.start <= body_start <= token.end + 1 and token.name == "SCONST":
            return text[: token.start] + _MASK + text[token.end + 1 :]
    return "DO " + _MASK
