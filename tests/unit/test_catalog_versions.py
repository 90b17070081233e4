"""The engine-version catalogue: the versions Aurora PostgreSQL shipped, defaults, families."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.catalog import engine_versions as ev
from aurora_sec.versions import MAJORS, EngineVersion


def test_versions_ascend_without_duplicates() -> None:
    versions = [info.version for info in ev.VERSIONS]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


def test_every_modelled_major_has_versions_and_a_family() -> None:
    assert {info.major for info in ev.VERSIONS} == set(MAJORS)
    assert tuple(f"aurora-postgresql{m}" for m in MAJORS) == ev.FAMILIES


def test_default_is_16_4_as_documented() -> None:
    assert EngineVersion(16, 4) == ev.DEFAULT_VERSION
    assert ev.DEFAULT_VERSION_INFO.version == ev.DEFAULT_VERSION
    assert ev.DEFAULT_VERSION_INFO.is_major_default
    assert ev.DEFAULT_VERSION_INFO.status == "available"


@pytest.mark.parametrize("text", ["10.4", "10.5", "10.6", "11.9", "13.4", "16.4", "17.7"])
def test_lookup_finds_shipped_versions(text: str) -> None:
    info = ev.lookup(text)
    assert info is not None
    assert info.engine_version == text


@pytest.mark.parametrize(
    "text",
    ["16", "16.04", "16.4.1", "16.5", "10.15", "11.10", "12.5", "16.0", "18.1", "9.6", "", " 16.4"],
)
def test_lookup_rejects_unshipped_or_malformed(text: str) -> None:
    assert ev.lookup(text) is None


def test_lookup_rejects_non_strings() -> None:
    assert ev.lookup(16.4) is None
    assert ev.lookup(None) is None


def test_restricted_password_gate_versions_exist_on_both_sides() -> None:
    # rds.restrict_password_commands needs 10.6 (S4): 10.4/10.5 exist below the gate.
    tens = [info.version for info in ev.versions_of_major(10)]
    assert EngineVersion(10, 5) in tens
    assert EngineVersion(10, 6) in tens
    assert min(tens) < EngineVersion(10, 6)


def test_all_of_10_is_deprecated_and_has_no_default() -> None:
    assert all(info.status == "deprecated" for info in ev.versions_of_major(10))
    assert ev.default_for_major(10) is None


@pytest.mark.parametrize("major", [11, 12, 13, 14, 15, 16, 17])
def test_one_available_default_per_major(major: int) -> None:
    defaults = [info for info in ev.versions_of_major(major) if info.is_major_default]
    assert len(defaults) == 1
    assert defaults[0] == ev.default_for_major(major)
    assert defaults[0].is_available


def test_deprecated_marks_follow_the_cdk_table() -> None:
    def status(text: str) -> str:
        info = ev.lookup(text)
        assert info is not None
        return info.status

    assert status("13.4") == "deprecated"
    assert status("13.7") == "available"
    assert status("11.9") == "available"
    assert status("11.12") == "deprecated"
    assert status("12.10") == "deprecated"


def test_lookup_available_skips_deprecated_versions() -> None:
    # AWS: "Cannot find version 13.4 for aurora-postgresql" (13.4 shipped, now deprecated)
    assert ev.lookup("13.4") is not None
    assert ev.lookup_available("13.4") is None
    assert ev.lookup_available("16.4") is ev.DEFAULT_VERSION_INFO
    assert ev.lookup_available("13.99") is None


def test_entry_texts() -> None:
    info = ev.lookup("15.4")
    assert info is not None
    assert info.family == "aurora-postgresql15"
    assert info.description == "Aurora PostgreSQL (Compatible with PostgreSQL 15.4)"
    assert info.engine_description == "Aurora (PostgreSQL)"
    assert info.engine == "aurora-postgresql"
    assert info.major_engine_version == "15"
    assert "rds-ca-rsa2048-g1" in info.supported_ca_certificate_identifiers
    assert "rds-ca-2019" not in info.supported_ca_certificate_identifiers


@pytest.mark.parametrize(
    ("family", "major"),
    [
        ("aurora-postgresql10", 10),
        ("aurora-postgresql17", 17),
        ("aurora-postgresql18", None),
        ("aurora-postgresql9.6", None),
        ("aurora-postgresql", None),
        ("postgres15", None),
        ("aurora-mysql8.0", None),
        ("Aurora-PostgreSQL15", None),
        ("aurora-postgresql015", None),
    ],
)
def test_family_major(family: str, major: int | None) -> None:
    assert ev.family_major(family) == major


@given(st.sampled_from(ev.VERSIONS))
def test_lookup_round_trips(info: ev.EngineVersionInfo) -> None:
    assert ev.lookup(str(info.version)) is info
    assert ev.family_major(info.family) == info.major


@given(st.integers(0, 99), st.integers(0, 99))
def test_lookup_is_exact_membership(major: int, minor: int) -> None:
    shipped = {(i.major, i.version.minor) for i in ev.VERSIONS}
    assert (ev.lookup(f"{major}.{minor}") is not None) == ((major, minor) in shipped)
