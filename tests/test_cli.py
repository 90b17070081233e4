"""The aurora-sec command line: the demo tells the story, deterministically."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aurora_sec.cli import main
from aurora_sec.demo import run_demo


def test_demo_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    text = capsys.readouterr().out
    assert "Cannot modify a default parameter group." in text
    assert "cannot use immediate apply method for static parameter" in text
    assert (
        "MasterUsername rdsadmin cannot be used as it is a reserved word used by the engine" in text
    )
    assert "RDS does not support creating a DB instance with the following combination" in text
    assert "pending-reboot" in text
    assert "after reboot: in-sync, rds.restrict_password_commands=1, rds.force_ssl=1" in text
    assert "office laptop (203.0.113.10): connects" in text
    assert "home laptop (198.51.100.7): blocked" in text
    assert "correct-horse-battery" not in text  # the master password never shows


def test_demo_is_deterministic_across_processes() -> None:
    cmd = [sys.executable, "-m", "aurora_sec.cli", "demo"]
    first = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    second = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert first == second
    lines: list[str] = []
    run_demo(out=lines.append)
    assert "\n".join(lines).strip() == first.strip()


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["nope"])
    assert exit_info.value.code == 2
    assert main(["--version"]) == 0
