"""SQL plane: one role statement through the emulator (classify + authorize + apply), side by
side with ``pglast.parse_sql`` alone and with the same statement on a real PostgreSQL 15.

Run::

    python -m pip install -e '.[test]'
    python benchmarks/bench_sql.py            # add --no-server to skip the real PostgreSQL

"first sight" statements carry a new role name each time (the classifier's cache cannot help);
"repeated" runs the same text again. The real server runs each statement in a transaction
that is rolled back (as rdsadmin-created role ``cr``), the cheapest way to run role DDL there.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import pglast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec.sql import cache_clear
from tests.conformance.emulated import new_session

STATEMENTS = {
    "alter password": "ALTER ROLE {name} WITH PASSWORD 'hunter2hunter2' VALID UNTIL '2030-01-01'",
    "create role": "CREATE ROLE {name} LOGIN CREATEDB",
    "grant": "GRANT rds_password TO {name}",
    "rename": "ALTER ROLE {name} RENAME TO {name}_b",
}
SETUP = "CREATE ROLE {name} LOGIN"


def _median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def bench_emulator(template: str, n: int, *, repeated: bool) -> float:
    session = new_session(15, "rdsadmin")
    names = [f"r{i}" for i in range(n)]
    for name in names:
        if not template.startswith("CREATE"):
            session.execute(SETUP.format(name=name))
    samples = []
    gc.disable()
    try:
        for i, name in enumerate(names):
            text = template.format(
                name="r0"
                if repeated and not template.startswith(("CREATE", "ALTER ROLE {name} RENAME"))
                else name
            )
            if not repeated:
                cache_clear()
            t0 = time.perf_counter()
            session.execute(text)
            samples.append(time.perf_counter() - t0)
            del i
    finally:
        gc.enable()
    return _median_us(samples)


def bench_pglast(template: str, n: int) -> float:
    samples = []
    for i in range(n):
        text = template.format(name=f"r{i}")
        t0 = time.perf_counter()
        pglast.parse_sql(text)
        samples.append(time.perf_counter() - t0)
    return _median_us(samples)


def bench_server(template: str, n: int) -> float | None:
    try:
        from tests.oracle.servers import start_server
    except ImportError:
        return None
    server = start_server(15)
    try:
        samples = []
        with server.connect("rdsadmin") as conn, conn.cursor() as cur:
            for i in range(n):
                name = f"r{i}"
                cur.execute(SETUP.format(name=name))
                t0 = time.perf_counter()
                cur.execute(
                    template.format(name=name)
                    if not template.startswith("CREATE")
                    else template.format(name=name + "x")
                )
                samples.append(time.perf_counter() - t0)
                conn.rollback()
        return _median_us(samples)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--server-n", type=int, default=200)
    parser.add_argument("--no-server", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"{'statement':16s} {'pglast.parse_sql':>17s} {'emulator 1st':>13s} {'ratio':>6s} {'emulator again':>15s} {'real PG 15':>11s} {'PG/emulator':>12s}"
    )
    for label, template in STATEMENTS.items():
        parse = bench_pglast(template, args.n)
        first = bench_emulator(template, args.n, repeated=False)
        again = bench_emulator(template, args.n, repeated=True)
        server = None if args.no_server else bench_server(template, args.server_n)
        server_text = f"{server:9.1f}us" if server is not None else "-"
        ratio_server = f"{server / first:10.0f}x" if server is not None else "-"
        print(
            f"{label:16s} {parse:15.1f}us {first:11.1f}us {first / parse:6.2f} {again:13.1f}us {server_text:>11s} {ratio_server:>12s}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
