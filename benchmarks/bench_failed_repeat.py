"""A failing statement repeated: answered by its remembered failure (``replay.Failed``), side
by side with the same statement checked again each time (the session's memos emptied before
each call, outside the timing).

Run::

    python benchmarks/bench_failed_repeat.py --rounds 5

For each statement, as rdsadmin on 15 and as the master user on 16 (on a catalog with 2,000
more roles): the median per call of each round, then the median over rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec.engine.session import Session
from aurora_sec.errors import PostgresError
from tests.conformance.emulated import new_session

#: (label, setup, failing statement)
CASES = [
    ("CREATE ROLE of a name taken", "CREATE ROLE taken", "CREATE ROLE taken LOGIN CREATEDB"),
    ("DROP ROLE of no such role", None, "DROP ROLE nosuch"),
    ("GRANT of no such role", None, "GRANT nosuch TO taken2"),
]


def _session(major: int, user: str, roles: int) -> Session:
    setup = new_session(major, "rdsadmin")
    session = Session(setup._db, setup._config, user)
    for i in range(roles):
        session.execute(f"CREATE ROLE filler{i} LOGIN")
    session.execute("CREATE ROLE taken2")
    return session


def _attempt(session: Session, sql: str) -> None:
    with contextlib.suppress(PostgresError):
        session.execute(sql)


def _per_call(session: Session, sql: str, calls: int, *, forget: bool) -> float:
    execute = session.execute
    samples = []
    gc.disable()
    try:
        for _ in range(calls):
            if forget:
                session.forget_statements()
            t0 = time.perf_counter()
            try:  # noqa: SIM105 (contextlib.suppress would add its own cost to the timing)
                execute(sql)
            except PostgresError:
                pass
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    print(f"{'statement':32} {'as':18} {'checked':>9} {'remembered':>11} {'ratio':>6}")
    for major, user in ((15, "rdsadmin"), (16, "postgres")):
        session = _session(major, user, 2000)
        for label, setup, sql in CASES:
            if setup is not None:
                session.execute(setup)
            for _ in range(3):  # noted, remembered
                _attempt(session, sql)
            checked, remembered = [], []
            for _ in range(args.rounds):
                checked.append(_per_call(session, sql, args.calls, forget=True))
                for _ in range(2):  # noted and remembered again after the emptying
                    _attempt(session, sql)
                remembered.append(_per_call(session, sql, args.calls, forget=False))
            c, r = statistics.median(checked), statistics.median(remembered)
            who = f"{user} on {major}"
            print(f"{label:32} {who:18} {c * 1e6:7.2f}us {r * 1e6:9.2f}us {r / c:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
