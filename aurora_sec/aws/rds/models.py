"""The RDS state as frozen value objects: parameter groups, subnet groups, clusters, instances.

State changes replace a record with ``attrs.evolve``; nothing here mutates, so a snapshot of
the backend is a shallow copy of its dicts and a failed call cannot leave half a change.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import attrs

from aurora_sec.secrets import Secret
from aurora_sec.versions import EngineVersion

__all__ = [
    "Cluster",
    "ClusterEndpoint",
    "GroupKind",
    "Instance",
    "ParameterGroup",
    "ParameterSetting",
    "SubnetGroup",
    "Tags",
]

GroupKind = Literal["cluster", "instance"]
Tags = tuple[tuple[str, str], ...]


def _frozen_map(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(value))


@attrs.frozen
class ParameterSetting:
    """A value the user set in a parameter group, with the apply method it was set with."""

    value: str
    apply_method: Literal["immediate", "pending-reboot"]


@attrs.frozen
class ParameterGroup:
    """A DB cluster parameter group (``kind="cluster"``) or a DB parameter group."""

    name: str
    family: str
    description: str
    kind: GroupKind
    arn: str
    is_default: bool = False
    settings: Mapping[str, ParameterSetting] = attrs.field(factory=dict, converter=_frozen_map)
    tags: Tags = ()

    @property
    def major(self) -> int:
        return int(self.family.removeprefix("aurora-postgresql"))


@attrs.frozen
class SubnetGroup:
    name: str
    description: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    arn: str
    tags: Tags = ()


@attrs.frozen
class Cluster:
    """An Aurora PostgreSQL DB cluster."""

    identifier: str
    resource_id: str
    arn: str
    engine_version: EngineVersion
    parameter_group: str
    subnet_group: str
    vpc_id: str
    security_group_ids: tuple[str, ...]
    master_username: str
    master_password: Secret | None = attrs.field(repr=False)
    port: int
    database_name: str | None
    iam_auth: bool
    deletion_protection: bool
    storage_encrypted: bool
    backup_retention_period: int
    availability_zones: tuple[str, ...]
    create_time: _dt.datetime
    serverless_v2: tuple[float, float] | None = None
    copy_tags_to_snapshot: bool = False
    members: tuple[str, ...] = ()
    tags: Tags = ()


@attrs.frozen
class Instance:
    """A DB instance of a cluster, with the configuration it runs with."""

    identifier: str
    resource_id: str
    arn: str
    cluster_id: str
    instance_class: str
    engine_version: EngineVersion
    parameter_group: str
    availability_zone: str
    publicly_accessible: bool
    ca_identifier: str
    promotion_tier: int
    create_time: _dt.datetime
    #: The GUCs the server runs with now.
    running: Mapping[str, str] = attrs.field(converter=_frozen_map)
    #: The cluster / instance parameter groups whose values ``running`` came from.
    applied_cluster_group: str
    applied_instance_group: str
    #: Parameters changed in each group that wait for a reboot.
    pending_cluster: frozenset[str] = frozenset()
    pending_instance: frozenset[str] = frozenset()
    auto_minor_version_upgrade: bool = True
    #: The address the instance has in its subnet, and its public address if it has one.
    private_ip: str | None = None
    public_ip: str | None = None
    tags: Tags = ()


@attrs.frozen
class ClusterEndpoint:
    """A custom cluster endpoint."""

    identifier: str
    cluster_id: str
    resource_id: str
    arn: str
    endpoint_type: Literal["READER", "ANY"]
    static_members: tuple[str, ...] = ()
    excluded_members: tuple[str, ...] = ()
    tags: Tags = ()
