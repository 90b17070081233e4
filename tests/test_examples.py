"""Every script in examples/ runs and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, check=True)
    return done.stdout


def test_restricted_passwords_example() -> None:
    out = run("restricted_passwords.py")
    assert "Cannot modify a default parameter group." in out
    assert "cannot use immediate apply method for static parameter" in out
    assert "before reboot: force_ssl=True restrict=False" in out
    assert "after reboot:  force_ssl=True restrict=True" in out


def test_every_example_is_tested() -> None:
    tested = {"restricted_passwords.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested
