"""The SQL classifier, side by side with ``pglast.parse_sql`` on the same texts, in one run.

For each statement of reference/perf-baselines.md section 1 it times, per call:

* ``pglast.parse_sql`` (the anchor: parse to pglast's Python AST);
* ``classify`` at first sight (the cache emptied before every call);
* ``classify`` of a repeated statement (served by the cache);
* the pglast path alone (``_classify_pglast``: what first sight costs for a text the
  hand-written recognizer of the common role statements does not take);

and prints the ratios first-sight / parse_sql and repeated / parse_sql. Rounds alternate
between the contenders so machine noise hits all alike; each figure is the median of the
per-round medians of batches of about 20 ms (GC off inside a batch).

Run::

    python benchmarks/bench_classify.py              # the table
    python benchmarks/bench_classify.py --json out.json --rounds 7
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable

import pglast

from aurora_sec.sql import classify
from aurora_sec.sql.classify import _classify_pglast, cache_clear

STATEMENTS: tuple[str, ...] = (
    "ALTER ROLE myrole WITH PASSWORD 'correct-horse-battery' VALID UNTIL '2030-01-01'",
    "CREATE ROLE r LOGIN CREATEDB",
    "GRANT rds_password TO alice",
    "ALTER ROLE a RENAME TO b",
    "SELECT 1",
)

VERSION = "15.4"


def _per_call(fn: Callable[[], object], target_seconds: float = 0.02) -> float:
    """Seconds per call: one batch sized to about ``target_seconds``, GC off."""
    n = 1
    while True:
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        if elapsed >= target_seconds or n >= 1 << 20:
            return elapsed / n
        n *= 2


def _first_sight(sql: str) -> Callable[[], object]:
    def run() -> object:
        cache_clear()
        return classify(sql, VERSION)

    return run


def _bind(fn: Callable[..., object], *args: object) -> Callable[[], object]:
    def run() -> object:
        return fn(*args)

    return run


def _cache_clear_only() -> object:
    cache_clear()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="also write the raw per-round figures here")
    args = parser.parse_args()

    results: dict[str, dict[str, list[float]]] = {}
    for sql in STATEMENTS:
        rows: dict[str, list[float]] = {
            "parse_sql": [],
            "first": [],
            "repeat": [],
            "clear": [],
            "pglast_path": [],
        }
        classify(sql, VERSION)  # warm imports
        for _ in range(args.rounds):
            rows["parse_sql"].append(_per_call(_bind(pglast.parse_sql, sql)))
            rows["clear"].append(_per_call(_cache_clear_only))
            rows["first"].append(_per_call(_first_sight(sql)))
            classify(sql, VERSION)
            rows["repeat"].append(_per_call(_bind(classify, sql, VERSION)))
            rows["pglast_path"].append(_per_call(_bind(_classify_pglast, sql, 15)))
        results[sql] = rows

    print(
        f"classify(sql, {VERSION!r}) vs pglast.parse_sql(sql), per call (median of {args.rounds} rounds)"
    )
    print()
    print(
        "| statement | parse_sql | classify, first sight | ratio | classify, repeated | ratio "
        "| pglast path alone | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for sql, rows in results.items():
        base = statistics.median(rows["parse_sql"])
        # first-sight cost without the cost of emptying the cache itself
        first = statistics.median(f - c for f, c in zip(rows["first"], rows["clear"], strict=True))
        repeat = statistics.median(rows["repeat"])
        path = statistics.median(rows["pglast_path"])
        shown = sql if len(sql) < 48 else sql[:45] + "..."
        print(
            f"| `{shown}` | {base * 1e6:.2f} µs | {first * 1e6:.2f} µs | {first / base:.2f} "
            f"| {repeat * 1e6:.2f} µs | {repeat / base:.3f} "
            f"| {path * 1e6:.2f} µs | {path / base:.2f} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
