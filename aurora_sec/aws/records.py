"""A faster ``attrs.evolve`` for the frozen records of the control plane.

``attrs.evolve`` walks the class's fields on every call and passes every value by keyword.
:func:`evolve` looks the fields up once per class, reads the values with one
``operator.attrgetter`` and calls the class's ``__init__`` positionally, so its converters
and validators run exactly as they do for ``attrs.evolve``; the result is equal to
``attrs.evolve(record, **changes)``. Used on the hot paths (a new instance joining its
cluster, a parameter group change).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs
from attrs import AttrsInstance

__all__ = ["evolve"]

R = TypeVar("R", bound=AttrsInstance)


Layout = tuple[Mapping[str, int], Callable[[Any], tuple[Any, ...]]]
_LAYOUTS: dict[type[Any], Layout | None] = {}


def _layout(cls: type[Any]) -> Layout | None:
    """Each init argument's position, and a getter of the current values in that order;
    None when the class cannot be built positionally (keyword-only fields)."""
    fields = [a for a in attrs.fields(cls) if a.init]
    if len(fields) < 2 or any(a.kw_only for a in fields):
        return None
    return {a.alias: i for i, a in enumerate(fields)}, operator.attrgetter(
        *(a.name for a in fields)
    )


def evolve(record: R, **changes: Any) -> R:
    """A copy of the attrs ``record`` with ``changes`` (init argument names) applied."""
    cls: type[Any] = type(record)
    try:
        layout = _LAYOUTS[cls]
    except KeyError:
        layout = _LAYOUTS[cls] = _layout(cls)
    if layout is None:
        fallback: R = attrs.evolve(cast(Any, record), **changes)
        return fallback
    position, current = layout
    values = list(current(record))
    for name, value in changes.items():
        index = position.get(name)
        if index is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        values[index] = value
    new: R = cls(*values)
    return new
