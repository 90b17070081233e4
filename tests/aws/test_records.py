"""records.evolve gives what attrs.evolve gives, converters and errors included."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from aurora_sec import Account
from aurora_sec.aws.rds.models import Cluster, Instance, ParameterGroup, ParameterSetting
from aurora_sec.aws.records import evolve

PASSWORD = "correct-horse-battery"


def _world() -> Account:
    acct = Account(seed=0)
    rds = acct.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return acct


def test_evolve_equals_attrs_evolve_on_the_records() -> None:
    acct = _world()
    cluster = acct.rds.clusters["prod"]
    instance = acct.rds.instances["prod-1"]
    assert isinstance(cluster, Cluster) and isinstance(instance, Instance)
    for record, changes in (
        (cluster, {"members": ("prod-1", "prod-2")}),
        (cluster, {"port": 5433, "iam_auth": True}),
        (instance, {"promotion_tier": 3}),
        (instance, {}),
    ):
        ours = evolve(record, **changes)
        theirs = attrs.evolve(record, **changes)
        assert ours == theirs
        assert ours is not record
        assert attrs.asdict(ours, recurse=False) == attrs.asdict(theirs, recurse=False)


def test_evolve_runs_the_converters() -> None:
    group = ParameterGroup("g", "aurora-postgresql15", "d", "cluster", "arn")
    settings = {"rds.force_ssl": ParameterSetting("1", "pending-reboot")}
    changed = evolve(group, settings=settings)
    # the converter made a read-only copy, as it does for attrs.evolve
    assert changed.settings == settings
    assert changed.settings is not settings
    with pytest.raises(TypeError):
        changed.settings["x"] = ParameterSetting("1", "immediate")  # type: ignore[index]
    assert group.settings == {}


def test_evolve_refuses_an_unknown_field() -> None:
    group = ParameterGroup("g", "aurora-postgresql15", "d", "cluster", "arn")
    unknown: dict[str, Any] = {"no_such": 1}
    with pytest.raises(TypeError, match="no_such"):
        evolve(group, **unknown)
    with pytest.raises(TypeError):
        attrs.evolve(group, **unknown)


def test_evolve_of_a_keyword_only_class_falls_back_to_attrs() -> None:
    @attrs.frozen(kw_only=True)
    class Pair:
        a: int
        b: int = attrs.field(converter=int)

    assert evolve(Pair(a=1, b=2), b="5") == Pair(a=1, b=5)
