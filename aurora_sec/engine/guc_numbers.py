"""Integer run-time parameters with units, read as guc.c ``parse_int`` reads them.

``work_mem = '1.5MB'``, ``statement_timeout = '2 min'``: the text is a C ``strtol`` number
(decimal, ``0x`` hex, leading-``0`` octal), from PostgreSQL 12 re-read as a ``strtod`` number
when it stops at ``.``/``e``/``E`` or overflows; then optional spaces and a unit from the
parameter's table (case-sensitive, at most three letters), which converts to the parameter's
base unit (a fraction rounds to the next smaller unit, 12+; 11 divides integers). Failures
carry guc.c's texts: no hint for a bad number, the unit list for a bad unit, "Value exceeds
integer range." past 32 bits, then the range check with the base unit's name.
"""

from __future__ import annotations

import math
import re
from typing import Final

import attrs

from aurora_sec.errors import PostgresError
from aurora_sec.versions import behaviour

__all__ = ["IntegerParameter", "check_int", "parse_int", "show_int"]

INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1
_LONG_MAX: Final = 2**63 - 1
_MAX_UNIT_LEN: Final = 3
_C_SPACE: Final = " \t\n\v\f\r"

#: unit -> multiplier to the base unit, greatest first (guc.c's conversion tables).
_UNITS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "kB": (("TB", 1024.0**3), ("GB", 1024.0**2), ("MB", 1024.0), ("kB", 1.0), ("B", 1 / 1024)),
    "ms": (
        ("d", 86_400_000.0),
        ("h", 3_600_000.0),
        ("min", 60_000.0),
        ("s", 1000.0),
        ("ms", 1.0),
        ("us", 1 / 1000),
    ),
}
_HINTS: Final = {
    "kB": 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".',
    "ms": "guc.time_units_hint",  # a per-major rule: "us" arrived in 12
}
_EXCEEDS: Final = "Value exceeds integer range."

_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_STRTOD = re.compile(
    r"[ \t\n\v\f\r]*[+-]?"
    r"(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)


@attrs.frozen
class IntegerParameter:
    """An integer GUC: its range and base unit (``kB``, ``ms`` or none)."""

    low: int
    high: int
    unit: str | None = None


def _strtol(text: str) -> tuple[int | None, int, bool]:
    """(value, end, overflowed); value None and end 0 when no digits were read."""
    m = _STRTOL.match(text)
    if m is None:
        return None, 0, False
    digits = m[2]
    if digits.startswith(("0x", "0X")):
        value = int(digits, 16)
    elif len(digits) > 1 and digits[0] == "0":
        value = int(digits, 8)
    else:
        value = int(digits)
    if m[1] == "-":
        value = -value
    overflow = not -_LONG_MAX - 1 <= value <= _LONG_MAX
    return value, m.end(), overflow


def _strtod(text: str) -> tuple[float | None, int, bool]:
    """(value, end, out of range); value None and end 0 when no number was read."""
    m = _STRTOD.match(text)
    if m is None:
        return None, 0, False
    number = m[0].strip(_C_SPACE)
    body = number.lstrip("+-")
    if body[:2].lower() == "0x":
        value = float.fromhex(number if "p" in body.lower() else number + "p0")
    else:
        value = float(number)
    mantissa = re.split(r"[eEpP]", body[2:] if body[:2].lower() == "0x" else body)[0]
    underflow = value == 0.0 and any(c not in "0.xX" for c in mantissa)
    return value, m.end(), math.isinf(value) or underflow


def _to_base(value: float, unit: str, base: str, major: int) -> float | None:
    table = _UNITS[base]
    if major < 12 and base == "ms":
        table = table[:-1]  # "us" arrived in 12
    for i, (name, multiplier) in enumerate(table):
        if name == unit:
            if major < 12:  # integers: a fractional multiplier divides, truncating
                if multiplier < 1:
                    return float(int(value / round(1 / multiplier)))
                return value * multiplier
            converted = value * multiplier
            if i + 1 < len(table):
                smaller = table[i + 1][1]
                converted = round(converted / smaller) * smaller
            return converted
    return None


def parse_int(text: str, parameter: IntegerParameter, major: int) -> tuple[int | None, str | None]:
    """``parse_int``: the value in base units, or (None, hint) for guc.c's refusal."""
    fractional = behaviour("guc.parse_int_fractional", major)
    value: float | int | None
    value, end, erange = _strtol(text)
    if fractional and (erange or text[end : end + 1] in (".", "e", "E")):
        value, end, erange = _strtod(text)
        if value is not None and math.isnan(value):
            return None, None
    if value is None or (erange and fractional):
        return None, None
    if erange or (not fractional and not INT_MIN <= value <= INT_MAX):
        return None, _EXCEEDS
    rest = text[end:].lstrip(_C_SPACE)
    if rest:
        if parameter.unit is None:
            return None, None
        hint = _HINTS[parameter.unit]
        if hint.startswith("guc."):
            hint = str(behaviour(hint, major))
        unit_end = 0
        while unit_end < len(rest) and rest[unit_end] not in _C_SPACE and unit_end < _MAX_UNIT_LEN:
            unit_end += 1
        if rest[unit_end:].strip(_C_SPACE):
            return None, hint
        converted = _to_base(value, rest[:unit_end], parameter.unit, major)
        if converted is None:
            return None, hint
        value = converted
    number = round(value) if fractional else int(value)
    if not INT_MIN <= number <= INT_MAX:
        return None, _EXCEEDS
    return int(number), None


def check_int(
    name: str, text: str, parameter: IntegerParameter, major: int
) -> PostgresError | None:
    """The error ``SET name = text`` gets (22023), or None."""
    value, hint = parse_int(text, parameter, major)
    if value is None:
        return PostgresError("22023", f'invalid value for parameter "{name}": "{text}"', hint=hint)
    if not parameter.low <= value <= parameter.high:
        unit = f" {parameter.unit}" if parameter.unit else ""
        return PostgresError(
            "22023",
            f'{value}{unit} is outside the valid range for parameter "{name}" '
            f"({parameter.low} .. {parameter.high})",
        )
    return None


def show_int(text: str, parameter: IntegerParameter, major: int) -> str:
    """What SHOW prints for an accepted value (guc.c ``_ShowOption``): a positive value in the
    greatest unit that holds it exactly (``1024kB`` shows as ``1MB``), anything else bare."""
    value, _ = parse_int(text, parameter, major)
    if value is None:
        return text
    if value <= 0 or parameter.unit is None:
        return str(value)
    for unit, multiplier in _UNITS[parameter.unit]:
        if multiplier <= 1.0 or value % int(multiplier) == 0:
            shown = value // int(multiplier) if multiplier >= 1.0 else round(value / multiplier)
            return f"{shown}{unit}"
    return str(value)  # pragma: no cover - the base unit always matches
