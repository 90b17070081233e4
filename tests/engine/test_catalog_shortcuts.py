"""Catalog changes that take a shortcut leave the catalog the long way leaves.

``Catalog.add_role`` remembers the role and name maps it replaced, so that dropping that role
next (``drop_roles`` or ``without_role``, DROP ROLE's replay) puts them back instead of
deleting from them. Any other change in between forgets them (``_copy``). Here the shortcut is
compared with the long way on the same catalog, the remembered maps forgotten by a change that
changes nothing else (``with_salts_drawn``).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as hst

from aurora_sec.engine.catalog import Catalog, Role

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
