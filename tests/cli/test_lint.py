"""``aurora-sec lint``: scripts statement by statement, exact errors, redacted passwords."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aurora_sec.cli import main
from aurora_sec.cli_commands.lint import split_script

from .process import run_cli

PASSWORD = "Tr0ub4dor-rotation-2030"
RESTRICTED = "must be a member of rds_password to alter passwords"

MIGRATION = """\
-- 0001: application roles
CREATE ROLE app_reader NOLOGIN;
CREATE ROLE app_writer NOLOGIN IN ROLE app_reader;

/* the service account */
CREATE ROLE app_service LOGIN;
GRANT app_writer TO app_service;
ALTER ROLE app_service SET statement_timeout = '30s';
SELECT current_user;
"""

ROTATION = f"""\
-- rotate the service password (runs nightly as helpdesk)
CREATE ROLE app LOGIN;
ALTER ROLE app
    PASSWORD '{PASSWORD}';
ALTER ROLE app VALID UNTIL '2030-01-01';
SELECT current_user;
"""

LINT_ROTATION = [
    "--engine-version",
    "15.4",
    "--param",
    "rds.restrict_password_commands=1",
    "--as",
    "helpdesk",
]


def _script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_migration_that_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _script(tmp_path, "0001_roles.sql", MIGRATION)
    assert main(["lint", path, "--engine-version", "15.4", "--as", "migrator"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"{path}:2: ok CREATE ROLE  CREATE ROLE app_reader NOLOGIN"
    assert f"{path}:6: ok CREATE ROLE  CREATE ROLE app_service LOGIN" in lines
    assert f"{path}:7: ok GRANT ROLE  GRANT app_writer TO app_service" in lines
    assert lines[-1] == "6 statements, 0 failed (Aurora PostgreSQL 15.4, as migrator)"
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_the_same_migration_fails_without_createrole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _script(tmp_path, "0001_roles.sql", MIGRATION)
    assert main(["lint", path, "--as", "migrator", "--no-createrole", "--format", "json"]) == 1
    results = json.loads(capsys.readouterr().out)
    first = results[0]
    assert (first["line"], first["status"], first["sqlstate"]) == (2, "error", "42501")
    assert first["message"] == "permission denied to create role"


def test_rotation_under_restricted_passwords_as_a_non_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _script(tmp_path, "rotate.sql", ROTATION)
    assert main(["lint", path, *LINT_ROTATION]) == 1
    text = capsys.readouterr().out
    assert f"{path}:3: ERROR 42501  ALTER ROLE app PASSWORD '********'" in text
    assert f"    ERROR:  {RESTRICTED}" in text
    assert f"{path}:5: ERROR 42501  ALTER ROLE app VALID UNTIL '2030-01-01'" in text
    assert f"{path}:6: ok SELECT 1  SELECT current_user" in text  # the run went on
    assert text.splitlines()[-1].startswith("4 statements, 2 failed")

    assert main(["lint", path, *LINT_ROTATION, "--format", "json"]) == 1
    raw = capsys.readouterr().out
    results = json.loads(raw)
    assert [(r["line"], r["status"]) for r in results] == [
        (2, "ok"),
        (3, "error"),
        (5, "error"),
        (6, "ok"),
    ]
    failure = results[1]
    assert failure["sqlstate"] == "42501"
    assert failure["message"] == RESTRICTED
    assert failure["statement"] == "ALTER ROLE app\n    PASSWORD '********'"

    assert main(["lint", path, *LINT_ROTATION, "--format", "sarif"]) == 1
    sarif = capsys.readouterr().out
    for output in (text, raw, sarif):
        assert PASSWORD not in output


def test_members_of_rds_password_may_rotate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _script(tmp_path, "rotate.sql", ROTATION)
    assert main(["lint", path, *LINT_ROTATION, "--member-of", "rds_password"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("4 statements, 0 failed")
    assert PASSWORD not in out


def _assert_sarif(log: dict[str, Any]) -> list[dict[str, Any]]:
    """The structure SARIF 2.1.0 requires (and code scanning reads)."""
    assert log["version"] == "2.1.0"
    assert "sarif-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str)
    rule_ids = {rule["id"] for rule in driver["rules"]}
    results: list[dict[str, Any]] = run["results"]
    for result in results:
        assert result["ruleId"] in rule_ids
        assert result["level"] in ("error", "warning", "note", "none")
        assert isinstance(result["message"]["text"], str)
        for location in result["locations"]:
            physical = location["physicalLocation"]
            assert isinstance(physical["artifactLocation"]["uri"], str)
            assert physical["region"]["startLine"] >= 1
    return results


def test_sarif_output_is_structurally_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _script(tmp_path, "rotate.sql", ROTATION + "ALTER ROLE app PASSWORD 'x' BOGUS;\n")
    proc = run_cli("lint", "rotate.sql", *LINT_ROTATION, "--format", "sarif", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert PASSWORD not in proc.stdout
    results = _assert_sarif(json.loads(proc.stdout))
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("42501", "error"),
        ("42501", "error"),
        ("42601", "error"),
    ]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "rotate.sql"
    assert first["region"]["startLine"] == 3
    assert results[0]["message"]["text"] == RESTRICTED
    assert results[2]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "missing.sql")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("aurora-sec lint: error: ") and "No such file or directory" in err
    path = _script(tmp_path, "a.sql", "SELECT 1;")
    assert main(["lint", path, "--engine-version", "99.1"]) == 2
    assert "aurora-postgresql99" in capsys.readouterr().err
    assert main(["lint", path, "--param", "rds.no_such_parameter=1"]) == 2
    assert "Could not find parameter with name: rds.no_such_parameter" in capsys.readouterr().err
    assert main(["lint", path, "--param", "novalue"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["lint", path, "--format", "xml"])
    assert exit_info.value.code == 2


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lint", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    assert "LOGIN CREATEROLE" in text
    assert "--no-createrole" in text


def test_splitting_follows_psql() -> None:
    text = (
        "-- header\nCREATE ROLE a;  -- trailing\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n;\n"
        "SELECT 'semi;colon'; SELECT 'unterminated"
    )
    parts = [text[a:b] for a, b in split_script(text)]
    assert parts == [
        "CREATE ROLE a",
        "DO $$ BEGIN PERFORM 1; END $$",
        "SELECT 'semi;colon'",
        "SELECT 'unterminated",
    ]


def test_syntax_errors_are_reported_and_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _script(
        tmp_path,
        "broken.sql",
        f"SELEC 1;\nALTER ROLE postgres PASSWORD '{PASSWORD}' NOPE NOPE;\nSELECT 1;\n",
    )
    assert main(["lint", path, "--format", "json"]) == 1
    raw = capsys.readouterr().out
    results = json.loads(raw)
    assert [(r["line"], r["sqlstate"]) for r in results] == [(1, "42601"), (2, "42601"), (3, None)]
    assert results[0]["message"] == 'syntax error at or near "SELEC"'
    assert PASSWORD not in raw


def test_meta_commands_and_unmodelled_statements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _script(
        tmp_path,
        "data.sql",
        "\\set ON_ERROR_STOP on\nCREATE ROLE loader;\nINSERT INTO t VALUES (1);\n",
    )
    assert main(["lint", path, "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [(r["line"], r["status"]) for r in results] == [
        (1, "skipped"),
        (2, "ok"),
        (3, "unsupported"),
    ]
    assert results[0]["statement"] == "\\set ON_ERROR_STOP on"
    assert main(["lint", path, "--strict"]) == 1
    out = capsys.readouterr().out
    assert f"{path}:3: unsupported  INSERT INTO t VALUES (1)" in out
    assert out.splitlines()[-1].startswith("2 statements, 1 failed")


def test_colour_only_on_a_terminal() -> None:
    import io

    from aurora_sec.cli_commands.output import Painter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Painter(io.StringIO())("ok", "green") == "ok"
    painted = Painter(Terminal())("ok", "green")
    assert painted in ("\x1b[32mok\x1b[0m", "ok")  # "ok" when NO_COLOR is set
