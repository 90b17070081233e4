"""The shared storage of one cluster: its committed role catalog, its engine version and the
locks its open transactions hold.

Every instance of an Aurora cluster reads the same storage, so the writer and the readers
see the same roles; each instance has its own configuration (its EngineConfig). The catalog
is built on first use (pay for what is observed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from aurora_sec.engine.catalog import Catalog
from aurora_sec.engine.locks import LockTable
from aurora_sec.versions import EngineVersion

__all__ = ["Database"]


def _utc_now() -> datetime:
    """The real time, in UTC: the clock of a cluster made without one."""
    return datetime.now(UTC)


class Database:
    """The committed catalog of a cluster, replaced atomically at each COMMIT."""

    def __init__(
        self,
        version: EngineVersion,
        bootstrap: Callable[[], Catalog],
        salt: Callable[[int], bytes],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.version = version
        #: The cluster's clock (UTC), as ``timestamptz_in`` reads it for 'now', 'today', ...;
        #: the RDS backend passes its own (``acct.rds.now``), so tests control it.
        self.clock: Callable[[], datetime] = clock if clock is not None else _utc_now
        self._bootstrap = bootstrap
        self._catalog: Catalog | None = None
        #: The catalog the bootstrap made (None before it ran).
        self._initial: Catalog | None = None
        #: The cluster's n-th SCRAM salt: a pure function of n (the count is in the catalog).
        self.salt = salt
        #: Serialises statements of all sessions on this cluster.
        self.lock = threading.RLock()
        #: Rows and role locks held by open transactions, and their waiters (locks.py).
        self.locks = LockTable(self.lock)

    @property
    def catalog(self) -> Catalog:
        catalog = self._catalog
        if catalog is None:
            # Under the lock, checked again: two sessions' first use must not bootstrap twice
            # (the later bootstrap would replace a catalog the other had already committed to).
            with self.lock:
                if self._catalog is None:
                    self._catalog = self._initial = self._bootstrap()
                catalog = self._catalog
        return catalog

    @property
    def bootstrapped(self) -> bool:
        return self._catalog is not None

    @property
    def pristine(self) -> bool:
        """Bootstrapped, and nothing committed since."""
        return self._catalog is not None and self._catalog is self._initial

    def reset(self) -> None:
        """Forget the catalog: the next use bootstraps it again."""
        self._catalog = self._initial = None

    def restore_pristine(self, catalog: Catalog) -> None:
        """Put back a catalog as its bootstrap made it (a snapshot's)."""
        self._catalog = self._initial = catalog

    def commit(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def end_transactions(self) -> None:
        """Roll back every open transaction that holds rows or role locks (the cluster's
        state is being put back: what they wrote was written on a state that is gone)."""
        with self.lock:
            for holder in list(self.locks.holders):
                holder.abandon()
            self.locks.wake()
