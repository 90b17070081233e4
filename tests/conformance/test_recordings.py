"""The recorded expectations are what the real servers answer today.

The suite starts PostgreSQL 15 and 16 anyway; replaying the corpus on them proves the
recordings in expected/ were not edited by hand and still hold for these server builds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.corpus import CASES
from tests.conformance.outcomes import outcome_record
from tests.oracle.servers import PgServer, run_case

EXPECTED = Path(__file__).parent / "expected"


def recorded(major: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXPECTED / f"pg{major}.json").read_text())
    return data


def test_corpus_size() -> None:
    statements = sum(len(case["statements"]) for case in CASES)
    assert statements >= 300
    assert len({case["id"] for case in CASES}) == len(CASES)


def test_recordings_cover_the_corpus() -> None:
    for major in (15, 16):
        cases = recorded(major)["cases"]
        assert set(cases) == {case["id"] for case in CASES}
        for case in CASES:
            assert len(cases[case["id"]]) == len(case["statements"]), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_real_servers_still_answer_as_recorded(pg: PgServer, case: dict[str, Any]) -> None:
    expected = recorded(pg.major)["cases"][case["id"]]
    outcomes = run_case(pg, case["setup"], case["role"], case["statements"])
    assert [outcome_record(o) for o in outcomes] == expected
