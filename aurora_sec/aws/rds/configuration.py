"""How parameter groups become the configuration an instance runs with.

Pure functions over the records in :mod:`aurora_sec.aws.rds.models`:

* :func:`desired_config`: what an instance would run with after a reboot: engine defaults of
  its version, then its cluster parameter group, then its DB parameter group, then the RDS
  rule that ``rds.force_ssl=1`` also turns ``ssl`` on (S2: "Updating the rds.force_ssl
  parameter also sets the PostgreSQL ssl parameter to 1").
* :func:`apply_immediate`: what an immediate change of one dynamic parameter does to an
  instance now, including the seed's rule for ``rds.force_ssl`` (no reboot needed only when
  ``ssl`` is already 1; otherwise the change waits for a reboot).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from aurora_sec.aws.rds.models import GroupKind, Instance, ParameterGroup
from aurora_sec.aws.records import evolve
from aurora_sec.catalog import parameters as catalog
from aurora_sec.versions import EngineVersion

__all__ = ["apply_immediate", "desired_config", "engine_defaults", "parameter_exists_in"]

_ON = frozenset({"1", "on", "true", "yes"})


def _applies_to(spec: catalog.ParameterSpec, version: EngineVersion) -> bool:
    if spec.minimum_engine_version is None:
        return True
    return version >= EngineVersion.parse(spec.minimum_engine_version)


def engine_defaults(version: EngineVersion) -> Mapping[str, str]:
    """The GUC values of a fresh instance of ``version`` with default parameter groups."""
    return _engine_defaults(version.major, version.minor)


@functools.lru_cache(maxsize=256)
def _engine_defaults(major: int, minor: int) -> Mapping[str, str]:
    version = EngineVersion(major, minor)
    values: dict[str, str] = {}
    for level in ("cluster", "instance"):
        for spec in catalog.for_family(version.family, level):
            default = spec.default(version.major)
            if default is not None and _applies_to(spec, version):
                values[spec.name] = default
    return MappingProxyType(values)


def parameter_exists_in(name: str, version: EngineVersion) -> bool:
    """Does a parameter of the catalogue take effect on an engine of ``version``?"""
    return _exists_in(name, version.major, version.minor)


@functools.lru_cache(maxsize=4096)
def _exists_in(name: str, major: int, minor: int) -> bool:
    version = EngineVersion(major, minor)
    for level in ("cluster", "instance"):
        spec = catalog.lookup(name, version.family, level)
        if spec is not None:
            return _applies_to(spec, version)
    return False


def _force_ssl_rule(values: dict[str, str]) -> None:
    if values.get("rds.force_ssl", "0").lower() in _ON:
        values["ssl"] = "1"


def desired_config(
    version: EngineVersion, cluster_group: ParameterGroup, instance_group: ParameterGroup
) -> dict[str, str]:
    """Engine defaults, then the cluster group, then the DB parameter group."""
    major, minor = version.major, version.minor
    values = dict(_engine_defaults(major, minor))
    for group in (cluster_group, instance_group):
        for name, setting in group.settings.items():
            if _exists_in(name, major, minor):
                values[name] = setting.value
    _force_ssl_rule(values)
    return values


def apply_immediate(
    instance: Instance,
    name: str,
    kind: GroupKind,
    cluster_group: ParameterGroup,
    instance_group: ParameterGroup,
) -> Instance:
    """Apply an immediate change of dynamic parameter ``name`` (made in a group of ``kind``).

    ``cluster_group`` and ``instance_group`` are the groups the instance currently runs with,
    already holding the new setting. Returns the instance as it is after the change.
    """
    target = desired_config(instance.engine_version, cluster_group, instance_group)
    new_value = target.get(name)
    if instance.running.get(name) == new_value:
        return instance
    turning_on_force_ssl = name == "rds.force_ssl" and (new_value or "0").lower() in _ON
    if turning_on_force_ssl and instance.running.get("ssl", "0").lower() not in _ON:
        return _pending(instance, name, kind)
    running = dict(instance.running)
    if new_value is None:
        running.pop(name, None)
    else:
        running[name] = new_value
    _force_ssl_rule(running)
    return evolve(instance, running=running)


def _pending(instance: Instance, name: str, kind: GroupKind) -> Instance:
    if kind == "cluster":
        return evolve(instance, pending_cluster=instance.pending_cluster | {name})
    return evolve(instance, pending_instance=instance.pending_instance | {name})


def mark_pending(instance: Instance, name: str, kind: GroupKind) -> Instance:
    """Record that a change of ``name`` waits for the next reboot."""
    return _pending(instance, name, kind)
