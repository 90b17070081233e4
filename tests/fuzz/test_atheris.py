"""The atheris harness runs: each target, a bounded number of mutated inputs, no crash.

Each target runs in its own process (libFuzzer owns the process and exits at the end) with a
fixed seed, so a failure here is reproducible with the command it prints. Longer campaigns:
``python -m tests.fuzz.atheris_harness TARGET -max_total_time=600``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.atheris_harness import TARGETS

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("AURORA_ATHERIS_RUNS", "1500"))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_survives_mutation(target: str, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "tests.fuzz.atheris_harness",
        target,
        f"-runs={RUNS}",
        "-seed=1",
        f"-artifact_prefix={tmp_path}/",
        "-max_len=2048",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    tail = "\n".join(done.stderr.splitlines()[-30:])
    assert done.returncode == 0 and not crashes, f"{' '.join(command)}\n{tail}"
    assert f"Done {RUNS} runs" in done.stderr
