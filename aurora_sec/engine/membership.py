"""Role membership questions, as ``src/backend/utils/adt/acl.c`` answers them per major.

* ``is_member``: member of the role through any chain of grants (``is_member_of_role``);
* ``has_privs``: has the role's privileges (``has_privs_of_role``): the chain stops at a role
  that does not inherit (up to 15: the *role's* ``rolinherit``; from 16: the *grant's*
  ``inherit_option``);
* ``can_set_role``: may ``SET ROLE`` to it (up to 15: membership; from 16: ``set_option`` on
  every grant of the chain);
* ``is_admin``: holds ADMIN OPTION on it (``is_admin_of_role``): superusers always; nobody on
  itself from 15 (up to 14 the session user administered itself).

Superusers pass every test. Which rule applies is looked up in :data:`aurora_sec.versions.RULES`.

Closures are memoised per catalog value (each PostgreSQL backend keeps a similar cache in
acl.c: the closure of one role per kind of recursion, flushed when memberships change). A
:class:`~aurora_sec.engine.catalog.Catalog` never changes; the memo, kept in its
``membership_memo`` slot, records the role map and by-member grant index it was computed from.
The walk is post-order, so the closure of every role it passes is kept too. A change to roles
or grants makes a new catalog with new maps and hands the memo on
(:class:`~aurora_sec.engine.catalog.MemoCarry`) with the roles it touched: the member of each
grant put or removed, each role replaced or dropped. A handed-on closure that reaches none of
them is the closure in the new catalog too (the walk would visit the same roles through the same
grants), so it is reused; one that does is walked again, down to the closures above it that
are still good. Handing on costs O(1) unless the catalog computed closures of its own (then
they are merged with the inherited ones still good) or the touched roles pile up past a bound
(then the inherited closures are filtered once). A catalog derived by a change that touches
neither map (a role setting, a table) shares its parent's memo. Every memo entry is an
immutable frozenset, so threads that read one catalog at once can share its memo: at worst two
of them compute the same closure twice.
:func:`closure` is the plain, uncached walk: the reference the memoised answers are tested
against (tests/engine/test_membership_closure.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from aurora_sec.engine.catalog import Catalog, Grant, MemoCarry, Role
from aurora_sec.versions import behaviour

__all__ = [
    "Kind",
    "can_set_role",
    "closure",
    "has_privs",
    "is_admin",
    "is_member",
    "privs_follow",
    "reachable",
    "reaches",
]

Follow = Callable[[Role, Grant], bool]

#: Which grants a closure follows (the "kind of membership").
Kind = int
#: every grant (``is_member_of_role``; ``SET ROLE`` up to 15; ADMIN OPTION holders)
MEMBER: Final[Kind] = 0
#: grants whose inherit option is set (``has_privs_of_role`` from 16)
INHERIT_GRANT: Final[Kind] = 1
#: grants of roles that are INHERIT (``has_privs_of_role`` up to 15)
INHERIT_ROLE: Final[Kind] = 2
#: grants whose SET option is set (``SET ROLE`` from 16)
SET_GRANT: Final[Kind] = 3

_FOLLOW: Final[dict[Kind, Follow | None]] = {
    MEMBER: None,
    INHERIT_GRANT: lambda _r, g: g.inherit,
    INHERIT_ROLE: lambda r, _g: r.inherit,
    SET_GRANT: lambda _r, g: g.set,
}
#: ``membership.inherit_source`` -> the closure ``has_privs`` uses.
_PRIVS_KIND: Final[dict[str, Kind]] = {"grant": INHERIT_GRANT, "role": INHERIT_ROLE}
#: ``membership.set_role_needs`` -> the closure ``can_set_role`` uses.
_SET_KIND: Final[dict[str, Kind]] = {"set-option": SET_GRANT, "member": MEMBER}

#: What one memo holds before it is emptied and refilled: each closure counts its roles plus
#: :data:`_ENTRY_COST` for the entry itself (about 50 bytes a unit, so some 12 MB at most).
MEMO_BUDGET: Final = 250_000
_ENTRY_COST: Final = 8
#: How many roles, summed over the closures one walk keeps, before it stops keeping them.
_WALK_BUDGET: Final = 20_000


def closure(catalog: Catalog, start: int, follow: Follow | None = None) -> set[int]:
    """Every role reachable from ``start`` through grants (``start`` included); uncached."""
    seen = {start}
    todo = [start]
    while todo:
        current = todo.pop()
        role = catalog.roles.get(current)
        if role is None:
            continue
        for grant in catalog.grants_of_member(current):
            if grant.role in seen:
                continue
            if follow is not None and not follow(role, grant):
                continue
            seen.add(grant.role)
            todo.append(grant.role)
    return seen


def reaches(
    catalog: Catalog,
    member: int,
    targets: Collection[int],
    follow: Follow | None = None,
    budget: int = 64,
) -> bool | None:
    """Whether ``targets`` holds a role of ``closure(catalog, member, follow)``, found by a
    walk down from ``targets`` over their members (the same grants, followed the other way):
    cheap where few roles are members of them, however many roles ``member`` belongs to (a
    CREATEROLE creator on 16 is a member of every role it created). None once the walk has
    passed ``budget`` roles: the caller walks up from ``member`` instead."""
    if member in targets:
        return True
    get_role = catalog.roles.get
    seen = set(targets)
    todo = list(seen)
    while todo:
        for grant in catalog.grants_of_role(todo.pop()):
            below = grant.member
            if below in seen:
                continue
            row = get_role(below)
            if row is None or (follow is not None and not follow(row, grant)):
                continue  # (the walk up from ``below`` would not take this grant)
            if below == member:
                return True
            seen.add(below)
            if len(seen) > budget:
                return None
            todo.append(below)
    return False


class _Memo:
    """Closures of one (role map, by-member grant index) pair, keyed by (start oid, kind).

    ``sets``: every closure known good for this catalog (looked up first); ``fresh``: those
    of them computed on this catalog; then what was handed on from earlier catalogs (see
    :class:`~aurora_sec.engine.catalog.MemoCarry`): ``recent``, the closures the previous
    catalog used, with ``recent_dirty``, and ``inherited``, all of them, with ``dirty``, the
    roles touched since they were computed. One that reaches no dirty role is good here too
    (and is then put in ``sets``)."""

    __slots__ = (
        "by_member",
        "dirty",
        "fresh",
        "inherited",
        "recent",
        "recent_dirty",
        "roles",
        "sets",
        "size",
    )

    def __init__(
        self,
        roles: Mapping[int, Role],
        by_member: object,
        carry: MemoCarry | None = None,
    ) -> None:
        self.roles = roles
        self.by_member = by_member
        self.sets: dict[tuple[int, Kind], frozenset[int]] = {}
        self.fresh: dict[tuple[int, Kind], frozenset[int]] = {}
        if carry is None:
            self.inherited: Mapping[tuple[int, Kind], frozenset[int]] | None = None
            self.dirty: frozenset[int] = frozenset()
            self.recent: Mapping[tuple[int, Kind], frozenset[int]] | None = None
            self.recent_dirty: frozenset[int] = frozenset()
            self.size = 0
        else:
            self.inherited = carry.sets
            self.dirty = carry.dirty
            self.recent = carry.recent
            self.recent_dirty = carry.recent_dirty
            self.size = carry.size

    def get(self, key: tuple[int, Kind]) -> frozenset[int] | None:
        found = self.sets.get(key)
        if found is not None:
            return found
        recent = self.recent
        if recent is not None:
            found = recent.get(key)
            if found is not None:
                # the inherited closure is this one or older: it reaches a dirty role too
                if not self.recent_dirty.isdisjoint(found):
                    return None
                self.sets[key] = found
                return found
        if self.inherited is not None:
            found = self.inherited.get(key)
            if found is not None:
                if not self.dirty.isdisjoint(found):
                    return None
                self.sets[key] = found
        return found

    def store(self, key: tuple[int, Kind], value: frozenset[int]) -> None:
        cost = len(value) + _ENTRY_COST
        if self.size + cost > MEMO_BUDGET:
            self.sets = {}
            self.fresh = {}
            self.inherited = self.recent = None
            self.size = 0
        self.sets[key] = value
        self.fresh[key] = value
        self.size += cost

    def handed_on(
        self, roles: Mapping[int, Role], by_member: object, touched: frozenset[int]
    ) -> MemoCarry | None:
        """What a catalog changed at ``touched`` from this memo's catalog inherits. When this
        catalog computed no closure: the inherited closures as they are, and the ones this
        catalog used as ``recent`` (O(1)). Else one mapping of the inherited ones still good
        here and the ones computed here."""
        if roles is not self.roles or by_member is not self.by_member:
            return None
        inherited = self.inherited
        if not self.fresh:
            if inherited is None:
                return None
            used = self.sets
            return MemoCarry(
                inherited, self.dirty, self.size, used if used else None, frozenset()
            ).handed_on(touched)
        fresh = dict(self.fresh)  # one C-level copy: readers on other threads may add to it
        carry = MemoCarry.consolidated(inherited or {}, self.dirty, fresh)
        return None if carry is None else carry.handed_on(touched)


def _memo(catalog: Catalog) -> _Memo:
    """The memo valid for ``catalog`` (a fresh one if its roles or grants changed)."""
    # getattr: a catalog copied without the slot (a spelled-out ``_copy``) starts a new memo
    memo: object = getattr(catalog, "membership_memo", None)
    roles = catalog.roles
    by_member: Any = catalog._by_member
    if isinstance(memo, _Memo) and memo.roles is roles and memo.by_member is by_member:
        return memo
    made = _Memo(roles, by_member, memo if isinstance(memo, MemoCarry) else None)
    catalog.membership_memo = made
    return made


def reachable(catalog: Catalog, start: int, kind: Kind = MEMBER) -> frozenset[int]:
    """``closure(catalog, start, follow)`` for the ``kind``'s follow rule, memoised.

    The walk is post-order: a role's closure is itself and the closures of the roles its
    followed grants lead to, so every role the walk passes gets its own closure memoised on
    the way. After a change, a question about a role the change touched then walks only from
    that role up to the first roles whose handed-on closures reach nothing the change
    touched (in a chain: one step), not the whole chain again. Keeping every closure costs
    the sum of their sizes (quadratic in a chain's length): past :data:`_WALK_BUDGET` roles
    in all, the walk gives up keeping them and takes the plain walk (linear).
    """
    memo = _memo(catalog)
    key = (start, kind)
    found = memo.get(key)
    if found is not None:
        return found
    follow = _FOLLOW[kind]
    get_role = catalog.roles.get
    grants_of_member = catalog.grants_of_member
    done: dict[int, frozenset[int]] = {}
    #: (role, the roles its followed grants lead to), in the order the walk entered them
    stack: list[tuple[int, list[int]]] = []
    entered: set[int] = set()
    kept = 0

    def enter(oid: int) -> None:
        role = get_role(oid)
        above: list[int] = []
        if role is not None:
            for grant in grants_of_member(oid):
                if follow is None or follow(role, grant):
                    above.append(grant.role)
        entered.add(oid)
        stack.append((oid, above))

    enter(start)
    while stack:
        oid, above = stack[-1]
        pending = None
        for up in above:
            if up in done:
                continue
            known = memo.get((up, kind))
            if known is not None:
                done[up] = known
                continue
            if up in entered:  # a loop (PostgreSQL refuses to make one): walk plainly
                result = frozenset(closure(catalog, start, follow))
                memo.store(key, result)
                return result
            pending = up
            break
        if pending is not None:
            enter(pending)
            continue
        stack.pop()
        entered.discard(oid)
        if not above:
            value = frozenset((oid,))
        elif len(above) == 1:
            value = done[above[0]] | {oid}
        else:
            value = frozenset((oid,)).union(*(done[up] for up in above))
        done[oid] = value
        memo.store((oid, kind), value)
        kept += len(value)
        if kept > _WALK_BUDGET:
            result = frozenset(closure(catalog, start, follow))
            memo.store(key, result)
            return result
    return done[start]


def _superuser(catalog: Catalog, oid: int) -> bool:
    role = catalog.roles.get(oid)
    return role is not None and role.superuser


def is_member(catalog: Catalog, member: int, role: int, *, superuser_counts: bool = True) -> bool:
    if superuser_counts and _superuser(catalog, member):
        return True
    if member == role:
        return True
    memo = catalog.membership_memo  # _known, inline: every GRANT's loop check comes here
    if type(memo) is _Memo and memo.roles is catalog.roles and memo.by_member is catalog._by_member:
        known = memo.sets.get((member, MEMBER))
        if known is not None:  # asked before of this very catalog
            return role in known
    # A one-off question about a new catalog, such as GRANT's loop check (is the granted role
    # a member of the grantee?), is often about a role that has no members at all, or asked
    # of a role that is a member of nothing: then neither the memo nor a closure is needed.
    # Else the grantee's few members (on 16: its creator) are walked down before a memo is
    # made for the new catalog.
    if not catalog.has_members(role) or not catalog.belongs_to_any(member):
        return False
    found = reaches(catalog, member, (role,), None, 8)
    if found is not None:
        return found
    known = _memo(catalog).get((member, MEMBER))
    if known is None:
        known = reachable(catalog, member, MEMBER)
    return role in known


def privs_follow(major: int) -> Follow | None:
    """The grants ``has_privs_of_role`` (and ``select_best_admin``) follow at ``major``."""
    try:
        return _PRIVS_FOLLOW[major]
    except KeyError:
        follow = _FOLLOW[_PRIVS_KIND[behaviour("membership.inherit_source", major)]]
        _PRIVS_FOLLOW[major] = follow
        return follow


#: privs_follow's answers (a rule of the version table, looked up once per major)
_PRIVS_FOLLOW: dict[int, Follow | None] = {}


def _known(catalog: Catalog, key: tuple[int, Kind]) -> frozenset[int] | None:
    """The closure ``key`` if this very catalog's memo holds it (no memo is made to ask)."""
    memo = catalog.membership_memo
    if type(memo) is _Memo and memo.roles is catalog.roles and memo.by_member is catalog._by_member:
        return memo.sets.get(key)
    return None


def has_privs(catalog: Catalog, major: int, member: int, role: int) -> bool:
    if _superuser(catalog, member):
        return True
    if member == role:
        return True
    kind = _PRIVS_KIND[behaviour("membership.inherit_source", major)]
    return role in reachable(catalog, member, kind)


def can_set_role(catalog: Catalog, major: int, member: int, role: int) -> bool:
    if _superuser(catalog, member) or member == role:
        return True
    kind = _SET_KIND[behaviour("membership.set_role_needs", major)]
    return role in reachable(catalog, member, kind)


def is_admin(catalog: Catalog, major: int, member: int, role: int, session_user: int) -> bool:
    if _superuser(catalog, member):
        return True
    if member == role:
        return (
            bool(behaviour("membership.session_user_admins_itself", major))
            and member == session_user
        )
    holders = catalog.admin_holders(role)
    if not holders:
        return False
    if member in holders:  # (16: a CREATEROLE creator, on each role it created)
        return True
    known = _known(catalog, (member, MEMBER))
    if known is None:
        found = reaches(catalog, member, holders)
        if found is not None:
            return found
        known = reachable(catalog, member, MEMBER)
    return any(holder in known for holder in holders)
