"""Catalog changes that take a shortcut leave the catalog the long way leaves.

``Catalog.add_role`` and ``Catalog.renamed`` remember the role and name maps they replaced,
so that undoing the change next (dropping that role: ``drop_roles`` or ``without_role``, DROP
ROLE's replay; renaming it back to the row it had) puts them back instead of changing them
again. Any other change in between forgets them (``_copy``). Here the shortcut is compared
with the long way on the same catalog, the remembered maps forgotten by a change that changes
nothing else (``with_salts_drawn``).
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as hst

from aurora_sec.engine.catalog import Catalog, Grant, Role
from aurora_sec.engine.membership import is_member
from aurora_sec.engine.passwords import StoredPassword

_names = hst.lists(hst.sampled_from([f"r{i}" for i in range(60)]), max_size=120)


def _built(creates: list[str], drops: list[str]) -> Catalog:
    """A catalog shaped by a history of creates and drops (so its maps have layers)."""
    catalog = Catalog({})
    for name in creates:
        if catalog.get(name) is None:
            catalog, _ = catalog.add_role(Role(0, name, login=True))
    for name in drops:
        role = catalog.get(name)
        if role is not None:
            catalog = catalog.drop_roles([role.oid])
    return catalog


def _same_roles(a: Catalog, b: Catalog) -> None:
    assert sorted(a.names()) == sorted(b.names())
    assert len(a.roles) == len(b.roles) and sorted(a.roles) == sorted(b.roles)
    for name in b.names():
        assert a.get(name) == b.get(name)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(creates=_names, drops=_names, superuser=hst.booleans())
def test_dropping_the_role_just_added_is_the_drop(
    creates: list[str], drops: list[str], superuser: bool
) -> None:
    catalog = _built(creates, drops)
    added, role = catalog.add_role(Role(0, "fresh", superuser=superuser))
    forgotten = added.with_salts_drawn(added.salts_drawn)
    for short, long in (
        (added.drop_roles([role.oid]), forgotten.drop_roles([role.oid])),
        (added.without_role(role), forgotten.without_role(role)),
    ):
        assert short == long
        _same_roles(short, long)
        assert short.get("fresh") is None and role.oid not in short.roles
        _same_roles(short, catalog)  # the roles as before; only the oid counter moved on
        assert short.next_oid == catalog.next_oid + 1


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    creates=_names,
    drops=_names,
    members=hst.lists(hst.tuples(hst.integers(min_value=0), hst.booleans()), max_size=4),
)
def test_dropping_the_role_just_added_with_grants_of_it_is_the_drop(
    creates: list[str], drops: list[str], members: list[tuple[int, bool]]
) -> None:
    """16's CREATE ROLE by a CREATEROLE role adds grants of the new role to its creator: the
    shortcut then puts the grant indexes back too."""
    catalog = _built([*creates, "last"], drops)
    oids = sorted(catalog.roles)
    for a, b in pairwise(oids):  # a chain, its closures memoised
        catalog = catalog.put_grant(Grant(b, a, 10))
    assert is_member(catalog, oids[0], oids[-1])
    added, role = catalog.add_role(Role(0, "fresh"))
    for pick, admin in members:
        added = added.put_grant(Grant(role.oid, oids[pick % len(oids)], 10, admin=admin))
        assert is_member(added, oids[pick % len(oids)], role.oid)
    long = added.with_salts_drawn(added.salts_drawn).drop_roles([role.oid])
    # (without_role's long way deletes the rows only: it is for a role no grant names)
    for short in (added.drop_roles([role.oid]), added.without_role(role)):
        assert short == long
        assert short.grants == long.grants == catalog.grants
        for oid in oids:
            assert list(short.grants_of_member(oid)) == list(long.grants_of_member(oid))
            assert short.has_members(oid) == long.has_members(oid)
            assert short.admin_holders(oid) == long.admin_holders(oid)
            assert is_member(short, oid, role.oid) is is_member(long, oid, role.oid) is False
            assert is_member(short, oids[0], oid) == is_member(long, oids[0], oid)


def test_a_grant_of_another_role_in_between_forgets_the_shortcut() -> None:
    catalog, t = Catalog({}).add_role(Role(0, "t"))
    catalog, u = catalog.add_role(Role(0, "u"))
    catalog, n = catalog.add_role(Role(0, "n"))
    catalog = catalog.put_grant(Grant(t.oid, u.oid, 10))
    for dropped in (catalog.drop_roles([n.oid]), catalog.without_role(n)):
        assert dropped.grants == (Grant(t.oid, u.oid, 10),)
        assert dropped.get("n") is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(creates=_names, drops=_names, pick=hst.integers(min_value=0), md5=hst.booleans())
def test_renaming_back_is_the_rename(
    creates: list[str], drops: list[str], pick: int, md5: bool
) -> None:
    catalog = _built([*creates, "last"], drops)
    names = sorted(catalog.names())
    before = catalog.get(names[pick % len(names)])
    assert before is not None
    if md5:  # a rename clears an MD5 password: renaming back gives another row
        catalog = catalog.replace_role(before.replaced(password=_MD5))
        before = catalog.role(before.oid)
    there = before.replaced(name="elsewhere", password=None if md5 else before.password)
    moved = catalog.renamed(before, there)
    forgotten = moved.with_salts_drawn(moved.salts_drawn)
    back = there.replaced(name=before.name)
    short, long = moved.renamed(there, back), forgotten.renamed(there, back)
    assert short == long
    _same_roles(short, long)
    assert short.get("elsewhere") is None and short.role(before.oid) == back
    # and forth again: the shortcut works both ways
    again, again_long = (
        short.renamed(back, there),
        forgotten.renamed(there, back).renamed(back, there),
    )
    assert again == again_long
    _same_roles(again, again_long)


_MD5 = StoredPassword.verbatim("md5" + "0" * 32)


def test_another_change_in_between_forgets_the_shortcut() -> None:
    catalog, other = Catalog({}).add_role(Role(0, "other"))
    catalog, first = catalog.add_role(Role(0, "a"))
    catalog = catalog.replace_role(other.replaced(login=True, name="renamed"))
    # the maps before a's creation hold "other" as it was: dropping a must not put them back
    dropped = catalog.drop_roles([first.oid])
    assert dropped.get("a") is None
    assert dropped.get("other") is None
    renamed = dropped.get("renamed")
    assert renamed is not None and renamed.login
    assert sorted(dropped.names()) == ["renamed"]
