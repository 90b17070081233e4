"""SQL plane: one role statement through the emulator (classify + authorize + apply + commit),
side by side with ``pglast.parse_sql`` alone and with the same statement on a real PostgreSQL 15.

Run::

    python -m pip install -e '.[test]'
    python benchmarks/bench_sql.py -n 2000 --server-n 200   # add --no-server to skip PostgreSQL

For each statement of reference/perf-baselines.md section 1:

* ``parse_sql``: ``pglast.parse_sql`` of the first-sight texts;
* ``first sight``: ``Session.execute`` of a text never seen before (a new role name each
  time, and the classification cache and the session's memory of statements emptied before
  each call, outside the timing; SELECT 1 has no name, so only the emptying makes it new);
* ``repeated``: ``Session.execute`` of the very same text again and again, each time as a full
  statement against the current catalog. ALTER ROLE ... PASSWORD and GRANT repeat as they are
  (GRANT then answers NOTICE "already a member"); CREATE ROLE repeats after an untimed DROP
  ROLE of the same name; RENAME alternates ``a RENAME TO a_b`` and ``a_b RENAME TO a`` (both
  texts repeated, both timed);
* ``batch``: the mean per statement of one batch of the same repeats (CREATE ROLE and its
  DROP ROLE alternate there, both timed, as do the two RENAMEs), the method of
  reference/perf-baselines.md: what a loop of repeats costs, periodic costs included;
* ``classified`` (with ``--classified``): a text classified just before (the cache warm)
  that the session does not remember, so that no memo answers: the statement's checks and change
  alone, as a script pays for statements that rarely come again in the same state (``n`` more
  roles are made for it);
* ``real PG 15``: the statement on PostgreSQL 15 over loopback (psycopg, as rdsadmin, inside
  a transaction rolled back after each statement).

Rounds alternate between the contenders (all three emulator/parse batches each round, the
server's share too), so machine noise hits all alike; a figure is the median over rounds of the
per-round median per call, and a ratio is the median over rounds of the per-round ratio. The
emulator's session runs as rdsadmin on a 15.4 catalog that holds ``n`` extra roles; with
``--major 16 --user postgres`` it runs as the master user (NOSUPERUSER CREATEROLE) of a 16
catalog instead, the user creating every role it works on (16 asks for ADMIN OPTION on it,
which its CREATE ROLE grants). The server's column stays PostgreSQL 15 as rdsadmin.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pglast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec.engine.session import Session
from aurora_sec.sql import cache_clear
from aurora_sec.sql.classify import classify_major
from tests.conformance.emulated import new_session

STATEMENTS = {
    "alter password": "ALTER ROLE {name} WITH PASSWORD 'hunter2hunter2' VALID UNTIL '2030-01-01'",
    "create role": "CREATE ROLE {name} LOGIN CREATEDB",
    "grant": "GRANT rds_password TO {name}",
    "rename": "ALTER ROLE {name} RENAME TO {name}_b",
    "select 1": "SELECT 1",
}
SETUP = "CREATE ROLE {name} LOGIN"


def _timed(
    calls: Sequence[Callable[[], object]], before: Callable[[], object] | None
) -> list[float]:
    """Seconds of each call (``before`` runs untimed ahead of each), GC off."""
    samples = []
    gc.disable()
    try:
        for call in calls:
            if before is not None:
                before()
            t0 = time.perf_counter()
            call()
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return samples


class _Emulator:
    """One session with ``n`` extra roles, and the texts of each round."""

    def __init__(
        self, label: str, n: int, rounds: int, major: int, user: str, *, others: bool = False
    ) -> None:
        self.label = label
        self.template = STATEMENTS[label]
        setup = new_session(major, "rdsadmin")
        self.session: Session = Session(setup._db, setup._config, user)
        self.per_round = n // rounds
        self.names = [[f"r{k}_{i}" for i in range(self.per_round)] for k in range(rounds)]
        #: names for the ``classified`` column (only with ``--classified``)
        self.others = [[f"o{k}_{i}" for i in range(self.per_round)] for k in range(rounds)]
        creates = label == "create role"
        for batch in self.names + (self.others if others else []):
            for name in batch:
                if not creates:
                    self.session.execute(SETUP.format(name=name))
        if creates:
            for i in range(n):
                self.session.execute(SETUP.format(name=f"filler{i}"))
        self.session.execute(SETUP.format(name="again"))

    def texts(self, k: int) -> list[str]:
        return [self.template.format(name=name) for name in self.names[k]]

    def first_sight(self, k: int) -> list[float]:
        execute = self.session.execute
        calls = [partial(execute, text) for text in self.texts(k)]
        return _timed(calls, self._forget)

    def classified(self, k: int) -> list[float]:
        """Seconds of each call of a text classified just before (the cache warm) that the
        session does not remember (a new role's name; SELECT 1 with the session's memos
        emptied): a statement no memo answers, as in a script whose statements rarely come
        again in the same state."""
        execute = self.session.execute
        major = self.session.major
        samples = []
        gc.disable()
        try:
            for name in self.others[k]:
                text = self.template.format(name=name)
                classify_major(text, major)
                self.session.forget_statements()
                t0 = time.perf_counter()
                execute(text)
                samples.append(time.perf_counter() - t0)
        finally:
            gc.enable()
        return samples

    def _forget(self) -> None:
        cache_clear()
        self.session.forget_statements()

    def batch(self) -> float:
        """Mean seconds per statement over one batch of repeats, GC off (the method of
        reference/perf-baselines.md): CREATE and its DROP alternate, both repeated, as do
        the two RENAMEs; the mean is over all the statements of the batch."""
        execute = self.session.execute
        if self.label == "create role":
            texts = ["DROP ROLE IF EXISTS fresh", self.template.format(name="fresh")]
        elif self.label == "rename":
            texts = [self.template.format(name="again"), "ALTER ROLE again_b RENAME TO again"]
        else:
            texts = [self.template.format(name="again")] * 2
        pairs = range(self.per_round // 2)
        gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in pairs:
                for text in texts:
                    execute(text)
            elapsed = time.perf_counter() - t0
        finally:
            gc.enable()
        return elapsed / (2 * len(pairs))

    def repeated(self) -> list[float]:
        execute = self.session.execute
        if self.label == "create role":
            text = self.template.format(name="fresh")
            drop = "DROP ROLE IF EXISTS fresh"
            return _timed([lambda: execute(text)] * self.per_round, lambda: execute(drop))
        if self.label == "rename":
            there = self.template.format(name="again")
            back = "ALTER ROLE again_b RENAME TO again"
            calls = [lambda: execute(there), lambda: execute(back)] * (self.per_round // 2)
            return _timed(calls, None)
        text = self.template.format(name="again")
        execute(text)
        return _timed([lambda: execute(text)] * self.per_round, None)


class _Server:
    def __init__(self, rounds: int, server_n: int) -> None:
        from tests.oracle.servers import start_server

        self.server = start_server(15)
        self.conn: Any = self.server.connect("rdsadmin")
        self.per_round = max(1, server_n // rounds)
        self.counter = 0

    def run(self, template: str) -> list[float]:
        samples = []
        with self.conn.cursor() as cur:
            for _ in range(self.per_round):
                self.counter += 1
                name = f"s{self.counter}"
                cur.execute(SETUP.format(name=name))
                text = template.format(name=name + "x" if template.startswith("CREATE") else name)
                t0 = time.perf_counter()
                cur.execute(text)
                samples.append(time.perf_counter() - t0)
                self.conn.rollback()
        return samples

    def close(self) -> None:
        self.conn.close()
        self.server.stop()


def _us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000, help="first-sight statements per row")
    parser.add_argument("--server-n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--only", action="append", choices=list(STATEMENTS), help="rows to run")
    parser.add_argument("--major", type=int, default=15, help="the emulated major")
    parser.add_argument("--user", default="rdsadmin", help="rdsadmin, or postgres (master)")
    parser.add_argument(
        "--classified",
        action="store_true",
        help="add a column: texts classified before but not remembered (n more roles)",
    )
    args = parser.parse_args(argv)
    server = None if args.no_server else _Server(args.rounds, args.server_n)
    print(
        f"{'statement':16s} {'parse_sql':>10s} {'1st sight':>10s} {'ratio':>6s} "
        f"{'repeated':>9s} {'batch':>7s} {'real PG 15':>11s} {'PG/1st':>7s} {'PG/rep':>7s}"
    )
    try:
        for label, template in STATEMENTS.items():
            if args.only and label not in args.only:
                continue
            emulator = _Emulator(
                label, args.n, args.rounds, args.major, args.user, others=args.classified
            )
            parse, first, again, batch, real, known = [], [], [], [], [], []
            ratios, pg_first, pg_again = [], [], []
            for k in range(args.rounds):
                texts = emulator.texts(k)
                parses = [partial(pglast.parse_sql, t) for t in texts]
                p = _us(_timed(parses, None))
                f = _us(emulator.first_sight(k))
                a = _us(emulator.repeated())
                batch.append(emulator.batch() * 1e6)
                if args.classified:
                    known.append(_us(emulator.classified(k)))
                parse.append(p)
                first.append(f)
                again.append(a)
                ratios.append(f / p)
                if server is not None:
                    s = _us(server.run(template))
                    real.append(s)
                    pg_first.append(s / f)
                    pg_again.append(s / a)
            med = statistics.median
            real_text = f"{med(real):9.1f}us" if real else "-"
            print(
                f"{label:16s} {med(parse):8.1f}us {med(first):8.1f}us {med(ratios):6.2f} "
                f"{med(again):7.1f}us {med(batch):5.1f}us {real_text:>11s} "
                + (f"{med(pg_first):6.0f}x {med(pg_again):6.0f}x" if real else "")
                + (f"   classified {med(known):.1f}us" if known else "")
            )
    finally:
        if server is not None:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
