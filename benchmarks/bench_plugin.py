"""What the pytest plugin adds to pytest's start-up (issue 6: under 20 ms).

Two measurements, side by side in one run:

* ``python -X importtime``: the plugin module's own import cost, with pytest already imported
  (the plugin imports only pytest, so this is everything it adds at load time), and for
  comparison hypothesis's pytest plugin (``_hypothesis_pytestplugin``), which the issue quotes
  at 0.6 s of start-up;
* the wall time of ``pytest --collect-only`` on an empty folder with the plugin disabled
  (``-p no:aurora_sec.testing.pytest_plugin``) and enabled, alternating, one process each.

    python benchmarks/bench_plugin.py --rounds 15
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

PLUGIN = "aurora_sec.testing.pytest_plugin"
HYPOTHESIS_PLUGIN = "_hypothesis_pytestplugin"


def import_cost_us(module: str) -> int:
    """Cumulative import time of ``module`` in microseconds, pytest imported first."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import pytest; import {module}"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    match = re.search(r"\|\s*(\d+) \| " + re.escape(module) + "$", err, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no import line for {module}: {err[-300:]}")
    return int(match[1])


def collect_seconds(folder: str, enabled: bool) -> float:
    """Wall time of one ``pytest --collect-only`` of an empty folder."""
    args = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    if not enabled:
        args += ["-p", f"no:{PLUGIN}"]
    else:
        args += ["-p", PLUGIN]
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    start = time.perf_counter()
    # exit status 5: no tests collected, which is the point
    subprocess.run(args, cwd=folder, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)

    ours = [import_cost_us(PLUGIN) for _ in range(args.rounds)]
    print(f"import {PLUGIN} (after pytest), cumulative, {args.rounds} processes:")
    print(f"  median {statistics.median(ours) / 1000:.2f} ms   rounds {sorted(ours)} us")
    try:
        theirs = [import_cost_us(HYPOTHESIS_PLUGIN) for _ in range(min(args.rounds, 5))]
    except (RuntimeError, subprocess.CalledProcessError):
        print("  hypothesis's plugin: not installed")
    else:
        print(f"import {HYPOTHESIS_PLUGIN} (after pytest), for comparison:")
        print(f"  median {statistics.median(theirs) / 1000:.2f} ms")

    without: list[float] = []
    with_plugin: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            without.append(collect_seconds(folder, enabled=False))
            with_plugin.append(collect_seconds(folder, enabled=True))
    added = [(b - a) * 1000 for a, b in zip(without, with_plugin, strict=True)]
    print(f"pytest --collect-only of an empty folder, {args.rounds} alternating pairs:")
    print(f"  without the plugin  median {statistics.median(without) * 1000:7.1f} ms")
    print(f"  with the plugin     median {statistics.median(with_plugin) * 1000:7.1f} ms")
    print(f"  added (median of same-pair differences) {statistics.median(added):+.1f} ms")
    met = statistics.median(ours) < 20_000
    print(f"target: the plugin adds under 20 ms: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
