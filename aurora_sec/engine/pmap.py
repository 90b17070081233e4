"""An immutable mapping whose updates cost O(sqrt n) amortised: a base dict and a small top layer.

The catalog is a value that every statement replaces; copying a dict of 100,000 roles for each
``ALTER ROLE`` would make a statement cost milliseconds. A :class:`LayeredMap` keeps a large
``base`` that is never mutated and a small ``top`` layer (with the keys removed since the
base was made); an update copies only ``top``. When ``top`` grows past sqrt(2 n) entries the two
are merged into a new base: an update then costs about sqrt(2 n) copied entries, amortised
(n / T for the merges plus T / 2 for copying ``top``, smallest at T = sqrt(2 n)); at 100,000
roles that is some 450 entries, not the whole dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar, overload

__all__ = ["LayeredMap"]

K = TypeVar("K")
V = TypeVar("V")

_GONE = object()
_MISSING = object()


class LayeredMap(Mapping[K, V], Generic[K, V]):
    __slots__ = ("_base", "_len", "_top")

    def __init__(self, base: Mapping[K, V] | None = None) -> None:
        self._base: dict[K, V] = dict(base or {})
        #: key -> value, or _GONE for a key removed from the base.
        self._top: dict[K, object] = {}
        self._len = len(self._base)

    @classmethod
    def single(cls, key: K, value: V) -> LayeredMap[K, V]:
        """A map of one entry (cheaper than ``LayeredMap().set(key, value)``)."""
        new: LayeredMap[K, V] = object.__new__(cls)
        new._base, new._top, new._len = {}, {key: value}, 1
        return new

    # -- reading ----------------------------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        value = self._top.get(key, self)
        if value is self:
            return self._base[key]
        if value is _GONE:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    def get(self, key: K, default: V | None = None) -> V | None:
        value = self._top.get(key, self)
        if value is self:
            return self._base.get(key, default)
        if value is _GONE:
            return default
        return value  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        top: dict[object, object] = self._top  # type: ignore[assignment]
        value = top.get(key, self)
        if value is self:
            return key in self._base
        return value is not _GONE

    def __iter__(self) -> Iterator[K]:
        top = self._top
        for key in self._base:
            if key not in top:
                yield key
        for key, value in top.items():
            if value is not _GONE:
                yield key

    def __len__(self) -> int:
        return self._len

    # A list, not a view: the Mapping mixin's views read every key again through
    # __getitem__, and membership walks iterate the small per-role maps constantly.
    def values(self) -> list[V]:  # type: ignore[override]
        top = self._top
        if not top:
            return list(self._base.values())
        if not self._base:  # (only a key of the base is ever marked gone)
            return list(top.values())  # type: ignore[arg-type]
        out = [value for key, value in self._base.items() if key not in top]
        out.extend(value for value in top.values() if value is not _GONE)  # type: ignore[misc]
        return out

    def items(self) -> list[tuple[K, V]]:  # type: ignore[override]
        top = self._top
        if not top:
            return list(self._base.items())
        if not self._base:
            return list(top.items())  # type: ignore[arg-type]
        out = [(key, value) for key, value in self._base.items() if key not in top]
        out.extend((key, value) for key, value in top.items() if value is not _GONE)  # type: ignore[misc]
        return out

    # -- changing (new maps) -------------------------------------------------------------------

    def set(self, key: K, value: V) -> LayeredMap[K, V]:
        top = self._top
        current = top.get(key, _MISSING)
        if current is _MISSING:
            length = self._len if key in self._base else self._len + 1
        elif current is _GONE:
            length = self._len + 1
        else:
            length = self._len
        top = top.copy()
        top[key] = value
        # _layered's steps, spelled out here and in added(): a GRANT makes four of these
        base = self._base
        size = len(top)
        if size > 32 and size * size > 2 * len(base):
            return _layered(base, top, length)
        new: LayeredMap[K, V] = object.__new__(LayeredMap)
        new._base = base
        new._top = top
        new._len = length
        return new

    def added(self, key: K, value: V) -> LayeredMap[K, V]:
        """:meth:`set` of a ``key`` that is absent (a new role's oid and name), without
        looking for it first."""
        top = self._top.copy()
        top[key] = value
        base = self._base
        size = len(top)
        if size > 32 and size * size > 2 * len(base):
            return _layered(base, top, self._len + 1)
        new: LayeredMap[K, V] = object.__new__(LayeredMap)
        new._base = base
        new._top = top
        new._len = self._len + 1
        return new

    def delete(self, key: K) -> LayeredMap[K, V]:
        top = self._top
        base = self._base
        current = top.get(key, _MISSING)
        if current is _MISSING:
            if key not in base:
                return self
            top = top.copy()
            top[key] = _GONE
        elif current is _GONE:
            return self
        else:
            top = top.copy()
            if key in base:
                top[key] = _GONE
            else:
                del top[key]
        return _layered(base, top, self._len - 1)

    def moved(self, old_key: K, new_key: K, value: V) -> LayeredMap[K, V]:
        """``delete(old_key).set(new_key, value)`` with one copy of the top layer (a rename
        re-keys the name index). ``old_key`` must be present and ``new_key`` absent."""
        top = self._top.copy()
        if old_key in self._base:
            top[old_key] = _GONE
        else:
            del top[old_key]
        top[new_key] = value
        return _layered(self._base, top, self._len)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and all(
            k in other and other[k] == v for k, v in self.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LayeredMap({dict(self.items())!r})"


def _layered(base: dict[K, V], top: dict[K, object], length: int) -> LayeredMap[K, V]:
    """A map of ``base`` under ``top`` (a fresh dict, not shared): the two merged into a new
    base once ``top`` outgrows sqrt(2 n) entries (see the module's docstring)."""
    size = len(top)
    if size > 32 and size * size > 2 * len(base):
        merged = base.copy()  # not dict(): that clones a dict with deleted slots key by key
        for key, value in top.items():
            if value is _GONE:
                merged.pop(key, None)
            else:
                merged[key] = value  # type: ignore[assignment]
        base, top = merged, {}
    new: LayeredMap[K, V] = object.__new__(LayeredMap)
    new._base = base
    new._top = top
    new._len = length
    return new
