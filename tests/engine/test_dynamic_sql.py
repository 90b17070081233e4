"""The text of a DO block's ``EXECUTE expr`` is the value the real server computes for ``expr``.

Each expression is evaluated by ``aurora_sec.engine.dynamic_sql.execute_text`` and by the real
PostgreSQL (``SELECT expr``); a NULL value must be the server's 22004, and an expression that is
not built from constants must be refused as not emulated (never answered wrongly).
"""

from __future__ import annotations

import pytest

from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.engine.dynamic_sql import execute_text
from aurora_sec.errors import PostgresError
from tests.oracle.servers import PgServer

EXPRESSIONS = [
    "'CREATE ROLE ' || 'd1'",
    "'GRANT ' || quote_ident('App User') || ' TO ' || quote_ident('x')",
    "quote_ident('select') || quote_ident('plain') || quote_ident('Mixed') || quote_ident('a\"b')",
    "quote_literal('it''s') || quote_literal('back\\slash') || quote_nullable(NULL)",
    "format('ALTER ROLE %I PASSWORD %L', 'Bob', 'pw''d')",
    "format('%s-%s%%', 'a', NULL) || format('%L', NULL)",
    "concat('a', NULL, 1, 'b')",
    "'x'::text || 5 || 2.5",
    "'a' || quote_ident('user') || quote_ident('_ok1') || quote_ident('1bad')",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_execute_text_is_the_servers_value(pg: PgServer, expression: str) -> None:
    with pg.connect("rdsadmin") as conn:
        real = conn.execute("SELECT " + expression).fetchone()
    assert real is not None
    assert execute_text(expression) == real[0]


def test_a_null_text_is_22004() -> None:
    with pytest.raises(PostgresError) as caught:
        execute_text("'CREATE ROLE ' || NULL")
    assert (caught.value.sqlstate, caught.value.message) == (
        "22004",
        "query string argument of EXECUTE is null",
    )


@pytest.mark.parametrize("expression", ["'GRANT a TO ' || v_name", "upper('create role x')"])
def test_anything_but_constants_is_not_emulated(expression: str) -> None:
    with pytest.raises(UnsupportedByEmulator):
        execute_text(expression)
