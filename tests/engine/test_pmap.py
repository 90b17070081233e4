"""``LayeredMap`` behaves as an immutable dict, and every older version stays as it was.

The reference is a plain ``dict`` copied at each step. Random sequences of sets and deletes
(over few keys, so keys come back after being deleted, and long enough for the top layer to be
merged into the base several times) are applied to both; every version made along the way must
still read as its reference did when it was made, and ``catalog._changed_keys`` between two
versions must be the keys whose values differ.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.engine.catalog import _changed_keys
from aurora_sec.engine.pmap import LayeredMap

_OPS = st.lists(
    st.tuples(st.sampled_from(["set", "delete", "move"]), st.integers(0, 150), st.integers(0, 3)),
    min_size=1,
    max_size=600,
)


def _check(version: LayeredMap[int, int], reference: dict[int, int]) -> None:
    assert dict(version.items()) == reference
    assert sorted(version) == sorted(reference)
    assert version.items() == [(key, version[key]) for key in version]
    assert version.values() == [value for _, value in version.items()]
    assert len(version) == len(reference)
    for key in range(-1, 152):
        assert (key in version) == (key in reference)
        assert version.get(key, 999) == reference.get(key, 999)
        if key in reference:
            assert version[key] == reference[key]
        else:
            try:
                version[key]
            except KeyError:
                pass
            else:  # pragma: no cover - the assertion that fails
                raise AssertionError(f"{key} read from a map that does not hold it")


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 400), ops=_OPS)
def test_layered_map_is_a_persistent_dict(start: int, ops: list[Any]) -> None:
    reference = {k: -k - 1 for k in range(start)}  # no value is None
    version: LayeredMap[int, int] = LayeredMap(reference)
    history = [(version, dict(reference))]
    for op, key, value in ops:
        if op == "set":
            reference[key] = value
            version = version.set(key, value)
        elif op == "delete":
            reference.pop(key, None)
            version = version.delete(key)
        elif key in reference:  # move: re-key an entry to a key not held (as a rename does)
            free = next(k for k in range(key * 7 % 151, 1000) if k not in reference)
            del reference[key]
            reference[free] = value
            version = version.moved(key, free, value)
        history.append((version, dict(reference)))
    for old, expected in history[:: max(1, len(history) // 25)] + history[-3:]:
        _check(old, expected)
    for (a, ra), (b, rb) in zip(history[::7], history[3::11], strict=False):
        differ = {k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k)}
        assert _changed_keys(a, b) == differ


def test_single_and_the_empty_map() -> None:
    one = LayeredMap.single("a", 1)
    assert dict(one) == {"a": 1}
    assert one.delete("a") == {}
    assert LayeredMap[str, int]().delete("x") == {}
    assert len(one.set("b", 2).delete("a")) == 1
