"""The README's examples run as written, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(blocks), str(README), "exec"), {})
    printed = out.getvalue()
    assert "InvalidParameterValue Cannot modify a default parameter group." in printed
    assert "ERROR:  must be superuser to drop superusers" in printed
    assert "\nprod\n" in printed  # boto3 through aurora_sec.aws.mock
