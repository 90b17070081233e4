"""Lint a password-rotation migration for a cluster with rds.restrict_password_commands=1.

Run: python examples/lint_migration.py

It writes a small SQL script to a temporary folder and runs ``aurora-sec lint`` on it (the
CLI's ``main`` with an argument list, as the ``aurora-sec`` command runs it) twice: as a
plain role with CREATEROLE, then as the same role granted ``rds_password``. Each statement is
reported with its line, SQLSTATE and the server's message; the password literals are shown
as ``'********'``, never in clear. The exit status is printed after each run (1: a statement
failed, 0: all succeeded).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from aurora_sec.cli import main as aurora_sec

MIGRATION = """\
-- 0042_rotate_app_password.sql
CREATE ROLE app LOGIN PASSWORD 'app-initial-Secret1';
ALTER ROLE app PASSWORD 'app-rotated-Secret2';
ALTER ROLE app VALID UNTIL '2030-01-01';
CREATE ROLE reporting NOLOGIN;
GRANT reporting TO app;
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path("rotate.sql").write_text(MIGRATION, encoding="utf-8")
        common = [
            "lint",
            "rotate.sql",
            "--engine-version",
            "16.4",
            "--param",
            "rds.restrict_password_commands=1",
            "--as",
            "rotator",
        ]
        print("== as rotator (LOGIN CREATEROLE)")
        status = aurora_sec(common)
        print(f"exit status {status}")
        print("== as rotator, a member of rds_password")
        status = aurora_sec([*common, "--member-of", "rds_password"])
        print(f"exit status {status}")


if __name__ == "__main__":
    main()
