"""EngineVersion parsing and the per-major behaviour table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.versions import (
    MAJORS,
    RULES,
    EngineVersion,
    InvalidEngineVersion,
    behaviour,
    differences,
)


@pytest.mark.parametrize("text", ["15.4", "10.6", "11.21", "16.0"])
def test_parse_round_trip(text: str) -> None:
    version = EngineVersion.parse(text)
    assert str(version) == text
    assert version.family == f"aurora-postgresql{text.split('.')[0]}"


@pytest.mark.parametrize(
    "text",
    ["", "15", "15.4.1", "v15.4", "15.04", "8.0.mysql_aurora.3.04.0", "16.4-limitless", " 15.4"],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidEngineVersion):
        EngineVersion.parse(text)


@given(
    st.tuples(st.integers(1, 99), st.integers(0, 99)),
    st.tuples(st.integers(1, 99), st.integers(0, 99)),
)
def test_ordering_is_numeric(a: tuple[int, int], b: tuple[int, int]) -> None:
    va, vb = EngineVersion.parse(f"{a[0]}.{a[1]}"), EngineVersion.parse(f"{b[0]}.{b[1]}")
    assert (va < vb) == (a < b)
    assert (va == vb) == (a == b)


def test_rules_table() -> None:
    assert behaviour("password_encryption.default", "13.9") == "md5"
    assert behaviour("password_encryption.default", 14) == "scram-sha-256"
    assert behaviour("hba.encryption_words", 13) == ("SSL on", "SSL off")
    assert behaviour("hba.encryption_words", 15) == ("SSL encryption", "no encryption")
    assert behaviour("createrole.regime", 15) == "legacy"
    assert behaviour("createrole.regime", 16) == "admin-option"
    for rule in RULES.values():
        for major in MAJORS:
            assert rule.at(major) is not None


def test_differences_13_vs_16_enumerates_every_change() -> None:
    changed = {rule_id for rule_id, _, _ in differences(13, 16)}
    assert {"password_encryption.default", "createrole.regime", "hba.encryption_words"} <= changed
    assert not list(differences(16, 16))
