"""Instance classes by engine version (S2 / S10 tables)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.catalog import engine_versions as ev
from aurora_sec.catalog import instance_classes as ic
from aurora_sec.versions import EngineVersion


def v(text: str) -> EngineVersion:
    return EngineVersion.parse(text)


@pytest.mark.parametrize("cls", ["db.t3.medium", "db.t3.large", "db.t4g.medium", "db.t4g.large"])
@pytest.mark.parametrize(
    ("first", "below"),
    [("11.12", "11.11"), ("12.7", "12.6"), ("13.3", None), ("14.3", None), ("15.2", None)],
)
def test_burstable_classes_start_at_the_documented_minors(
    cls: str, first: str, below: str | None
) -> None:
    assert ic.supports(cls, v(first))
    if below is not None:
        assert not ic.supports(cls, v(below))


@pytest.mark.parametrize(
    "cls",
    ["db.t3.micro", "db.t3.small", "db.t3.xlarge", "db.t4g.small", "db.t2.medium", "db.r3.large"],
)
def test_classes_aurora_postgresql_never_offers(cls: str) -> None:
    assert cls not in ic.ALL_CLASSES
    assert not any(ic.supports(cls, info.version) for info in ev.VERSIONS)


def test_t3_not_on_10() -> None:
    assert not ic.supports("db.t3.medium", v("10.21"))


@pytest.mark.parametrize(
    ("cls", "yes", "no"),
    [
        ("db.r7g.large", "14.7", "14.6"),
        ("db.r7g.large", "13.10", "13.9"),
        ("db.r7g.16xlarge", "15.2", "12.20"),
        ("db.r6i.32xlarge", "12.9", "12.8"),
        ("db.r6i.large", "13.5", "13.4"),
        ("db.r6g.large", "11.9", "11.11"),
        ("db.r6g.large", "12.8", "12.7"),
        ("db.x2g.large", "11.12", "11.8"),
        ("db.serverless", "13.6", "13.5"),
        ("db.serverless", "14.3", "12.20"),
        ("db.r4.large", "12.4", "13.3"),
        ("db.r4.16xlarge", "11.4", "10.21"),
    ],
)
def test_documented_boundaries(cls: str, yes: str, no: str) -> None:
    assert ic.supports(cls, v(yes))
    assert not ic.supports(cls, v(no))


def test_r6g_exact_11_9_then_11_12_and_higher() -> None:
    assert [m for m in range(4, 22) if ic.supports("db.r6g.large", EngineVersion(11, m))] == [
        9,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
        20,
        21,
    ]


def test_r4_only_11_and_12() -> None:
    majors = {i.major for i in ev.VERSIONS if ic.supports("db.r4.large", i.version)}
    assert majors == {11, 12}


def test_r5_everywhere_and_alone_on_early_10() -> None:
    assert all(ic.supports("db.r5.large", i.version) for i in ev.VERSIONS)
    assert ic.orderable(v("10.6")) == tuple(c for c in ic.ALL_CLASSES if c.startswith("db.r5."))


def test_sizes() -> None:
    assert "db.r6i.32xlarge" in ic.ALL_CLASSES
    assert "db.r6g.24xlarge" not in ic.ALL_CLASSES
    assert "db.serverless" in ic.ALL_CLASSES
    assert len(set(ic.ALL_CLASSES)) == len(ic.ALL_CLASSES)


@pytest.mark.parametrize(
    ("cls", "burstable"),
    [
        ("db.t3.medium", True),
        ("db.t4g.large", True),
        ("db.t3.micro", True),
        ("db.r5.large", False),
        ("db.serverless", False),
        ("db.x2g.large", False),
    ],
)
def test_is_burstable(cls: str, burstable: bool) -> None:
    assert ic.is_burstable(cls) is burstable


@given(st.sampled_from(ev.VERSIONS))
def test_orderable_agrees_with_supports(info: ev.EngineVersionInfo) -> None:
    offered = ic.orderable(info.version)
    assert offered  # db.r5 at least
    for cls in ic.ALL_CLASSES:
        assert ic.supports(cls, info.version) == (cls in offered)


@given(st.sampled_from(ic.ALL_CLASSES))
def test_every_class_is_orderable_somewhere(cls: str) -> None:
    assert any(ic.supports(cls, i.version) for i in ev.VERSIONS if i.is_available)
