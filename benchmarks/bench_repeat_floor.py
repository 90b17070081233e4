"""A repeated ALTER ROLE ... PASSWORD against its floor: what storing the change alone costs.

Run::

    python benchmarks/bench_repeat_floor.py --rounds 5

Side by side, on a 15.4 catalog with 2,000 roles, as rdsadmin:

* ``statement``: ``Session.execute`` of the same ``ALTER ROLE again WITH PASSWORD '...' VALID
  UNTIL '2030-01-01'`` again and again (classification cached; from the third run on its checks
  are not made again while nothing they read changes: aurora_sec/engine/replay.py);
* ``apply only``: the change without any check or classification: look the role up, draw the
  next salt, build the stored password and the new ``pg_authid`` row, replace it in the
  catalog and commit (what any repeat must still do, since each draws a new salt);
* ``no-change repeat``: ``Session.execute`` of ``SELECT 1`` again (the statement machinery
  around a memoised answer: lock, cached classification, memo check, result).

``apply only`` + ``no-change repeat`` is the least a repeated password change can cost in this
data model, whatever is remembered about its checks; ``statement`` shows how close the replay
comes to it. Medians over rounds of the per-round median of batches, GC off.
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

from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.sql.classify import classify_major
from aurora_sec.sql.statements import AlterRole
from tests.conformance.emulated import new_session

TEXT = "ALTER ROLE again WITH PASSWORD 'hunter2hunter2' VALID UNTIL '2030-01-01'"


def _per_call(call: Callable[[], object], n: int) -> float:
    gc.disable()
    try:
        samples = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(n):
                call()
            samples.append((time.perf_counter() - t0) / n)
        return statistics.median(samples) * 1e6
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", type=int, default=5000, help="calls per batch")
    args = parser.parse_args(argv)
    session = new_session(15, "rdsadmin")
    for i in range(2000):
        session.execute(f"CREATE ROLE f{i} LOGIN")
    session.execute("CREATE ROLE again LOGIN")
    session.execute(TEXT)
    db = session._db
    stmt = classify_major(TEXT, 15)[0]
    assert isinstance(stmt, AlterRole)
    assert stmt.options.password is not None
    secret = stmt.options.password.value
    valid_until = session.execute(
        "SELECT rolvaliduntil FROM pg_authid WHERE rolname = 'again'"
    ).value

    def apply_only() -> None:
        catalog = db.catalog
        role = catalog.get("again")
        assert role is not None
        drawn = catalog.salts_drawn
        password = StoredPassword("scram-sha-256", plain=secret, salt=db.salt(drawn))
        changed = catalog.with_secret_row(role.with_secret(password, valid_until))
        changed.salts_drawn = drawn + 1
        db.commit(changed)

    contenders: dict[str, Callable[[], object]] = {
        "statement": lambda: session.execute(TEXT),
        "apply only": apply_only,
        "no-change repeat": lambda: session.execute("SELECT 1"),
    }
    figures: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, call in contenders.items():
            figures[name].append(_per_call(call, args.n))
    med = {name: statistics.median(values) for name, values in figures.items()}
    for name, value in med.items():
        print(f"{name:18s} {value:6.2f} us   rounds {[round(v, 2) for v in figures[name]]}")
    floor = med["apply only"] + med["no-change repeat"]
    print(f"floor (apply only + no-change repeat): {floor:.2f} us (target for a repeat: 3 us)")
    print(f"statement / floor: {med['statement'] / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
