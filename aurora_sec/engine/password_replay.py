"""A repeated password change, stored again without running its checks a second time.

``ALTER ROLE r PASSWORD '...' VALID UNTIL '...'`` sent again by the same session, with the same
settings and identities, against a catalog whose :attr:`~aurora_sec.engine.catalog.Catalog.
checks_epoch` is the one it last ran against, passes the same checks: no check of ALTER ROLE
(PostgreSQL's or Aurora's) reads a password or VALID UNTIL, and the epoch stays the same only
across changes of those. It also stores the same thing, except that a SCRAM secret built from
the plaintext gets the next salt. A :class:`PasswordReplay` remembers what the statement stored
and its result, and stores it again: what the statement would do, without the checks.

Recorded by :meth:`aurora_sec.engine.session.Session._execute_role_ddl` after an ALTER ROLE that
left the epoch as it was; used only where that method runs a statement (outside a transaction
block, no other transaction holding rows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import final

from aurora_sec.engine.catalog import Catalog
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.passwords import StoredPassword
from aurora_sec.engine.result import Result
from aurora_sec.sql import statements as st

__all__ = ["PasswordReplay"]


@final
class PasswordReplay:
    """What an ALTER ROLE stored, and under which conditions storing it again is its answer."""

    __slots__ = (
        "_config",
        "_current_user",
        "_epoch",
        "_gucs",
        "_oid",
        "_password",
        "_session_user",
        "_set_password",
        "_set_valid_until",
        "_stmt",
        "_valid_until",
        "result",
    )

    def __init__(
        self,
        stmt: st.AlterRole,
        epoch: object,
        gucs: Mapping[str, str],
        config: EngineConfig,
        identities: tuple[int, int],
        stored: tuple[int, StoredPassword | None, str | None],
        result: Result,
    ) -> None:
        self._stmt = stmt
        self._epoch = epoch
        self._gucs = gucs
        self._config = config
        self._current_user, self._session_user = identities
        self._oid, self._password, self._valid_until = stored
        options = stmt.options
        self._set_password = options.password is not None
        self._set_valid_until = options.valid_until is not None
        self.result = result

    def __repr__(self) -> str:  # the password never shows
        return f"<PasswordReplay of role {self._oid}>"

    @classmethod
    def recorded(
        cls,
        stmt: st.AlterRole,
        before: Catalog,
        after: Catalog,
        oid: int,
        session: tuple[Mapping[str, str], EngineConfig, int, int],
        result: Result,
    ) -> PasswordReplay | None:
        """The replay of ``stmt``, which turned ``before`` into ``after`` by changing role
        ``oid`` for a session with ``(gucs, config, current_user, session_user)``; None
        unless it changed nothing but passwords and VALID UNTIL."""
        if after is before or after.checks_epoch is not before.checks_epoch or stmt.options.role:
            return None
        row = after.role(oid)
        gucs, config, current_user, session_user = session
        return cls(
            stmt,
            before.checks_epoch,
            gucs,
            config,
            (current_user, session_user),
            (oid, row.password, row.valid_until),
            result,
        )

    def applies(
        self,
        stmt: st.Statement,
        catalog: Catalog,
        gucs: Mapping[str, str],
        config: EngineConfig,
        current_user: int,
        session_user: int,
    ) -> bool:
        """Is running ``stmt`` now storing the same thing again? (The same statement, epoch,
        settings and identities: everything its checks and what it stores depend on.)"""
        return (
            stmt is self._stmt
            and catalog.checks_epoch is self._epoch
            and gucs is self._gucs
            and config is self._config
            and current_user == self._current_user
            and session_user == self._session_user
        )

    def stored_again(self, catalog: Catalog, salt: Callable[[int], bytes]) -> Catalog:
        """``catalog`` after the statement runs again (a new catalog; ``catalog`` is kept)."""
        oid = self._oid
        row = None if self._set_password and self._set_valid_until else catalog.role(oid)
        password = self._password if row is None or self._set_password else row.password
        valid_until = self._valid_until if row is None or self._set_valid_until else row.valid_until
        if not (self._set_password and password is not None and password.salted):
            return catalog.with_secret(oid, password, valid_until)
        drawn = catalog.salts_drawn
        changed = catalog.with_secret(oid, password.resalted(salt(drawn)), valid_until)
        changed.salts_drawn = drawn + 1
        return changed
