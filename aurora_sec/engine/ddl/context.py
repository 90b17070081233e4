"""What a role statement runs against: the working catalog, who runs it, and the settings.

A statement handler gets an :class:`ExecContext`, reads ``catalog``, and either raises a
:class:`~aurora_sec.errors.PostgresError` (having changed nothing: ``catalog`` is only
replaced at the end) or replaces ``catalog`` with the new one and appends its notices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aurora_sec.engine import membership
from aurora_sec.engine.catalog import Catalog, Role
from aurora_sec.engine.messages import error, notice
from aurora_sec.errors import PostgresError
from aurora_sec.sql.statements import RoleRef, RoleRefKind, ServerMessage

__all__ = ["ExecContext", "role_name"]


def role_name(catalog: Catalog, major: int, oid: int) -> str:
    """``GetUserNameFromId``: the name of a role known by oid; 42704 ``invalid role OID`` once
    another session dropped it."""
    role = catalog.roles.get(oid)
    if role is None:
        raise error("role.invalid_oid", major, oid=oid)
    return role.name


class ExecContext:
    """The state of one statement's run (mutable; made for every statement, so a plain
    slotted class with a spelled-out constructor)."""

    __slots__ = (
        "_start",
        "catalog",
        "clock",
        "current_user",
        "gucs",
        "major",
        "notices",
        "salt_at",
        "salt_base",
        "salts_used",
        "session_user",
    )

    def __init__(
        self,
        catalog: Catalog,
        major: int,
        session_user: int,
        current_user: int,
        gucs: Mapping[str, str],
        salt_at: Callable[[int], bytes],
        notices: list[ServerMessage] | None = None,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.catalog = catalog
        #: The cluster's clock (``Database.clock``): what 'now' in a VALID UNTIL reads.
        self.clock = clock
        self.major = major
        self.session_user = session_user
        self.current_user = current_user
        #: The session's GUC values (password_encryption, createrole_self_grant, ...).
        self.gucs = gucs
        #: The cluster's n-th SCRAM salt (a pure function of n): see :meth:`salt`.
        self.salt_at = salt_at
        self.notices: list[ServerMessage] = [] if notices is None else notices
        #: Salts this statement drew, on top of the catalog's ``salts_drawn`` when it began.
        self.salts_used = 0
        self.salt_base = catalog.salts_drawn
        self._start = catalog

    def __repr__(self) -> str:
        return (
            f"<ExecContext major={self.major} session_user={self.session_user} "
            f"current_user={self.current_user} {self.catalog!r}>"
        )

    def salt(self) -> bytes:
        """The next salt for a SCRAM secret. The count lives in the catalog
        (:meth:`finished_catalog`), so a statement that fails draws nothing for good."""
        self.salts_used += 1
        return self.salt_at(self.salt_base + self.salts_used - 1)

    def finished_catalog(self) -> Catalog:
        """The catalog the statement leaves, with the salts it drew counted."""
        catalog = self.catalog
        if not self.salts_used:
            return catalog
        if catalog is self._start:  # pragma: no cover - a drawn salt is a stored password
            return catalog.with_salts_drawn(self.salt_base + self.salts_used)
        # the handler's new catalog is not published yet: count the draws in it, no copy
        catalog.salts_drawn = self.salt_base + self.salts_used
        return catalog

    # -- who is running ---------------------------------------------------------------

    @property
    def me(self) -> Role:
        """The current role's row; a role another session dropped has no attribute at all
        (``superuser_arg`` and ``has_createrole_privilege`` find no row and say false)."""
        try:
            return self.catalog.role(self.current_user)
        except KeyError:
            return Role(self.current_user, "", inherit=False)

    @property
    def superuser(self) -> bool:
        try:
            return self.catalog.role(self.current_user).superuser
        except KeyError:  # dropped by another session
            return False

    @property
    def createrole(self) -> bool:
        """``have_createrole_privilege()``: superuser or CREATEROLE."""
        try:
            me = self.catalog.role(self.current_user)
        except KeyError:  # dropped by another session
            return False
        return me.superuser or me.createrole

    def is_admin(self, role: int) -> bool:
        return membership.is_admin(
            self.catalog, self.major, self.current_user, role, self.session_user
        )

    def has_privs(self, role: int) -> bool:
        return membership.has_privs(self.catalog, self.major, self.current_user, role)

    # -- names -----------------------------------------------------------------------

    def lookup(self, name: str) -> Role:
        role = self.catalog.get(name)
        if role is None:
            raise error("role.missing", self.major, name=name)
        return role

    def resolve(self, ref: RoleRef) -> Role:
        """``get_rolespec_tuple``: a name, CURRENT_USER/ROLE, SESSION_USER; PUBLIC is missing."""
        if ref.kind is RoleRefKind.NAME:
            assert ref.name is not None
            return self.lookup(ref.name)
        if ref.kind is RoleRefKind.PUBLIC:
            raise error("role.public_missing", self.major)
        oid = self.session_user if ref.kind is RoleRefKind.SESSION_USER else self.current_user
        role = self.catalog.roles.get(oid)
        if role is None:  # dropped by another session while this one runs as it
            raise error("role.cache_lookup", self.major, oid=oid)
        return role

    def name_of(self, oid: int) -> str:
        """``GetUserNameFromId``: the name of a role known by oid (the session's own)."""
        return role_name(self.catalog, self.major, oid)

    # -- messages --------------------------------------------------------------------

    def fail(self, message_id: str, **fields: Any) -> PostgresError:
        return error(message_id, self.major, **fields)

    def notify(self, message_id: str, **fields: Any) -> None:
        severity, sqlstate, message, detail = notice(message_id, self.major, **fields)
        self.notices.append(ServerMessage(severity, sqlstate, message, detail))
