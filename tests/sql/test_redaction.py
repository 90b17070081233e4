"""Password literals are masked in ``redacted`` and never appear in a repr."""

from __future__ import annotations

import pytest

from aurora_sec.sql import DoBlock, classify

CASES = [
    ("ALTER ROLE app PASSWORD 'hunter2'", "ALTER ROLE app PASSWORD '********'"),
    (
        "ALTER ROLE app WITH ENCRYPTED PASSWORD 'hunter2' VALID UNTIL '2030-01-01'",
        "ALTER ROLE app WITH ENCRYPTED PASSWORD '********' VALID UNTIL '2030-01-01'",
    ),
    ("ALTER USER app PASSWORD $$hunter2$$", "ALTER USER app PASSWORD '********'"),
    ("ALTER USER app PASSWORD $tag$hun'ter2$tag$", "ALTER USER app PASSWORD '********'"),
    ("ALTER ROLE app PASSWORD E'hun\\'ter2'", "ALTER ROLE app PASSWORD '********'"),
    ("ALTER ROLE app PASSWORD U&'hun\\0074er2'", "ALTER ROLE app PASSWORD '********'"),
    ("ALTER ROLE app PASSWORD 'it''s'", "ALTER ROLE app PASSWORD '********'"),
    (
        "ALTER ROLE \"rôle\" PASSWORD 'pässwörd' LOGIN",
        "ALTER ROLE \"rôle\" PASSWORD '********' LOGIN",
    ),
    ("ALTER ROLE 名前 PASSWORD 'секрет'", "ALTER ROLE 名前 PASSWORD '********'"),
    (
        "CREATE ROLE r LOGIN PASSWORD 'a' PASSWORD 'b'",
        "CREATE ROLE r LOGIN PASSWORD '********' PASSWORD '********'",
    ),
    ("ALTER ROLE app PASSWORD NULL", "ALTER ROLE app PASSWORD NULL"),
    ("ALTER ROLE app PASSWORD 'split'\n'continued'", "ALTER ROLE app PASSWORD '********'"),
    (
        "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password 'p4ss')",
        "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password '********')",
    ),
]


@pytest.mark.parametrize(("sql", "redacted"), CASES)
def test_redaction(sql: str, redacted: str) -> None:
    (s,) = classify(sql)
    assert s.redacted == redacted
    for secret in ("hunter2", "hun'ter2", "pässwörd", "секрет", "p4ss", "it''s", "split"):
        assert secret not in s.redacted
        assert secret not in repr(s)
        assert secret not in str(s)


def test_redaction_in_a_script_keeps_other_statements() -> None:
    out = classify("SET ROLE a; ALTER ROLE é PASSWORD 'x1'; SELECT 'x1'")
    assert [s.redacted for s in out] == [
        "SET ROLE a",
        "ALTER ROLE é PASSWORD '********'",
        "SELECT 'x1'",
    ]


def test_do_block_redaction() -> None:
    sql = (
        "DO $$\nBEGIN\n  ALTER ROLE app PASSWORD 'inner-secret';\n"
        "  EXECUTE format('ALTER ROLE %I PASSWORD %L', 'app', 'dyn-secret');\n"
        "  EXECUTE 'ALTER ROLE app PASSWORD ''lit-secret''';\nEND $$"
    )
    (s,) = classify(sql)
    assert isinstance(s, DoBlock)
    for secret in ("inner-secret", "dyn-secret", "lit-secret"):
        assert secret not in s.redacted
        assert secret not in repr(s)
    assert "ALTER ROLE app PASSWORD '********'" in s.redacted
    assert s.dynamic[0].redacted == "format('********', '********', '********')"


def test_do_block_with_quoted_body_masks_the_body() -> None:
    (s,) = classify("DO 'BEGIN ALTER ROLE app PASSWORD ''q-secret''; END'")
    assert "q-secret" not in s.redacted
    assert s.redacted == "DO '********'"
