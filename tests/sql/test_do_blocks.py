"""DO blocks: literal statements are classified, dynamic EXECUTEs are reported."""

from __future__ import annotations

from aurora_sec.sql import AlterRole, DoBlock, GrantRole, SelectFunctions, SetRole, classify


def do(sql: str, version: int | None = None) -> DoBlock:
    (s,) = classify(sql, version)
    assert isinstance(s, DoBlock)
    return s


def test_literal_statements_and_dynamic_execute() -> None:
    s = do(
        "DO $$\nDECLARE r text := 'app';\nBEGIN\n"
        "  ALTER ROLE app PASSWORD 'x';\n"
        "  EXECUTE format('ALTER ROLE %I LOGIN', r);\n"
        "  EXECUTE 'GRANT a TO b';\n"
        "  PERFORM set_config('role', 'admin', false);\n"
        "  SET ROLE other;\n"
        "END $$"
    )
    kinds = [type(x) for x in s.statements]
    assert kinds == [AlterRole, GrantRole, SelectFunctions, SetRole]
    assert s.statement_lines == (4, 6, 7, 8)
    assert len(s.dynamic) == 1
    assert s.dynamic[0].expression == "format('ALTER ROLE %I LOGIN', r)"
    assert s.dynamic[0].lineno == 5
    assert s.linear
    assert s.affects_password
    perform = s.statements[2]
    assert isinstance(perform, SelectFunctions)
    assert perform.calls[0].args == ("role", "admin", False)


def test_control_flow_is_not_linear() -> None:
    s = do(
        "DO $$ BEGIN IF true THEN CREATE ROLE r; END IF; FOR i IN 1..2 LOOP NULL; END LOOP; END $$"
    )
    assert not s.linear
    assert [x.tag for x in s.statements] == ["CREATE ROLE"]
    e = do("DO $$ BEGIN SET ROLE x; EXCEPTION WHEN others THEN NULL; END $$")
    assert not e.linear


def test_dynamic_forms() -> None:
    s = do(
        "DO $$ DECLARE c refcursor; r record; BEGIN "
        "FOR r IN EXECUTE 'SELECT 1' || 'x' LOOP END LOOP; "
        "OPEN c FOR EXECUTE 'SELECT ' || 1; END $$"
    )
    assert [d.construct for d in s.dynamic] == ["FOR IN EXECUTE", "OPEN FOR EXECUTE"]


def test_expression_calls_are_kept() -> None:
    s = do("DO $$ DECLARE x text; BEGIN x := set_config('role', 'y', false); END $$")
    assert [c.name for st in s.statements for c in st.calls] == ["set_config"]  # type: ignore[attr-defined]


def test_inner_prechecks_are_relative_to_the_inner_text() -> None:
    s = do("DO $$\nBEGIN\n  ALTER ROLE x PASSWORD 'a' PASSWORD 'b';\nEND $$")
    (inner,) = s.statements
    # 15.18/16.2: internal_position 27, internal_query "ALTER ROLE x PASSWORD 'a' PASSWORD 'b'"
    assert inner.error is not None and inner.error.position == 27
    assert inner.text == "ALTER ROLE x PASSWORD 'a' PASSWORD 'b'"
    assert s.precheck is None


def test_gated_syntax_inside_do_is_a_compile_error() -> None:
    # 15.18: 42601 syntax error at or near "INHERIT", position 31 (in the outer string)
    s = do("DO $$ BEGIN GRANT a TO b WITH INHERIT TRUE; END $$", 15)
    assert s.error is not None
    assert (s.error.sqlstate, s.error.message, s.error.position) == (
        "42601",
        'syntax error at or near "INHERIT"',
        31,
    )
    assert do("DO $$ BEGIN GRANT a TO b WITH INHERIT TRUE; END $$", 16).error is None


def test_plpgsql_syntax_error() -> None:
    # 15.18/16.2: syntax error at or near "foo", position 13
    s = do("DO $$ BEGIN foo; END $$")
    assert s.error is not None
    assert (s.error.sqlstate, s.error.message, s.error.position) == (
        "42601",
        'syntax error at or near "foo"',
        13,
    )


def test_other_languages() -> None:
    s = do("DO LANGUAGE plperl $$ print 1 $$")
    assert s.language == "plperl" and s.statements == () and s.error is None
