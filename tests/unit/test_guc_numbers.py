"""guc_numbers.parse_int on the majors the oracle servers do not cover (11: integers only).

PostgreSQL 15 and 16 are checked against the real servers by the conformance corpus (case
``limits``). For 11 the rules come from its guc.c ``parse_int``/``convert_to_base_unit``: a
``strtol`` number, no fractions, ``B`` divides by 1024 truncating, and no ``us`` unit.
"""

from __future__ import annotations

import pytest

from aurora_sec.engine.guc_numbers import IntegerParameter, check_int, parse_int

WORK_MEM = IntegerParameter(64, 2**31 - 1, "kB")
TIMEOUT = IntegerParameter(0, 2**31 - 1, "ms")
MEMORY_HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".'


@pytest.mark.parametrize(
    ("text", "major", "expected"),
    [
        ("1.5MB", 15, (1536, None)),
        ("1.5MB", 11, (None, MEMORY_HINT)),  # ".5M" is read as the unit, "B" is garbage
        ("2047B", 11, (1, None)),  # integer division
        ("2047B", 15, (2, None)),  # rounded to whole kB
        ("0x10", 11, (16, None)),
        ("1e3", 11, (None, MEMORY_HINT)),
        ("1e3", 15, (1000, None)),
        ("4294967296", 11, (None, "Value exceeds integer range.")),
        ("99999999999999999999", 15, (None, "Value exceeds integer range.")),
    ],
)
def test_memory_values(text: str, major: int, expected: tuple[int | None, str | None]) -> None:
    assert parse_int(text, WORK_MEM, major) == expected


def test_microseconds_arrived_in_12() -> None:
    assert parse_int("1500us", TIMEOUT, 12) == (2, None)
    value, hint = parse_int("1500us", TIMEOUT, 11)
    assert value is None
    assert hint == 'Valid units for this parameter are "ms", "s", "min", "h", and "d".'


def test_the_range_message_names_the_base_unit() -> None:
    err = check_int("work_mem", "1", WORK_MEM, 15)
    assert err is not None
    assert err.sqlstate == "22023"
    assert (
        err.message == '1 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)'
    )
