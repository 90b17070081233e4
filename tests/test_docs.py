"""The API reference (docs/api) builds offline with warnings as errors and covers the surface."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import aurora_sec

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"


def test_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html"),
            *("-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    documented = set()
    for page in (tmp_path / "html").glob("*.html"):
        documented |= set(re.findall(r'id="aurora_sec\.[\w.]*?\.(\w+)"', page.read_text()))
    public = {name for name in aurora_sec.__all__ if not name.startswith("_")}
    assert public <= documented, sorted(public - documented)
