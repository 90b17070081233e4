"""Branching from a prepared world: ``acct.snapshot()`` / ``acct.restore()`` (issue 8: at most
50 us for an account with 10 clusters and 1,000 roles).

The world: an account with 10 clusters (each with a writer, each catalog bootstrapped by a
first session) and 1,000 ``CREATE ROLE`` in one of them, plus an IAM user. Timed, alternating
in each round:

* ``snapshot``: ``acct.snapshot()``;
* ``restore``: ``acct.restore(snapshot)`` after one change (a role created in the big cluster),
  the cycle a property test runs for each example;
* ``rebuild``: what a test pays without snapshots to get the same world back: building it
  again (the side-by-side figure).

    python benchmarks/bench_snapshot.py --rounds 5
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec import Account

CLUSTERS = 10
ROLES = 1_000


def build() -> Account:
    acct = Account(seed=5)
    rds = acct.client("rds")
    for i in range(CLUSTERS):
        rds.create_db_cluster(
            DBClusterIdentifier=f"c{i}",
            Engine="aurora-postgresql",
            EngineVersion="16.4",
            MasterUsername="postgres",
            MasterUserPassword="password123",
        )
        rds.create_db_instance(
            DBInstanceIdentifier=f"c{i}-1",
            DBClusterIdentifier=f"c{i}",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
        acct.session(f"c{i}").execute("SELECT 1")
    big = acct.session("c0")
    for i in range(ROLES):
        big.execute(f"CREATE ROLE r{i}")
    acct.client("iam").create_user(UserName="alice")
    return acct


def _median_us(op: Callable[[], object], n: int, before: Callable[[], object] | None) -> float:
    samples = []
    gc.disable()
    try:
        for _ in range(n):
            if before is not None:
                before()
            t0 = time.perf_counter()
            op()
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", type=int, default=2000, help="snapshots and restores per round")
    parser.add_argument("--rebuild-n", type=int, default=3, help="rebuilds per round")
    args = parser.parse_args(argv)

    acct = build()
    prepared = acct.snapshot()
    session = acct.session("c0")
    counter = iter(range(10**9))

    def change() -> None:
        session.execute(f"CREATE ROLE extra{next(counter)}")

    snaps, restores, rebuilds = [], [], []
    for _ in range(args.rounds):
        snaps.append(_median_us(acct.snapshot, args.n, None))
        restores.append(_median_us(lambda: acct.restore(prepared), args.n, change))
        rebuilds.append(_median_us(build, args.rebuild_n, None))
    assert acct.snapshot() == prepared
    print(f"{CLUSTERS} clusters, {ROLES:,} roles in one; medians of per-round medians")
    print(
        f"  snapshot  {statistics.median(snaps):10.1f} us   rounds {[round(x, 1) for x in snaps]}"
    )
    print(
        f"  restore   {statistics.median(restores):10.1f} us   rounds "
        f"{[round(x, 1) for x in restores]}"
    )
    print(
        f"  rebuild   {statistics.median(rebuilds):10.1f} us   rounds "
        f"{[round(x) for x in rebuilds]}"
    )
    ratio = statistics.median(b / r for b, r in zip(rebuilds, restores, strict=True))
    print(f"  rebuild / restore (median of same-round ratios): {ratio:,.0f}x")
    worst = max(statistics.median(snaps), statistics.median(restores))
    print(f"target: at most 50 us each: {'met' if worst <= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
