"""Every statement of the corpus gets, on the emulator, exactly what real PostgreSQL answered.

The expectations were recorded from PostgreSQL 15.18 and 16.2 (tests/conformance/expected,
re-checked against the live servers by test_recordings.py); the emulator replays each case at
engine versions 15.4 and 16.4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.corpus import CASES
from tests.conformance.emulated import emulated_case

EXPECTED = Path(__file__).parent / "expected"
_RECORDED = {
    major: json.loads((EXPECTED / f"pg{major}.json").read_text())["cases"] for major in (15, 16)
}


@pytest.mark.parametrize("major", [15, 16])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_emulator_answers_as_the_real_server(case: dict[str, Any], major: int) -> None:
    expected = _RECORDED[major][case["id"]]
    got = emulated_case(major, case["setup"], case["role"], case["statements"])
    for statement, want, have in zip(case["statements"], expected, got, strict=True):
        assert have == want, f"pg{major} {case['id']}: {statement}"
