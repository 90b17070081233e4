"""Marker/MaxRecords pagination as the RDS Describe* operations do it.

RDS pages results with ``MaxRecords`` (20 to 100, default 100) and an opaque ``Marker`` that
the next call passes back. The marker here is the offset, written as an opaque-looking token.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from aurora_sec.errors import AwsError

__all__ = ["paginate"]

T = TypeVar("T")


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode(marker: str) -> int:
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "offset":
            raise ValueError(marker)
        return int(number)
    except (ValueError, UnicodeDecodeError) as err:
        # UNCONFIRMED wording (docs/fidelity.md)
        raise AwsError("InvalidParameterValue", f"Invalid marker: {marker}") from err


def paginate(
    items: Sequence[T], params: Mapping[str, Any], *, default: int = 100
) -> tuple[list[T], str | None]:
    """Return one page of ``items`` and the marker of the next page (None on the last)."""
    max_records = params.get("MaxRecords", default)
    if not 20 <= max_records <= 100:
        # UNCONFIRMED wording (docs/fidelity.md); the 20-100 range is documented.
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100",
        )
    start = _decode(params["Marker"]) if params.get("Marker") else 0
    page = list(items[start : start + max_records])
    end = start + len(page)
    return page, (_encode(end) if end < len(items) else None)
