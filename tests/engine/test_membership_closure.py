"""The memoised membership closure answers exactly as the uncached walk, whatever the changes.

The reference is the walk ``membership.closure`` (every grant above the member, each time) with
the rules of each major, as ``membership`` answered before it memoised closures. The memoised
answers are compared with it after random sequences of catalog changes (roles added, renamed,
made NOINHERIT or superuser, dropped; grants put with random options, including loops and rows
naming roles that do not exist; grants removed; settings changed) interleaved with questions
about the newest catalog and older ones (a transaction's working catalog and the committed one
coexist), and after random SQL (GRANT / REVOKE / DROP ROLE / ALTER ROLE in transactions rolled
back or committed, in two sessions) on 15 and 16 clusters.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Catalog, Grant, Role
from aurora_sec.engine.session import Session
from aurora_sec.errors import AuroraSecError
from aurora_sec.versions import behaviour

MAJORS = (14, 15, 16)
FUNCTIONS = ("is_member", "is_member_nosuper", "has_privs", "can_set_role", "is_admin")
#: an oid no role ever has
GHOST = 99_999

# -- the reference: the uncached walk, with the per-major rules ------------------------------


def _su(cat: Catalog, oid: int) -> bool:
    role = cat.roles.get(oid)
    return role is not None and role.superuser


def ref_is_member(cat: Catalog, member: int, role: int, *, superuser_counts: bool = True) -> bool:
    if superuser_counts and _su(cat, member):
        return True
    return role in membership.closure(cat, member)


def ref_has_privs(cat: Catalog, major: int, member: int, role: int) -> bool:
    if _su(cat, member) or member == role:
        return True
    if behaviour("membership.inherit_source", major) == "grant":
        return role in membership.closure(cat, member, lambda _r, g: g.inherit)
    return role in membership.closure(cat, member, lambda r, _g: r.inherit)


def ref_can_set_role(cat: Catalog, major: int, member: int, role: int) -> bool:
    if _su(cat, member) or member == role:
        return True
    if behaviour("membership.set_role_needs", major) == "set-option":
        return role in membership.closure(cat, member, lambda _r, g: g.set)
    return role in membership.closure(cat, member)


def ref_is_admin(cat: Catalog, major: int, member: int, role: int, session_user: int) -> bool:
    if _su(cat, member):
        return True
    if member == role:
        return (
            bool(behaviour("membership.session_user_admins_itself", major))
            and member == session_user
        )
    reachable = membership.closure(cat, member)
    return any(g.admin and g.member in reachable for g in cat.grants_of_role(role))


def answer(cat: Catalog, fn: str, major: int, member: int, role: int, *, ref: bool) -> bool:
    if fn == "is_member":
        return (ref_is_member if ref else membership.is_member)(cat, member, role)
    if fn == "is_member_nosuper":
        return (ref_is_member if ref else membership.is_member)(
            cat, member, role, superuser_counts=False
        )
    if fn == "has_privs":
        return (ref_has_privs if ref else membership.has_privs)(cat, major, member, role)
    if fn == "can_set_role":
        return (ref_can_set_role if ref else membership.can_set_role)(cat, major, member, role)
    assert fn == "is_admin"
    return (ref_is_admin if ref else membership.is_admin)(cat, major, member, role, member)


def check(cat: Catalog, fn: str, major: int, member: int, role: int) -> None:
    expected = answer(cat, fn, major, member, role, ref=True)
    assert answer(cat, fn, major, member, role, ref=False) == expected, (fn, major, member, role)


def sweep(cat: Catalog, oids: list[int], majors: tuple[int, ...] = MAJORS) -> None:
    for fn in FUNCTIONS:
        for major in majors:
            for member in oids:
                for role in oids:
                    check(cat, fn, major, member, role)


#: the closures ``membership`` memoises, and which grants the reference walk follows for each
FOLLOW: dict[membership.Kind, membership.Follow | None] = {
    membership.MEMBER: None,
    membership.INHERIT_GRANT: lambda _r, g: g.inherit,
    membership.INHERIT_ROLE: lambda r, _g: r.inherit,
    membership.SET_GRANT: lambda _r, g: g.set,
}

# -- catalog-level sequences ---------------------------------------------------------------

SLOTS = 5  # role names r0 .. r4

ops = st.one_of(
    st.tuples(st.just("add"), st.integers(0, SLOTS - 1), st.booleans()),
    st.tuples(st.just("inherit"), st.integers(0, SLOTS - 1)),
    st.tuples(st.just("superuser"), st.integers(0, SLOTS - 1)),
    st.tuples(st.just("rename"), st.integers(0, SLOTS - 1), st.integers(0, 99)),
    st.tuples(st.just("drop"), st.lists(st.integers(0, SLOTS - 1), min_size=1, max_size=2)),
    st.tuples(
        st.just("grant"),
        st.integers(0, SLOTS),  # SLOTS: a role that does not exist
        st.integers(0, SLOTS),
        st.integers(0, 2),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("revoke"), st.integers(0, 63)),
    st.tuples(st.just("setting"), st.integers(0, SLOTS - 1)),
    # back to an older catalog: a ROLLBACK, or another session's view
    st.tuples(st.just("branch"), st.integers(0, 63)),
    st.tuples(
        st.just("ask"),
        st.integers(0, 63),  # which catalog version
        st.sampled_from(FUNCTIONS),
        st.sampled_from(MAJORS),
        st.integers(0, SLOTS),
        st.integers(0, SLOTS),
    ),
    st.tuples(st.just("sweep"), st.integers(0, 63)),
    # every closure of the current catalog, memoised and compared with the walk
    st.tuples(st.just("closures")),
    st.tuples(st.just("closures")),
)


def _start() -> Catalog:
    return Catalog({10: Role(10, "rdsadmin", superuser=True)}, next_oid=100)


def _oid_of(cat: Catalog, slot: int) -> int:
    """The oid of role ``r<slot>`` in ``cat``, or GHOST."""
    role = cat.get(f"r{slot}")
    return GHOST if role is None else role.oid


def _all_oids(cat: Catalog) -> list[int]:
    return [10, GHOST, *sorted(o for o in cat.roles if o != 10)]


def _apply(cat: Catalog, op: tuple[Any, ...]) -> Catalog | None:
    """The catalog ``op`` makes, or None if it asks nothing of the catalog."""
    kind = op[0]
    if kind == "add":
        _, slot, inherit = op
        if cat.get(f"r{slot}") is not None:
            return None
        return cat.add_role(Role(0, f"r{slot}", inherit=inherit))[0]
    if kind in ("inherit", "superuser", "rename"):
        old = cat.get(f"r{op[1]}")
        if old is None:
            return None
        if kind == "inherit":
            return cat.replace_role(old.replaced(inherit=not old.inherit))
        if kind == "superuser":
            return cat.replace_role(old.replaced(superuser=not old.superuser))
        new_name = f"r{op[2] % SLOTS}"
        if cat.get(new_name) is not None:
            return None
        return cat.replace_role(old.replaced(name=new_name))
    if kind == "drop":
        return cat.drop_roles(_oid_of(cat, s) for s in op[1])
    if kind == "grant":
        _, role_slot, member_slot, grantor_pick, admin, inherit, set_ = op
        role = _oid_of(cat, role_slot) if role_slot < SLOTS else GHOST
        member = _oid_of(cat, member_slot) if member_slot < SLOTS else GHOST
        grantor = (10, role, member)[grantor_pick]
        return cat.put_grant(Grant(role, member, grantor, admin=admin, inherit=inherit, set=set_))
    if kind == "revoke":
        grants = sorted(cat.grants, key=lambda g: (g.role, g.member, g.grantor))
        if not grants:
            return None
        return cat.remove_grant(grants[op[1] % len(grants)])
    if kind == "setting":
        return cat.set_setting(_oid_of(cat, op[1]), None, "work_mem", "64MB")
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.booleans(), min_size=2, max_size=SLOTS),
    st.lists(ops, min_size=1, max_size=40),
)
# r0 NOINHERIT after its closures were memoised: a change to the roles alone
@example([True, True], [("grant", 1, 0, 0, False, True, True), ("closures",), ("inherit", 0)])
# the same row granted again without ADMIN OPTION: r0 no longer administers r1
@example(
    [True, True], [("grant", 1, 0, 0, True, True, True), ("grant", 1, 0, 0, False, True, True)]
)
def test_memoised_answers_match_the_walk_across_catalog_changes(
    inherits: list[bool], steps: list[tuple[Any, ...]]
) -> None:
    first = _start()
    for slot, inherit in enumerate(inherits):  # some roles to begin with
        first = first.add_role(Role(0, f"r{slot}", inherit=inherit))[0]
    versions = [first]
    current = versions[0]
    for op in steps:
        if op[0] == "branch":
            current = versions[op[1] % len(versions)]
            continue
        if op[0] == "ask":
            _, pick, fn, major, member_slot, role_slot = op
            cat = versions[pick % len(versions)]
            member = _oid_of(cat, member_slot) if member_slot < SLOTS else 10
            role = _oid_of(cat, role_slot) if role_slot < SLOTS else 10
            check(cat, fn, major, member, role)
            continue
        if op[0] == "closures":
            oids = _all_oids(current)
            for start in oids:
                for kind, follow in FOLLOW.items():
                    walk = membership.closure(current, start, follow)
                    assert membership.reachable(current, start, kind) == walk, (start, kind)
                    # the walk down from a few roles (is_admin, select_best_admin)
                    for targets in (*([t] for t in oids), oids[1:3], oids[-3:]):
                        for budget in (1, 64):
                            found = membership.reaches(current, start, targets, follow, budget)
                            if budget == 64:
                                assert found is not None
                            if found is not None:
                                assert found == any(t in walk for t in targets), (start, kind)
            continue
        if op[0] == "sweep":
            cat = versions[op[1] % len(versions)]
            sweep(cat, _all_oids(cat))
            continue
        new = _apply(current, op)
        if new is not None:
            versions.append(new)
            current = new
    for cat in (current, versions[0], versions[len(versions) // 2]):
        sweep(cat, _all_oids(cat))
    for cat in versions:  # the ADMIN OPTION index is the rows' (is_admin looks it up)
        for oid in _all_oids(cat):
            scanned = frozenset(g.member for g in cat.grants_of_role(oid) if g.admin)
            assert cat.admin_holders(oid) == scanned, oid


# -- SQL sequences on real clusters ---------------------------------------------------------

NAMES = ("a", "b", "c", "d", "e")


def _cluster(version: str) -> Account:
    acct = Account(seed=8)
    rds = acct.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion=version,
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


name = st.sampled_from(NAMES)
grant_options = st.sampled_from(
    (
        "",
        " WITH ADMIN OPTION",
        " WITH INHERIT FALSE",
        " WITH SET FALSE",
        " WITH INHERIT TRUE, SET TRUE",
        " WITH ADMIN TRUE, INHERIT FALSE, SET FALSE",
    )
)
grants = st.builds(lambda r, m, o: f"GRANT {r} TO {m}{o}", name, name, grant_options)
statements = st.one_of(
    grants,
    st.builds(lambda n: f"CREATE ROLE {n}", name),
    st.builds(lambda n: f"CREATE ROLE {n} NOINHERIT", name),
    st.builds(lambda r, m: f"REVOKE {r} FROM {m}", name, name),
    st.builds(lambda r, m: f"REVOKE ADMIN OPTION FOR {r} FROM {m}", name, name),
    st.builds(lambda r, m: f"REVOKE INHERIT OPTION FOR {r} FROM {m}", name, name),
    st.builds(lambda r, m: f"REVOKE SET OPTION FOR {r} FROM {m}", name, name),
    st.builds(lambda n: f"DROP ROLE {n}", name),
    st.builds(lambda n: f"ALTER ROLE {n} NOINHERIT", name),
    st.builds(lambda n: f"ALTER ROLE {n} INHERIT", name),
    st.builds(lambda n, m: f"ALTER ROLE {n} RENAME TO {m}", name, name),
    st.builds(lambda n: f"SET ROLE {n}", name),
    st.just("RESET ROLE"),
    st.sampled_from(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s", "ROLLBACK TO SAVEPOINT s")),
)


def _sweep_session(session: Session, major: int) -> None:
    cat = session.catalog
    oids = [10, *sorted(r.oid for r in (cat.get(n) for n in (*NAMES, "postgres")) if r)]
    sweep(cat, oids, (major,))


@pytest.mark.parametrize(("version", "major"), [("15.4", 15), ("16.4", 16)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inherits=st.lists(st.booleans(), min_size=len(NAMES), max_size=len(NAMES)),
    prefix=st.lists(
        st.builds(
            lambda pair, admin: f"GRANT {pair[0]} TO {pair[1]}{admin}",
            st.permutations(NAMES).map(lambda p: p[:2]),
            st.sampled_from(("", " WITH ADMIN OPTION")),
        ),
        min_size=3,
        max_size=10,
    ),
    script=st.lists(st.tuples(st.booleans(), statements), min_size=1, max_size=40),
)
def test_memoised_answers_match_the_walk_across_sql(
    version: str,
    major: int,
    inherits: list[bool],
    prefix: list[str],
    script: list[tuple[bool, str]],
) -> None:
    acct = _cluster(version)
    sessions = (acct.session("prod"), acct.session("prod"))
    for role, inherit in zip(NAMES, inherits, strict=True):
        sessions[0].execute(f"CREATE ROLE {role} {'INHERIT' if inherit else 'NOINHERIT'}")
    for second, sql in [(False, sql) for sql in prefix] + script:
        session = sessions[int(second)]
        with contextlib.suppress(AuroraSecError):  # a failed statement changes nothing
            session.execute(sql)
        for s in sessions:
            _sweep_session(s, major)


# -- invalidation, sharing and threads --------------------------------------------------------


def _chain(n: int, *, extra: int = 0) -> tuple[Catalog, list[int]]:
    """Roles c0 .. c<n+extra-1>; ``c<i>`` a member of ``c<i+1>`` up to ``c<n-1>``."""
    cat = _start()
    oids = []
    for i in range(n + extra):
        cat, role = cat.add_role(Role(0, f"c{i}"))
        oids.append(role.oid)
    for low, high in itertools.pairwise(oids[:n]):
        cat = cat.put_grant(Grant(high, low, 10))
    return cat, oids


def test_a_grant_revoke_or_noinherit_is_seen_after_the_closure_was_memoised() -> None:
    cat, (c0, c1, c2, c3) = _chain(3, extra=1)
    assert membership.is_member(cat, c0, c2)
    assert membership.has_privs(cat, 15, c0, c2)
    assert not membership.is_member(cat, c0, c3)
    granted = cat.put_grant(Grant(c3, c2, 10))
    assert membership.is_member(granted, c0, c3)
    assert not membership.is_member(cat, c0, c3)  # the older catalog still answers as before
    revoked = granted.remove_grant(Grant(c2, c1, 10))
    assert not membership.is_member(revoked, c0, c3)
    assert membership.is_member(granted, c0, c3)
    assert membership.has_privs(granted, 15, c0, c3)
    noinherit = granted.replace_role(granted.role(c1).replaced(inherit=False))
    assert not membership.has_privs(noinherit, 15, c0, c3)  # up to 15 the role's flag counts
    assert membership.has_privs(noinherit, 16, c0, c3)  # from 16 the grants' options
    assert membership.has_privs(granted, 15, c0, c3)
    dropped = granted.drop_roles([c1])
    assert not membership.is_member(dropped, c0, c2)
    assert membership.is_member(granted, c0, c2)


def test_a_rename_keeps_the_answers_keyed_by_oid() -> None:
    cat, (c0, _c1, c2) = _chain(3)
    assert membership.is_member(cat, c0, c2)
    renamed = cat.replace_role(cat.role(c2).replaced(name="top"))
    assert membership.is_member(renamed, c0, c2)
    assert renamed.get("top") is not None and renamed.get("top") == renamed.role(c2)


def test_a_change_that_touches_no_role_or_grant_keeps_the_memo() -> None:
    cat, (c0, _c1, c2) = _chain(3)
    # (is_member answers a short chain by walking down from c2, without a memo)
    assert c2 in membership.reachable(cat, c0)
    memo = cat.membership_memo
    assert memo is not None
    derived = cat.set_setting(c0, None, "work_mem", "64MB")
    # Catalog._copy carries the slot over: the derived catalog has the same maps, so the memo
    # answers for it too
    assert getattr(derived, "membership_memo", None) is memo
    assert membership.is_member(derived, c0, c2)
    assert derived.membership_memo is memo
    changed = cat.put_grant(Grant(c0, c2, 10))
    assert membership.is_member(changed, c2, c0)
    assert changed.membership_memo is not memo
    assert cat.membership_memo is memo


def test_a_closure_is_handed_on_across_changes_that_do_not_reach_it() -> None:
    """A change hands the memo on with the roles it touched: a closure reaching none of them
    is reused as it is (the very same set), one reaching any of them is walked again."""
    cat, (c0, c1, c2, c3) = _chain(3, extra=1)
    assert membership.is_member(cat, c0, c2)
    known = membership.reachable(cat, c0)
    # another role's change (c3 is outside the chain), and a new role: handed on
    later, _ = cat.replace_role(cat.role(c3).replaced(inherit=False)).add_role(Role(0, "x"))
    assert membership.reachable(later, c0) is known
    # a grant whose member is in the closure: walked again, and the new answer is right
    grown = later.put_grant(Grant(c3, c1, 10))
    assert membership.reachable(grown, c0) == known | {c3}
    assert membership.is_member(grown, c0, c3)
    # a role of the closure dropped: walked again
    dropped = later.drop_roles([c2])
    assert c2 not in membership.reachable(dropped, c0)
    assert not membership.is_member(dropped, c0, c2)


def test_closures_above_a_touched_role_are_reused_after_many_changes() -> None:
    """The walk keeps the closure of every role it passes, and those closures are handed on
    through any number of later changes (past the point where the touched roles are filtered
    out once): a change to the bottom of a chain then walks one step, reusing the closure of
    the role above, and every answer stays the walk's."""
    cat, oids = _chain(50, extra=1)
    bottom, above, outsider = oids[0], oids[1], oids[-1]
    assert membership.is_member(cat, bottom, oids[49])
    kept_above = membership.reachable(cat, above)
    for i in range(600):  # unrelated changes: new roles, each granted the outsider
        cat, new = cat.add_role(Role(0, f"n{i}"))
        cat = cat.put_grant(Grant(outsider, new.oid, 10))
        assert membership.is_member(cat, bottom, oids[49])
    touched = cat.put_grant(Grant(outsider, bottom, 10))  # the bottom's own closure changes
    assert membership.reachable(touched, above) is kept_above
    assert membership.reachable(touched, bottom) == kept_above | {bottom, outsider}
    for oid in (bottom, above, oids[25], outsider):
        assert membership.reachable(touched, oid) == frozenset(membership.closure(touched, oid))


def test_a_rolled_back_transaction_leaves_the_committed_answers() -> None:
    acct = _cluster("16.4")
    s = acct.session("prod")
    for sql in ("CREATE ROLE a", "CREATE ROLE b", "CREATE ROLE c", "GRANT b TO a", "GRANT c TO b"):
        s.execute(sql)
    assert s.execute("SELECT pg_has_role('a', 'c', 'MEMBER')").value == "t"
    s.execute("BEGIN")
    s.execute("REVOKE c FROM b")
    assert s.execute("SELECT pg_has_role('a', 'c', 'MEMBER')").value == "f"
    other = acct.session("prod")
    assert other.execute("SELECT pg_has_role('a', 'c', 'MEMBER')").value == "t"
    s.execute("ROLLBACK")
    assert s.execute("SELECT pg_has_role('a', 'c', 'MEMBER')").value == "t"
    s.execute("BEGIN")
    s.execute("GRANT c TO b WITH SET FALSE GRANTED BY postgres")
    s.execute("REVOKE c FROM b GRANTED BY postgres")
    s.execute("COMMIT")
    assert other.execute("SELECT pg_has_role('a', 'c', 'MEMBER')").value == "f"


def test_the_memo_empties_past_its_budget_and_stays_right() -> None:
    n = 800  # closures of 800 + 799 + ... roles: past MEMO_BUDGET
    assert n * (n + 1) // 2 > membership.MEMO_BUDGET
    cat, oids = _chain(n)
    for i in reversed(range(n)):
        assert membership.reachable(cat, oids[i]) == frozenset(oids[i:])
    assert cat.membership_memo.size <= membership.MEMO_BUDGET
    for i in range(0, n, 37):
        assert membership.reachable(cat, oids[i]) == frozenset(membership.closure(cat, oids[i]))


def test_threads_reading_one_catalog_share_its_memo() -> None:
    cat, oids = _chain(40)
    # a second branch that joins the chain halfway, NOINHERIT and without SET on 16
    cat, side = cat.add_role(Role(0, "side", inherit=False))
    cat = cat.put_grant(Grant(oids[20], side.oid, 10, inherit=False, set=False))
    everyone = [*oids, side.oid]
    expected = {
        (fn, major, m, r): answer(cat, fn, major, m, r, ref=True)
        for fn in FUNCTIONS
        for major in (15, 16)
        for m in everyone
        for r in everyone[::3]
    }
    failures: list[object] = []

    def worker(shift: int) -> None:
        keys = list(expected)
        for key in keys[shift:] + keys[:shift]:
            fn, major, m, r = key
            if answer(cat, fn, major, m, r, ref=False) != expected[key]:
                failures.append(key)

    threads = [threading.Thread(target=worker, args=(k * len(expected) // 8,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
