"""boto3 through the bridge, side by side with boto3 through moto, in-process and over HTTP.

The same warm boto3 calls, made by real boto3 clients built once: ``describe_db_clusters``
with 10 clusters, then ``create_db_cluster`` (a new identifier each call).

* in-process: ``aurora_sec.aws.mock`` against moto's ``mock_aws``. Both go through botocore's
  full pipeline (parameter validation, serialization, signing, parsing), so the ratio shows
  what the emulator's handler costs against moto's;
* over HTTP (``--http``): ``endpoint_url=`` to ``aurora-sec serve`` (its stdlib HTTP server on
  127.0.0.1, in a thread of this process) against moto's server (``ThreadedMotoServer``,
  werkzeug, also in a thread on 127.0.0.1).

Run::

    python -m pip install -e '.[bench]'
    python benchmarks/bench_bridge.py            # in-process and HTTP
    python benchmarks/bench_bridge.py --only mock

Rounds alternate between the two; each figure is the median of the per-round medians.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import time
import urllib.request
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


def _seed(create: Callable[[], object]) -> None:
    for _ in range(10):
        create()


def _report(name: str, emu: list[float], mot: list[float], ours: str, theirs: str) -> None:
    e, m = statistics.median(emu), statistics.median(mot)
    print(f"{name}:")
    print(f"  {ours:<30} median {e:8.1f} us   rounds {[round(x) for x in emu]}")
    print(f"  {theirs:<30} median {m:8.1f} us   rounds {[round(x) for x in mot]}")
    ratios = sorted(b / a for a, b in zip(emu, mot, strict=True))
    print(
        f"  moto / aurora_sec: {m / e:.1f}x (same-round ratios: median "
        f"{statistics.median(ratios):.1f}x, {ratios[0]:.1f}-{ratios[-1]:.1f}x)"
    )


def bench_mock(rounds: int, n: int) -> None:
    """In-process: aurora_sec.aws.mock against moto's mock_aws."""
    # moto's before-send handler answers every client while mock_aws is active, so the two are
    # never active together here (tests/bridge/test_moto.py covers them together).
    bridge = mock(Account(seed=0))
    bridge.start()
    ours = boto3.client("rds", region_name="us-east-1", **KEYS)
    bridge.stop()
    moto = mock_aws()
    moto.start()
    theirs = boto3.client("rds", region_name="us-east-1", **KEYS)
    moto.stop(remove_data=False)
    with bridge:
        _seed(_create(ours, "seed"))
    moto.start(reset=False)
    _seed(_create(theirs, "seed"))
    moto.stop(remove_data=False)
    calls = {
        "describe_db_clusters (10 clusters)": (
            ours.describe_db_clusters,
            theirs.describe_db_clusters,
        ),
        "create_db_cluster": (_create(ours, "c"), _create(theirs, "c")),
    }
    print("in-process")
    for name, (our_call, their_call) in calls.items():
        emu, mot = [], []
        for _ in range(rounds):
            with bridge:
                emu.append(_median_us(our_call, n))
            moto.start(reset=False)
            try:
                mot.append(_median_us(their_call, n))
            finally:
                moto.stop(remove_data=False)
        _report(name, emu, mot, "boto3 + aurora_sec.aws.mock", "boto3 + moto mock_aws")


def bench_http(rounds: int, n: int) -> None:
    """Over a loopback socket: aurora-sec serve against moto's ThreadedMotoServer."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request

    from aurora_sec.aws.bridge.http import serve

    ours_server = serve(Account(seed=0), "127.0.0.1", 0).start()
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    try:
        host, port = moto_server.get_host_and_port()
        # moto's backends are this process's: start from none (the in-process rounds made some)
        urllib.request.urlopen(
            urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
        ).close()
        ours = boto3.client("rds", region_name="us-east-1", endpoint_url=ours_server.url, **KEYS)
        theirs = boto3.client(
            "rds", region_name="us-east-1", endpoint_url=f"http://{host}:{port}", **KEYS
        )
        _seed(_create(ours, "seed"))
        _seed(_create(theirs, "seed"))
        calls = {
            "describe_db_clusters (10 clusters)": (
                ours.describe_db_clusters,
                theirs.describe_db_clusters,
            ),
            "create_db_cluster": (_create(ours, "c"), _create(theirs, "c")),
        }
        print("over HTTP (127.0.0.1, server in a thread of this process)")
        for name, (our_call, their_call) in calls.items():
            emu, mot = [], []
            for _ in range(rounds):
                emu.append(_median_us(our_call, n))
                mot.append(_median_us(their_call, n))
            _report(name, emu, mot, "boto3 -> aurora-sec serve", "boto3 -> moto server")
    finally:
        ours_server.shutdown()
        moto_server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--only", choices=["mock", "http"], default=None)
    args = parser.parse_args(argv)
    if args.only in (None, "mock"):
        bench_mock(args.rounds, args.n)
    if args.only in (None, "http"):
        bench_http(args.rounds, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
