"""Scale (issue 8): membership checks and role statements in a cluster of 100,000 roles with a
membership chain 50 deep, against the same in a cluster of 10 roles; and the memory the
100,000 roles take.

Run::

    python -m pip install -e .
    python benchmarks/bench_scale.py                 # --roles 100000 --depth 50 --rounds 7

Two clusters (Aurora PostgreSQL 15.4, each in its own account):

* **small**: 10 roles ``c0 .. c9``, a chain ``c0 -> c1 -> ... -> c9`` (``c0`` is a member of
  ``c1``, which is a member of ``c2``, ...): 9 grants deep, the deepest a 10-role cluster has;
* **large**: a chain ``c0 .. c49`` (50 deep) and ``--roles`` in all (the rest ``u<i> LOGIN``).

What is timed (median of ``--n`` operations per round, rounds alternating small and large;
the ratio is the median of same-round ratios):

* ``is_member`` (``aurora_sec.engine.membership``) from the bottom of the chain to its top:
  the small cluster's 9-deep chain; in the large one the same 9-deep question and the
  50-deep one. Asked again and again of one catalog, the memoised closure answers; the
  "first question" rows ask each time a catalog just derived by a change (``replace_role``
  with the same row: new maps) to the member asked about (its closure is walked again, one
  step, reusing the closure of the role above it) or to a role outside the chain (the memo
  is handed on and the closure reused);
* ``SELECT pg_has_role('c0', '<top>', 'MEMBER')`` through a session (repeated text);
* ``SET ROLE <top>`` in a session of ``c0`` (then ``RESET ROLE``, not timed);
* ``CREATE ROLE <new name>`` (a new text each time: the classifier's cache cannot help);
* ``GRANT c0 TO <new role>``: the circularity check (is ``c0`` a member of the new role?) is
  answered from the by-role index: nobody is a member of a new role.

Memory: the 100,000 roles built again under ``tracemalloc`` (retained after the build, and
the peak during it), and the growth of the process's resident set over the untraced build.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec.aws.account import Account
from aurora_sec.engine import membership
from aurora_sec.engine.session import Session

TOTAL_SMALL = 10


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _cluster() -> Account:
    acct = Account(seed=8)
    rds = acct.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return acct


def build(total: int, depth: int) -> tuple[Account, Session]:
    """A cluster with ``total`` roles: the chain c0 .. c<depth-1>, then u<i> LOGIN."""
    acct = _cluster()
    session = acct.session("prod")
    for i in range(depth):
        session.execute(f"CREATE ROLE c{i} LOGIN")
    for i in range(depth - 1):
        session.execute(f"GRANT c{i + 1} TO c{i}")
    for i in range(total - depth):
        session.execute(f"CREATE ROLE u{i} LOGIN")
    return acct, session


def _median_us(op: Callable[[int], object], n: int) -> float:
    samples = []
    gc.disable()
    try:
        for i in range(n):
            t0 = time.perf_counter()
            op(i)
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


class World:
    def __init__(self, label: str, total: int, depth: int) -> None:
        self.label = label
        self.acct, self.session = build(total, depth)
        self.depth = depth
        self.member = self.acct.session("prod", user="c0")
        self.fresh = 0

    def oid(self, name: str) -> int:
        role = self.session.catalog.get(name)
        assert role is not None, name
        return role.oid

    def is_member(self, start: int, depth: int) -> Callable[[int], object]:
        catalog = self.session.catalog
        bottom, top = self.oid(f"c{start}"), self.oid(f"c{start + depth - 1}")
        assert membership.is_member(catalog, bottom, top, superuser_counts=False)
        return lambda _i: membership.is_member(catalog, bottom, top, superuser_counts=False)

    def is_member_first(
        self, depth: int, n: int, *, touch_member: bool = True
    ) -> Callable[[int], object]:
        """The first question asked of each of ``n`` catalogs fresh from a change: to the
        member asked about (its closure must be walked again), or to a role outside the chain
        (the closure is handed on with the memo)."""
        catalog = self.session.catalog
        bottom, top = self.oid("c0"), self.oid(f"c{depth - 1}")
        membership.is_member(catalog, bottom, top, superuser_counts=False)  # memoised here
        touched = bottom if touch_member else self.oid("postgres")
        fresh = [catalog.replace_role(catalog.role(touched)) for _ in range(n)]
        assert all(f.roles is not catalog.roles for f in fresh)
        return lambda i: membership.is_member(fresh[i], bottom, top, superuser_counts=False)

    def pg_has_role(self, depth: int) -> Callable[[int], object]:
        sql = f"SELECT pg_has_role('c0', 'c{depth - 1}', 'MEMBER')"
        assert self.session.execute(sql).value == "t"
        return lambda _i: self.session.execute(sql)

    def set_role(self, depth: int) -> Callable[[int], object]:
        sql = f"SET ROLE c{depth - 1}"

        def op(_i: int) -> object:
            t = time.perf_counter()
            self.member.execute(sql)
            elapsed = time.perf_counter() - t
            self.member.execute("RESET ROLE")
            return elapsed

        return op

    def _new_name(self) -> str:
        self.fresh += 1
        return f"{self.label}_n{self.fresh}"

    def create_role(self) -> Callable[[int], object]:
        return lambda _i: self.session.execute(f"CREATE ROLE {self._new_name()}")

    def grant(self, names: list[str]) -> Callable[[int], object]:
        return lambda i: self.session.execute(f"GRANT c0 TO {names[i]}")

    def new_roles(self, n: int) -> list[str]:
        names = [self._new_name() for _ in range(n)]
        for name in names:
            self.session.execute(f"CREATE ROLE {name}")
        return names


def _time_set_role(world: World, depth: int, n: int) -> float:
    op = world.set_role(depth)
    samples = []
    gc.disable()
    try:
        for i in range(n):
            samples.append(float(op(i)))  # type: ignore[arg-type]
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


def measure(
    small: World, large: World, n: int, rounds: int
) -> list[tuple[str, list[float], list[float]]]:
    """Rows: (what, small medians per round, large medians per round)."""
    deep = large.depth
    rows: dict[str, tuple[list[float], list[float]]] = {}

    def add(what: str, small_us: float, large_us: float) -> None:
        rows.setdefault(what, ([], []))
        rows[what][0].append(small_us)
        rows[what][1].append(large_us)

    s_depth = small.depth
    same = f"{s_depth} roles both"
    versus = f"{s_depth} vs {deep} roles"
    for _ in range(rounds):
        add(
            f"is_member, chain of {same}",
            _median_us(small.is_member(0, s_depth), n),
            _median_us(large.is_member(deep - s_depth, s_depth), n),
        )
        add(
            f"is_member, chain of {versus}",
            _median_us(small.is_member(0, s_depth), n),
            _median_us(large.is_member(0, deep), n),
        )
        add(
            f"is_member, first question, chain of {versus}",
            _median_us(small.is_member_first(s_depth, n), n),
            _median_us(large.is_member_first(deep, n), n),
        )
        add(
            f"is_member, first question after another role's change, chain of {versus}",
            _median_us(small.is_member_first(s_depth, n, touch_member=False), n),
            _median_us(large.is_member_first(deep, n, touch_member=False), n),
        )
        add(
            f"SELECT pg_has_role, chain of {versus}",
            _median_us(small.pg_has_role(s_depth), n),
            _median_us(large.pg_has_role(deep), n),
        )
        add(
            f"SET ROLE, chain of {versus}",
            _time_set_role(small, s_depth, n),
            _time_set_role(large, deep, n),
        )
        add(
            "CREATE ROLE <new>",
            _median_us(small.create_role(), n),
            _median_us(large.create_role(), n),
        )
        s_names, l_names = small.new_roles(n), large.new_roles(n)
        add(
            f"GRANT c0 TO <new>, chain of {versus}",
            _median_us(small.grant(s_names), n),
            _median_us(large.grant(l_names), n),
        )
    return [(what, s, lg) for what, (s, lg) in rows.items()]


def memory(total: int, depth: int) -> tuple[float, float, float]:
    """(RSS growth of an untraced build, tracemalloc retained, tracemalloc peak), in MB."""
    gc.collect()
    before = _rss_bytes()
    acct, session = build(total, depth)
    gc.collect()
    rss = (_rss_bytes() - before) / 1e6
    assert len(list(session.catalog.names())) >= total
    del acct, session
    gc.collect()
    tracemalloc.start()
    acct, session = build(total, depth)
    gc.collect()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del acct, session
    return rss, retained / 1e6, peak / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--depth", type=int, default=50)
    parser.add_argument("-n", type=int, default=500, help="operations per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args(argv)

    print(f"Aurora PostgreSQL 15.4; Python {sys.version.split()[0]}")
    if not args.no_memory:
        # first, in a clean process: the memory figures are not muddied by the timing worlds
        rss, retained, peak = memory(args.roles, args.depth)
        print(
            f"memory for {args.roles:,} roles: RSS growth {rss:.1f} MB; "
            f"tracemalloc retained {retained:.1f} MB, peak {peak:.1f} MB (target < 200 MB)"
        )
    t0 = time.perf_counter()
    large = World("large", args.roles, args.depth)
    build_s = time.perf_counter() - t0
    small = World("small", TOTAL_SMALL, TOTAL_SMALL)
    print(
        f"built {args.roles:,} roles (chain {args.depth} deep) in {build_s:.1f} s "
        f"({build_s / args.roles * 1e6:.1f} us per statement)"
    )
    rows = measure(small, large, args.n, args.rounds)
    print()
    header = f"{'operation':52s} {'10 roles':>10s} {f'{args.roles:,} roles':>14s} {'ratio':>6s}  rounds (ratio)"
    print(header)
    print("-" * len(header))
    worst = (0.0, "")
    for what, s, lg in rows:
        ratios = [b / a for a, b in zip(s, lg, strict=True)]
        ratio = statistics.median(ratios)
        worst = max(worst, (ratio, what))
        print(
            f"{what:52s} {statistics.median(s):8.2f}us {statistics.median(lg):12.2f}us "
            f"{ratio:6.2f}  {min(ratios):.2f}-{max(ratios):.2f}"
        )
    print()
    print(
        f"worst ratio {worst[0]:.2f}, {worst[1]} (target: within 2x: "
        f"{'met' if worst[0] <= 2 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
