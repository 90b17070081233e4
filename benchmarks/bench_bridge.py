"""boto3 through the bridge (``aurora_sec.aws.mock``), side by side with boto3 under moto.

The same warm boto3 calls, made by real boto3 clients built once inside each mock:
``describe_db_clusters`` with 10 clusters, then ``create_db_cluster`` (a new identifier each
call). Both go
through botocore's full pipeline (parameter validation, serialization, signing, parsing), so
the ratio shows what the emulator's handler costs against moto's.

Run::

    python -m pip install -e '.[bench]'
    python benchmarks/bench_bridge.py

Rounds alternate between the two; each figure is the median of the per-round medians.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
from moto import mock_aws

from aurora_sec import Account
from aurora_sec.aws.bridge import mock

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _create(rds: Any, prefix: str) -> Callable[[], object]:
    counter = itertools.count()

    def create() -> object:
        return rds.create_db_cluster(
            DBClusterIdentifier=f"{prefix}{next(counter)}",
            Engine="aurora-postgresql",
            EngineVersion="15.4",
            MasterUsername="postgres",
            MasterUserPassword="correct-horse-battery",
        )

    return create


def _median_us(fn: Callable[[], object], n: int) -> float:
    samples = []
    gc.disable()
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args(argv)

    # moto's before-send handler is built into botocore once moto is imported and answers
    # every client while mock_aws is active, so the two are never active at the same time.
    bridge = mock(Account(seed=0))
    bridge.start()
    ours = boto3.client("rds", region_name="us-east-1", **KEYS)
    bridge.stop()
    moto = mock_aws()
    moto.start()
    theirs = boto3.client("rds", region_name="us-east-1", **KEYS)
    moto.stop(remove_data=False)
    seed_ours, seed_theirs = _create(ours, "seed"), _create(theirs, "seed")
    with bridge:
        for _ in range(10):
            seed_ours()
    moto.start(reset=False)
    for _ in range(10):
        seed_theirs()
    moto.stop(remove_data=False)
    calls = {
        "describe_db_clusters (10 clusters)": (
            ours.describe_db_clusters,
            theirs.describe_db_clusters,
        ),
        "create_db_cluster": (_create(ours, "c"), _create(theirs, "c")),
    }
    for name, (our_call, their_call) in calls.items():
        emu, mot = [], []
        for _ in range(args.rounds):
            with bridge:
                emu.append(_median_us(our_call, args.n))
            moto.start(reset=False)
            try:
                mot.append(_median_us(their_call, args.n))
            finally:
                moto.stop(remove_data=False)
        e, m = statistics.median(emu), statistics.median(mot)
        print(f"{name}:")
        print(
            f"  boto3 + aurora_sec.aws.mock  median {e:8.1f} us   rounds {[round(x) for x in emu]}"
        )
        print(
            f"  boto3 + moto mock_aws        median {m:8.1f} us   rounds {[round(x) for x in mot]}"
        )
        print(f"  moto / bridge: {m / e:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
