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
"""

from __future__ import annotations

from collections.abc import Callable

from aurora_sec.engine.catalog import Catalog, Grant, Role
from aurora_sec.versions import behaviour

__all__ = ["can_set_role", "closure", "has_privs", "is_admin", "is_member"]

Follow = Callable[[Role, Grant], bool]


def closure(catalog: Catalog, start: int, follow: Follow | None = None) -> set[int]:
    """Every role reachable from ``start`` through grants (``start`` included)."""
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


def _superuser(catalog: Catalog, oid: int) -> bool:
    role = catalog.roles.get(oid)
    return role is not None and role.superuser


def is_member(catalog: Catalog, member: int, role: int, *, superuser_counts: bool = True) -> bool:
    if superuser_counts and _superuser(catalog, member):
        return True
    return role in closure(catalog, member)


def has_privs(catalog: Catalog, major: int, member: int, role: int) -> bool:
    if _superuser(catalog, member):
        return True
    if member == role:
        return True
    if behaviour("membership.inherit_source", major) == "grant":
        return role in closure(catalog, member, lambda _r, g: g.inherit)
    return role in closure(catalog, member, lambda r, _g: r.inherit)


def can_set_role(catalog: Catalog, major: int, member: int, role: int) -> bool:
    if _superuser(catalog, member) or member == role:
        return True
    if behaviour("membership.set_role_needs", major) == "set-option":
        return role in closure(catalog, member, lambda _r, g: g.set)
    return role in closure(catalog, member)


def is_admin(catalog: Catalog, major: int, member: int, role: int, session_user: int) -> bool:
    if _superuser(catalog, member):
        return True
    if member == role:
        return (
            bool(behaviour("membership.session_user_admins_itself", major))
            and member == session_user
        )
    reachable = closure(catalog, member)
    return any(g.admin and g.member in reachable for g in catalog.grants_of_role(role))
