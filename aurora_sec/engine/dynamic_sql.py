"""The text a PL/pgSQL ``EXECUTE expr`` runs, when ``expr`` is built from constants only.

A DO block's ``EXECUTE 'GRANT ' || quote_ident('app') || ' TO x'`` cannot be classified before
it runs, but its value is known once the expression is evaluated: string and number constants,
``||``, casts to text, ``quote_ident``, ``quote_literal``, ``quote_nullable``, ``concat`` and
``format`` (``%s``, ``%I``, ``%L``, ``%%``) as PostgreSQL computes them. An expression that
reads a variable, a column or any other function raises
:class:`~aurora_sec.aws.rds.errors.UnsupportedByEmulator`; a NULL value is the server's 22004.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import parser as pg_parser

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine.gucs import quote_identifier
from aurora_sec.errors import PostgresError

__all__ = ["execute_text"]


def execute_text(expression: str) -> str:
    """The SQL text ``EXECUTE expression`` runs (22004 when it is NULL)."""
    try:
        parsed: Any = pglast.parse_sql("SELECT " + expression)
    except pg_parser.ParseError:  # pragma: no cover - the block compiled, so it parses
        raise UnsupportedByEmulator("this EXECUTE expression is not emulated") from None
    tree: list[Any] = list(parsed)
    targets: Any = (getattr(tree[0].stmt, "targetList", None) or ()) if len(tree) == 1 else ()
    if len(targets) != 1:
        raise UnsupportedByEmulator("this EXECUTE expression is not emulated")
    value = _value(targets[0].val)
    if value is None:
        # pl_exec.c exec_stmt_dynexecute: ERRCODE_NULL_VALUE_NOT_ALLOWED
        raise PostgresError("22004", "query string argument of EXECUTE is null")
    return value


def _value(node: Any) -> str | None:
    kind = type(node).__name__
    if kind == "A_Const":
        if node.isnull:
            return None
        val = node.val
        constant = type(val).__name__
        if constant == "String":
            return str(val.sval)
        if constant == "Integer":
            return str(val.ival)
        if constant == "Float":
            return str(val.fval)
        if constant == "Boolean":
            return "true" if val.boolval else "false"
    if kind == "TypeCast":
        names = [n.sval for n in node.typeName.names]
        if names[-1] in ("text", "varchar", "name"):
            return _value(node.arg)
    if kind == "A_Expr" and [n.sval for n in node.name] == ["||"] and node.lexpr is not None:
        left, right = _value(node.lexpr), _value(node.rexpr)
        return None if left is None or right is None else left + right
    if kind == "FuncCall" and not node.agg_star and not node.func_variadic:
        name = node.funcname[-1].sval
        args = [_value(a) for a in node.args or ()]
        function = _FUNCTIONS.get((name, len(args))) or _FUNCTIONS.get((name, -1))
        if function is not None:
            result: str | None = function(args)
            return result
    raise UnsupportedByEmulator("this EXECUTE expression is not emulated (only constants)")


def _quote_literal(value: str) -> str:
    """quote.c quote_literal_cstr: doubled quotes, and E'' with doubled backslashes."""
    quoted = value.replace("'", "''")
    if "\\" in value:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def _format(args: list[str | None]) -> str | None:
    """varlena.c text_format for %s, %I, %L and %% (no positions or widths)."""
    template = args[0]
    if template is None:
        return None
    out: list[str] = []
    values = iter(args[1:])
    i = 0
    while i < len(template):
        char = template[i]
        if char != "%":
            out.append(char)
            i += 1
            continue
        spec = template[i + 1 : i + 2]
        i += 2
        if spec == "%":
            out.append("%")
            continue
        if spec not in ("s", "I", "L"):
            raise UnsupportedByEmulator("this format() is not emulated")
        try:
            value = next(values)
        except StopIteration:
            raise PostgresError("22023", "too few arguments for format()") from None
        if spec == "s":
            out.append("" if value is None else value)
        elif spec == "I":
            if value is None:
                raise PostgresError("22004", "null values cannot be formatted as an SQL identifier")
            out.append(quote_identifier(value))
        else:
            out.append("NULL" if value is None else _quote_literal(value))
    return "".join(out)


def _strict(function: Any) -> Any:
    return lambda args: None if None in args else function(*args)


_FUNCTIONS: dict[tuple[str, int], Any] = {
    ("quote_ident", 1): _strict(quote_identifier),
    ("quote_literal", 1): _strict(_quote_literal),
    ("quote_nullable", 1): lambda args: "NULL" if args[0] is None else _quote_literal(args[0]),
    ("concat", -1): lambda args: "".join(a for a in args if a is not None),
    ("format", -1): _format,
}
