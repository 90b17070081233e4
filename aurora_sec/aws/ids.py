"""Deterministic identifiers: the same seed and the same calls give the same ids.

Every id an account hands out (vpc-..., sg-..., cluster resource ids, the endpoint hash,
request ids) is derived from ``(seed, account id, region, kind, counter)`` with SHA-256, so two
accounts with the same seed that receive the same calls produce byte-identical output, in any
process, and ids of one kind do not shift when calls of another kind are added.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping

__all__ = ["IdGenerator"]

_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _table(alphabet: str) -> bytes:
    return bytes(ord(alphabet[b % len(alphabet)]) for b in range(256))


_LOWER_TABLE = _table(_LOWER)
_UPPER_TABLE = _table(_UPPER)


def _sha(prefix: bytes, kind: str, counter: int) -> bytes:
    """SHA-256 of ``seed \0 account \0 region \0 kind \0 counter`` (``prefix`` is the first
    three fields)."""
    return hashlib.sha256(prefix + kind.encode() + b"\x00" + str(counter).encode()).digest()


#: :func:`_sha`, remembered: a pure function, and every new account of a seed draws the same
#: first ids (its default VPC, its first VPC, cluster, instance...).
_remembered_sha = functools.lru_cache(maxsize=4096)(_sha)


class _Seeded:
    """What depends on ``(seed, account id, region)`` alone, shared by every generator of it."""

    def __init__(self, seed: int | str, account_id: str, region: str) -> None:
        self.prefix = f"{seed}\x00{account_id}\x00{region}\x00".encode()
        #: The 12-character id every endpoint of this account and region shares.
        self.endpoint_hash = (
            _sha(self.prefix, "endpoint-hash", 0)[:12].translate(_LOWER_TABLE).decode()
        )
        h = _sha(self.prefix, "request", 0).hex()
        #: The UUID-shaped stem of every request id.
        self.request_stem = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"


_seeded = functools.lru_cache(maxsize=256, typed=True)(_Seeded)


class IdGenerator:
    """Hands out deterministic ids for one account."""

    def __init__(self, seed: int | str, account_id: str, region: str) -> None:
        self._seeded = _seeded(seed, account_id, region)
        self._prefix = self._seeded.prefix
        self._counters: dict[str, int] = {}
        #: Sessions of different clusters draw from the same counters on their own threads
        #: (each under its cluster's lock only): a read-modify-write must not lose a count.
        self._lock = threading.Lock()

    def _digest(self, kind: str) -> bytes:
        """The digest of the next id of ``kind`` (its counter moves)."""
        with self._lock:
            counter = self._counters[kind] = self._counters.get(kind, 0) + 1
        return _remembered_sha(self._prefix, kind, counter)

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``vpc-0a1b2c3d4e5f67890`` style: a prefix and ``length`` (<= 64) hex digits."""
        return f"{prefix}-{self._digest(prefix).hex()[:length]}"

    def endpoint_hash(self) -> str:
        """The 12-character id every endpoint of this account and region shares."""
        return self._seeded.endpoint_hash

    def resource_id(self, prefix: str) -> str:
        """``cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ`` / ``db-...``: 26 upper-case characters."""
        digest = self._digest("resource-" + prefix)
        return f"{prefix}-{digest[:26].translate(_UPPER_TABLE).decode()}"

    def request_id(self) -> str:
        """A UUID-shaped request id: a seeded stem and a counter."""
        with self._lock:
            number = self._counters["request"] = self._counters.get("request", 0) + 1
        return f"{self._seeded.request_stem}{number:012x}"

    def token(self, kind: str, length: int = 16) -> bytes:
        """Deterministic bytes for salts, serials and other material (``length`` <= 32)."""
        return self._digest(kind)[:length]

    def derive(self, kind: str, length: int = 16) -> bytes:
        """Deterministic bytes that are a pure function of ``kind``: no counter moves, so
        material made on first use (a certificate) leaves the account's state as it was."""
        return _sha(self._prefix, kind, 0)[:length]

    def state(self) -> dict[str, int]:
        """The counters, for snapshots."""
        with self._lock:
            return dict(self._counters)

    def restore(self, state: Mapping[str, int]) -> None:
        """Put back counters taken with :meth:`state`."""
        with self._lock:
            self._counters = dict(state)

    def update(self, counters: Mapping[str, int]) -> None:
        """Set the given counters (the others keep their values)."""
        with self._lock:
            self._counters.update(counters)
