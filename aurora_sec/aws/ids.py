"""Deterministic identifiers: the same seed and the same calls give the same ids.

Every id an account hands out (vpc-..., sg-..., cluster resource ids, the endpoint hash,
request ids) is derived from ``(seed, account id, region, kind, counter)`` with SHA-256, so two
accounts with the same seed that receive the same calls produce byte-identical output, in any
process, and ids of one kind do not shift when calls of another kind are added.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

__all__ = ["IdGenerator"]

_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _table(alphabet: str) -> bytes:
    return bytes(ord(alphabet[b % len(alphabet)]) for b in range(256))


_LOWER_TABLE = _table(_LOWER)
_UPPER_TABLE = _table(_UPPER)


class IdGenerator:
    """Hands out deterministic ids for one account."""

    def __init__(self, seed: int | str, account_id: str, region: str) -> None:
        self._prefix = f"{seed}\x00{account_id}\x00{region}\x00".encode()
        self._counters: Counter[str] = Counter()
        self._endpoint_hash: str | None = None
        self._stems: dict[str, bytes] = {}
        self._request_stem: str | None = None
        #: Sessions of different clusters draw from the same counters on their own threads
        #: (each under its cluster's lock only): a read-modify-write must not lose a count.
        self._lock = threading.Lock()

    def _digest(self, kind: str, counter: int | None = None) -> bytes:
        if counter is None:
            with self._lock:
                counter = self._counters[kind] + 1
                self._counters[kind] = counter
        stem = self._stems.get(kind)
        if stem is None:
            stem = self._stems[kind] = self._prefix + kind.encode() + b"\x00"
        return hashlib.sha256(stem + str(counter).encode()).digest()

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``vpc-0a1b2c3d4e5f67890`` style: a prefix and ``length`` (<= 64) hex digits."""
        return f"{prefix}-{self._digest(prefix).hex()[:length]}"

    def endpoint_hash(self) -> str:
        """The 12-character id every endpoint of this account and region shares."""
        if self._endpoint_hash is None:
            digest = self._digest("endpoint-hash", counter=0)
            self._endpoint_hash = digest[:12].translate(_LOWER_TABLE).decode()
        return self._endpoint_hash

    def resource_id(self, prefix: str) -> str:
        """``cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ`` / ``db-...``: 26 upper-case characters."""
        digest = self._digest("resource-" + prefix)
        return f"{prefix}-{digest[:26].translate(_UPPER_TABLE).decode()}"

    def request_id(self) -> str:
        """A UUID-shaped request id: a seeded stem and a counter."""
        if self._request_stem is None:
            h = self._digest("request", counter=0).hex()
            self._request_stem = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
        with self._lock:
            self._counters["request"] += 1
            number = self._counters["request"]
        return f"{self._request_stem}{number:012x}"

    def token(self, kind: str, length: int = 16) -> bytes:
        """Deterministic bytes for salts, serials and other material (``length`` <= 32)."""
        return self._digest(kind)[:length]

    def derive(self, kind: str, length: int = 16) -> bytes:
        """Deterministic bytes that are a pure function of ``kind``: no counter moves, so
        material made on first use (a certificate) leaves the account's state as it was."""
        return self._digest(kind, counter=0)[:length]

    def state(self) -> dict[str, int]:
        """The counters, for snapshots."""
        with self._lock:
            return dict(self._counters)

    def restore(self, state: dict[str, int]) -> None:
        with self._lock:
            self._counters = Counter(state)
