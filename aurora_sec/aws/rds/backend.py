"""The RDS state of one account and the rules that change it.

Every public method either raises an :class:`~aurora_sec.errors.AwsError` having changed
nothing, or makes its whole change. Methods take plain Python values (already validated for
type by the client layer) and return model records; turning records into boto3 dicts is the
job of :mod:`aurora_sec.aws.rds.views`.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import attrs

from aurora_sec.aws.network import NetworkTarget
from aurora_sec.aws.rds import errors, validation
from aurora_sec.aws.rds.configuration import (
    apply_immediate,
    desired_config,
    engine_defaults,
    mark_pending,
)
from aurora_sec.aws.rds.endpoints import EndpointKind, ResolvedEndpoint
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.aws.rds.models import (
    Cluster,
    ClusterEndpoint,
    GroupKind,
    Instance,
    ParameterGroup,
    ParameterSetting,
    SubnetGroup,
    Tags,
)
from aurora_sec.aws.records import evolve
from aurora_sec.catalog import certificates, engine_versions, instance_classes
from aurora_sec.catalog import parameters as catalog
from aurora_sec.client.certificates import RdsPki, TlsIdentity
from aurora_sec.engine.bootstrap import bootstrap_catalog
from aurora_sec.engine.catalog import Catalog
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.database import Database
from aurora_sec.engine.passwords import StoredPassword, md5_secret
from aurora_sec.engine.server import ConnectionSlots, InstanceServer
from aurora_sec.errors import AwsError
from aurora_sec.secrets import Secret
from aurora_sec.versions import EngineVersion

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account
    from aurora_sec.aws.ec2.models import Subnet

__all__ = ["ENGINE", "RdsBackend"]

ENGINE = engine_versions.ENGINE
#: Engines RDS knows but this emulator does not model (they fail loudly, not as AWS errors).
_OTHER_ENGINES = frozenset(
    {
        "aurora-mysql",
        "aurora",
        "postgres",
        "mysql",
        "mariadb",
        "oracle-ee",
        "oracle-se2",
        "oracle-ee-cdb",
        "oracle-se2-cdb",
        "sqlserver-ee",
        "sqlserver-se",
        "sqlserver-ex",
        "sqlserver-web",
        "db2-se",
        "db2-ae",
        "custom-oracle-ee",
        "custom-sqlserver-ee",
        "neptune",
        "docdb",
    }
)
MAX_CUSTOM_ENDPOINTS = 5
MAX_INSTANCES_PER_CLUSTER = 16
#: Fixed creation time: the emulator is deterministic, so clocks come from the caller.
EPOCH = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


#: What comes between a name and the account's endpoint suffix, per kind of endpoint.
_HOST_PREFIXES: Mapping[str, str] = MappingProxyType(
    {"cluster": "cluster-", "reader": "cluster-ro-", "custom": "cluster-custom-", "instance": ""}
)


@functools.lru_cache(maxsize=256)
def _default_parameter_group(kind: GroupKind, family: str, arn: str) -> ParameterGroup:
    """A default parameter group: an immutable record, the same in every account of an ARN
    prefix, so accounts share it."""
    if kind == "cluster":
        description = f"Default cluster parameter group for {family}"
    else:
        description = f"Default parameter group for {family}"
    return ParameterGroup(f"default.{family}", family, description, kind, arn, is_default=True)


@functools.lru_cache(maxsize=256)
def _default_subnet_group(vpc_id: str, subnet_ids: tuple[str, ...], arn: str) -> SubnetGroup:
    """The default DB subnet group (the default VPC's subnets): an immutable record, shared
    by the accounts whose default VPC is the same."""
    return SubnetGroup("default", "default", vpc_id, subnet_ids, arn)


def _zones_of(subnets: Iterable[Subnet]) -> tuple[str, ...]:
    """The availability zones of some subnets, sorted, each once."""
    return tuple(sorted({s.availability_zone for s in subnets}))


def _tags(value: Sequence[Mapping[str, str]] | None) -> Tags:
    if not value:
        return ()
    return tuple((t.get("Key", ""), t.get("Value", "")) for t in value)


@attrs.frozen
class ParameterChange:
    """One entry of a ModifyDB(Cluster)ParameterGroup request, validated."""

    spec: catalog.ParameterSpec
    value: str | None
    apply_method: str


class RdsBackend:
    """RDS state: parameter groups, subnet groups, clusters, instances and custom endpoints."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self.cluster_parameter_groups: dict[str, ParameterGroup] = {}
        self.db_parameter_groups: dict[str, ParameterGroup] = {}
        self.subnet_groups: dict[str, SubnetGroup] = {}
        self.clusters: dict[str, Cluster] = {}
        self.instances: dict[str, Instance] = {}
        self.endpoints: dict[str, ClusterEndpoint] = {}
        #: The database server storage of each cluster, by cluster resource id (made on first use).
        self.databases: dict[str, Database] = {}
        self._pki: RdsPki | None = None
        #: The EngineConfig of each instance, valid while the instance record is unchanged.
        self._configs: dict[str, tuple[Instance, EngineConfig]] = {}
        self._identities: dict[tuple[str, str], TlsIdentity] = {}
        self._resolutions: dict[
            tuple[str, str], tuple[Cluster, Instance | None, ResolvedEndpoint]
        ] = {}
        #: The issued identities as presented with a TLS version range.
        self._presented: dict[tuple[tuple[str, str], tuple[str, ...]], TlsIdentity] = {}
        #: Each instance's open connections (a reboot or a deletion ends them).
        self._slots: dict[str, ConnectionSlots] = {}
        #: The clock used for creation times; tests may set it.
        self.now: _dt.datetime = EPOCH

    # ------------------------------------------------------------------ helpers -------

    def _default_group(self, kind: GroupKind, family: str) -> ParameterGroup:
        """The default group of a family; made on first use (every family has one)."""
        name = f"default.{family}"
        groups = self.cluster_parameter_groups if kind == "cluster" else self.db_parameter_groups
        group = groups.get(name)
        if group is None:
            group = groups[name] = _default_parameter_group(
                kind, family, self._account.arn("cluster-pg" if kind == "cluster" else "pg", name)
            )
        return group

    def all_groups(self, kind: GroupKind) -> list[ParameterGroup]:
        """Every group of ``kind``, the default ones included, sorted by name."""
        for family in engine_versions.FAMILIES:
            self._default_group(kind, family)
        return [g for _, g in sorted(self._groups(kind).items())]

    def _groups(self, kind: GroupKind) -> dict[str, ParameterGroup]:
        return self.cluster_parameter_groups if kind == "cluster" else self.db_parameter_groups

    def get_parameter_group(self, name: str, kind: GroupKind) -> ParameterGroup:
        key = name.lower()
        if key.startswith("default.") and key[len("default.") :] in engine_versions.FAMILIES:
            return self._default_group(kind, key[len("default.") :])
        group = self._groups(kind).get(key)
        if group is None:
            if kind == "cluster":
                raise errors.cluster_parameter_group_not_found(name)
            raise errors.parameter_group_not_found(name)
        return group

    def get_cluster(self, identifier: str) -> Cluster:
        cluster = self.clusters.get(_strip_arn(identifier, "cluster").lower())
        if cluster is None:
            raise errors.cluster_not_found(identifier)
        return cluster

    def get_instance(self, identifier: str) -> Instance:
        instance = self.instances.get(_strip_arn(identifier, "db").lower())
        if instance is None:
            raise errors.instance_not_found(identifier)
        return instance

    def _version(self, text: str | None) -> EngineVersion:
        if text is None:
            return engine_versions.DEFAULT_VERSION
        info = engine_versions.lookup_available(text)
        if info is None:
            raise errors.unknown_engine_version(text)
        return info.version

    @staticmethod
    def _check_engine(engine: str) -> None:
        if engine == ENGINE:
            return
        if engine in _OTHER_ENGINES:
            raise UnsupportedByEmulator(
                f"engine {engine!r} is not emulated; aurora-sec models aurora-postgresql only"
            )
        raise errors.invalid_engine(engine)

    # ------------------------------------------------------- parameter groups ---------

    def create_parameter_group(
        self, kind: GroupKind, name: str, family: str, description: str, tags: Tags = ()
    ) -> ParameterGroup:
        parameter = "DBClusterParameterGroupName" if kind == "cluster" else "DBParameterGroupName"
        if name.lower().startswith("default."):
            raise errors.invalid_identifier(parameter)
        key = validation.check_group_name(name, parameter)
        if engine_versions.family_major(family) is None:
            raise errors.invalid_family(family)
        if not description:
            raise errors.missing_parameter("Description")
        groups = self._groups(kind)
        if key in groups:
            raise errors.parameter_group_exists(name, cluster=kind == "cluster")
        arn_type = "cluster-pg" if kind == "cluster" else "pg"
        group = ParameterGroup(
            key, family, description, kind, self._account.arn(arn_type, key), tags=tags
        )
        groups[key] = group
        return group

    def delete_parameter_group(self, kind: GroupKind, name: str) -> None:
        group = self.get_parameter_group(name, kind)
        if group.is_default:
            raise errors.delete_default_group(group.name, cluster=kind == "cluster")
        if kind == "cluster":
            in_use = any(c.parameter_group == group.name for c in self.clusters.values())
        else:
            in_use = any(i.parameter_group == group.name for i in self.instances.values())
        if in_use:
            raise errors.group_in_use(group.name, cluster=kind == "cluster")
        del self._groups(kind)[group.name]

    def _validate_changes(
        self, group: ParameterGroup, entries: Sequence[Mapping[str, Any]], *, reset: bool
    ) -> list[ParameterChange]:
        changes: list[ParameterChange] = []
        for entry in entries:
            name = entry.get("ParameterName")
            if not name:
                raise errors.missing_parameter("ParameterName")
            spec = catalog.lookup(name, group.family, group.kind)
            if spec is None:
                raise errors.unknown_parameter(name)
            value: str | None = None
            if not reset:
                if "ParameterValue" not in entry:
                    raise errors.missing_parameter("ParameterValue")
                value = str(entry["ParameterValue"])
                if not spec.is_modifiable:
                    raise errors.invalid_value(f"The parameter {name} cannot be modified.")
                message = spec.validate(value)
                if message is not None:
                    raise errors.invalid_value(message)
            method = entry.get("ApplyMethod")
            if method is None:
                # UNCONFIRMED: AWS's API does not say; the console's choice (pending-reboot for
                # static parameters, immediate for dynamic ones) is used.
                method = "pending-reboot" if spec.apply_type == "static" else "immediate"
            if method not in ("immediate", "pending-reboot"):
                raise errors.invalid_value(
                    f"Invalid apply method {method} for parameter {name}. Valid values are "
                    "immediate and pending-reboot."
                )
            if method == "immediate" and spec.apply_type == "static":
                raise errors.immediate_static()
            changes.append(ParameterChange(spec, value, method))
        return changes

    def modify_parameter_group(
        self, kind: GroupKind, name: str, entries: Sequence[Mapping[str, Any]]
    ) -> ParameterGroup:
        group = self.get_parameter_group(name, kind)
        if group.is_default:
            raise errors.modify_default_group()
        if not entries:
            raise errors.missing_parameter("Parameters")
        changes = self._validate_changes(group, entries, reset=False)
        settings = dict(group.settings)
        for change in changes:
            assert change.value is not None
            settings[change.spec.name] = ParameterSetting(change.value, change.apply_method)  # type: ignore[arg-type]
        updated = evolve(group, settings=settings)
        self._groups(kind)[group.name] = updated
        self._propagate(updated, changes)
        return updated

    def reset_parameter_group(
        self,
        kind: GroupKind,
        name: str,
        entries: Sequence[Mapping[str, Any]] | None,
        reset_all: bool,
    ) -> ParameterGroup:
        group = self.get_parameter_group(name, kind)
        if group.is_default:
            raise errors.reset_default_group()
        if reset_all and entries:
            raise errors.invalid_combination(
                "Specify either ResetAllParameters or a list of Parameters, not both."
            )
        if not reset_all and not entries:
            raise errors.invalid_combination(
                "Specify ResetAllParameters or a list of Parameters to reset."
            )
        if reset_all:
            # AWS: "dynamic parameters are updated immediately and static parameters are set
            # to pending-reboot" (ResetDBClusterParameterGroup API reference).
            changes = []
            for pname in group.settings:
                spec = catalog.lookup(pname, group.family, kind)
                assert spec is not None
                method = "pending-reboot" if spec.apply_type == "static" else "immediate"
                changes.append(ParameterChange(spec, None, method))
        else:
            changes = self._validate_changes(group, entries or (), reset=True)
        settings = dict(group.settings)
        for change in changes:
            settings.pop(change.spec.name, None)
        updated = evolve(group, settings=settings)
        self._groups(kind)[group.name] = updated
        self._propagate(updated, changes)
        return updated

    def _propagate(self, group: ParameterGroup, changes: Iterable[ParameterChange]) -> None:
        """Apply the changes to every instance running with ``group`` (now or at reboot)."""
        kind = group.kind
        for iid, instance in list(self.instances.items()):
            applied = (
                instance.applied_cluster_group
                if kind == "cluster"
                else instance.applied_instance_group
            )
            if applied != group.name:
                continue
            cluster_group = self.cluster_parameter_groups[instance.applied_cluster_group]
            instance_group = self.db_parameter_groups[instance.applied_instance_group]
            for change in changes:
                if change.apply_method == "immediate":
                    instance = apply_immediate(
                        instance, change.spec.name, kind, cluster_group, instance_group
                    )
                else:
                    instance = mark_pending(instance, change.spec.name, kind)
            self.instances[iid] = instance

    def describe_group_parameters(
        self, group: ParameterGroup, source: str | None
    ) -> list[dict[str, Any]]:
        major = group.major
        out = []
        for spec in catalog.for_family(group.family, group.kind):
            setting = group.settings.get(spec.name)
            if setting is not None:
                record = catalog.describe(spec, setting.value, "user", setting.apply_method)
            else:
                record = catalog.describe(spec, spec.default(major), spec.source)
            if source is None or record["Source"] == source:
                out.append(record)
        return out

    # ---------------------------------------------------------- subnet groups ---------

    def default_subnet_group(self) -> SubnetGroup:
        group = self.subnet_groups.get("default")
        if group is None:
            vpc = self._account.ec2.default_vpc()
            subnets = [
                s.subnet_id for s in self._account.ec2.subnets.values() if s.vpc_id == vpc.vpc_id
            ]
            group = self.subnet_groups["default"] = _default_subnet_group(
                vpc.vpc_id, tuple(subnets), self._account.arn("subgrp", "default")
            )
        return group

    def create_subnet_group(
        self, name: str, description: str, subnet_ids: Sequence[str], tags: Tags = ()
    ) -> SubnetGroup:
        if name.lower() == "default":
            raise errors.invalid_value('DBSubnetGroupName must not be "default".')
        key = validation.check_group_name(name, "DBSubnetGroupName")
        if not description:
            raise errors.missing_parameter("DBSubnetGroupDescription")
        if key in self.subnet_groups:
            raise errors.subnet_group_exists(name)
        if not subnet_ids:
            raise errors.missing_parameter("SubnetIds")
        subnets = []
        for sid in subnet_ids:
            subnet = self._account.ec2.get_subnet(sid)
            if subnet is None:
                raise errors.subnet_not_found(sid)
            subnets.append(subnet)
        if len({s.vpc_id for s in subnets}) > 1:
            raise errors.subnets_in_different_vpcs()
        azs = {s.availability_zone for s in subnets}
        if len(azs) < 2:
            raise errors.subnet_group_coverage(len(azs))
        group = SubnetGroup(
            key,
            description,
            subnets[0].vpc_id,
            tuple(dict.fromkeys(subnet_ids)),
            self._account.arn("subgrp", key),
            tags,
        )
        self.subnet_groups[key] = group
        return group

    def get_subnet_group(self, name: str) -> SubnetGroup:
        if name.lower() == "default":
            return self.default_subnet_group()
        group = self.subnet_groups.get(name.lower())
        if group is None:
            raise errors.subnet_group_not_found(name)
        return group

    def delete_subnet_group(self, name: str) -> None:
        group = self.get_subnet_group(name)
        if group.name == "default":
            raise errors.rds_error(
                "InvalidDBSubnetGroupStateFault", "Cannot delete default DB subnet group"
            )
        if any(c.subnet_group == group.name for c in self.clusters.values()):
            raise errors.subnet_group_in_use(group.name)
        del self.subnet_groups[group.name]

    # --------------------------------------------------------------- clusters ---------

    def _check_security_groups(self, group_ids: Sequence[str], vpc_id: str) -> tuple[str, ...]:
        for gid in group_ids:
            sg = self._account.ec2.get_security_group(gid)
            if sg is None:
                raise errors.security_group_not_found(gid)
            if sg.vpc_id != vpc_id:
                raise errors.different_vpcs("DB instance", vpc_id, sg.vpc_id)
        return tuple(dict.fromkeys(group_ids))

    def _check_cluster_group(self, name: str | None, family: str) -> ParameterGroup:
        if name is None:
            return self._default_group("cluster", family)
        try:
            group = self.get_parameter_group(name, "cluster")
        except AwsError:
            group = None
        if group is None:
            raise errors.cluster_parameter_group_not_found(name, referenced=True)
        if group.family != family:
            raise errors.family_mismatch(group.name, group.family, family)
        return group

    def create_cluster(self, p: Mapping[str, Any]) -> Cluster:
        identifier = validation.check_identifier(
            p["DBClusterIdentifier"], "DBClusterIdentifier", arn_allowed=True
        )
        self._check_engine(p["Engine"])
        version = self._version(p.get("EngineVersion"))
        mode = p.get("EngineMode", "provisioned")
        if mode != "provisioned":
            raise UnsupportedByEmulator(f"EngineMode {mode!r} is not emulated (only provisioned)")
        if p.get("ManageMasterUserPassword"):
            raise UnsupportedByEmulator(
                "ManageMasterUserPassword (Secrets Manager) is not emulated"
            )
        username = validation.check_master_username(p.get("MasterUsername"))
        password = validation.check_master_password(p.get("MasterUserPassword"))
        dbname = validation.check_database_name(p.get("DatabaseName"))
        if identifier in self.clusters:
            raise errors.cluster_exists()
        group = self._check_cluster_group(p.get("DBClusterParameterGroupName"), version.family)
        subnet_group = self.get_subnet_group(p.get("DBSubnetGroupName") or "default")
        sg_ids = p.get("VpcSecurityGroupIds")
        if sg_ids:
            security_groups = self._check_security_groups(sg_ids, subnet_group.vpc_id)
        else:
            security_groups = (
                self._account.ec2.default_security_group(subnet_group.vpc_id).group_id,
            )
        port = p.get("Port", 5432)
        if not 1150 <= port <= 65535:
            raise errors.invalid_value("Invalid port: must be between 1150 and 65535.")
        retention = p.get("BackupRetentionPeriod", 1)
        if not 1 <= retention <= 35:
            raise errors.invalid_value(
                f"Invalid backup retention period: {retention}. Must be between 1 and 35."
            )
        scaling = p.get("ServerlessV2ScalingConfiguration")
        serverless: tuple[float, float] | None = None
        if scaling is not None:
            serverless = (
                float(scaling.get("MinCapacity", 0.5)),
                float(scaling.get("MaxCapacity", 1)),
            )
        cluster = Cluster(
            identifier=identifier,
            resource_id=self._account.ids.resource_id("cluster"),
            arn=self._account.arn("cluster", identifier),
            engine_version=version,
            parameter_group=group.name,
            subnet_group=subnet_group.name,
            vpc_id=subnet_group.vpc_id,
            security_group_ids=security_groups,
            master_username=username,
            master_password=Secret(password),
            port=port,
            database_name=dbname,
            iam_auth=bool(p.get("EnableIAMDatabaseAuthentication", False)),
            deletion_protection=bool(p.get("DeletionProtection", False)),
            storage_encrypted=bool(p.get("StorageEncrypted", False)),
            backup_retention_period=retention,
            availability_zones=self._cluster_azs(subnet_group),
            create_time=self.now,
            serverless_v2=serverless,
            copy_tags_to_snapshot=bool(p.get("CopyTagsToSnapshot", False)),
            tags=_tags(p.get("Tags")),
        )
        self.clusters[identifier] = cluster
        return cluster

    def group_subnets(self, group: SubnetGroup) -> list[Subnet]:
        """The subnets of a DB subnet group that exist, in the group's order."""
        subnets = self._account.ec2.subnets
        return [s for s in map(subnets.get, group.subnet_ids) if s is not None]

    def _cluster_azs(self, subnet_group: SubnetGroup) -> tuple[str, ...]:
        return _zones_of(self.group_subnets(subnet_group))[:3]

    def modify_cluster(self, p: Mapping[str, Any]) -> Cluster:
        cluster = self.get_cluster(p["DBClusterIdentifier"])
        changes: dict[str, Any] = {}
        new_id = p.get("NewDBClusterIdentifier")
        if new_id is not None:
            new_id = validation.check_identifier(new_id, "NewDBClusterIdentifier")
            if new_id != cluster.identifier and new_id in self.clusters:
                raise errors.cluster_exists()
        version = cluster.engine_version
        if p.get("EngineVersion") is not None:
            version = self._version(p["EngineVersion"])
            if version.major != cluster.engine_version.major:
                if not p.get("AllowMajorVersionUpgrade"):
                    raise errors.invalid_combination(
                        "The AllowMajorVersionUpgrade flag must be present when upgrading to a "
                        "new major version."
                    )
                if p.get("DBClusterParameterGroupName") is None:
                    raise UnsupportedByEmulator(
                        "a major version upgrade needs DBClusterParameterGroupName of the new family"
                    )
            elif version < cluster.engine_version:
                raise errors.invalid_combination(
                    f"Cannot upgrade {ENGINE} from {cluster.engine_version} to {version}"
                )
            changes["engine_version"] = version
        if p.get("DBClusterParameterGroupName") is not None:
            group = self._check_cluster_group(p["DBClusterParameterGroupName"], version.family)
            changes["parameter_group"] = group.name
        if p.get("VpcSecurityGroupIds") is not None:
            changes["security_group_ids"] = self._check_security_groups(
                p["VpcSecurityGroupIds"], cluster.vpc_id
            )
        if p.get("MasterUserPassword") is not None:
            changes["master_password"] = Secret(
                validation.check_master_password(p["MasterUserPassword"])
            )
        if p.get("Port") is not None:
            if not 1150 <= p["Port"] <= 65535:
                raise errors.invalid_value("Invalid port: must be between 1150 and 65535.")
            changes["port"] = p["Port"]
        if p.get("BackupRetentionPeriod") is not None:
            if not 1 <= p["BackupRetentionPeriod"] <= 35:
                raise errors.invalid_value(
                    f"Invalid backup retention period: {p['BackupRetentionPeriod']}. Must be between 1 and 35."
                )
            changes["backup_retention_period"] = p["BackupRetentionPeriod"]
        for key, attr in (
            ("EnableIAMDatabaseAuthentication", "iam_auth"),
            ("DeletionProtection", "deletion_protection"),
            ("CopyTagsToSnapshot", "copy_tags_to_snapshot"),
        ):
            if p.get(key) is not None:
                changes[attr] = bool(p[key])
        if p.get("ServerlessV2ScalingConfiguration") is not None:
            s = p["ServerlessV2ScalingConfiguration"]
            changes["serverless_v2"] = (
                float(s.get("MinCapacity", 0.5)),
                float(s.get("MaxCapacity", 1)),
            )
        # All checks passed: apply.
        updated = evolve(cluster, **changes)
        database = self.databases.get(cluster.resource_id)
        if database is not None and ("master_password" in changes or "engine_version" in changes):
            database.version = updated.engine_version
            if "master_password" in changes and database.bootstrapped:
                with database.lock:  # read and replace with no session commit in between
                    catalog = database.catalog
                    master = catalog.get(cluster.master_username)
                    if master is not None:
                        draw = catalog.salts_drawn
                        stored = self._stored_master_password(
                            updated,
                            EngineConfig(
                                updated.engine_version, engine_defaults(updated.engine_version)
                            ).password_encryption,
                            draw,
                        )
                        database.commit(
                            catalog.replace_role(master.replaced(password=stored)).with_salts_drawn(
                                draw + 1
                            )
                        )
        if "engine_version" in changes:
            for iid in cluster.members:
                self.instances[iid] = evolve(self.instances[iid], engine_version=version)
        if new_id is not None and new_id != cluster.identifier:
            updated = evolve(updated, identifier=new_id, arn=self._account.arn("cluster", new_id))
            del self.clusters[cluster.identifier]
            for iid in cluster.members:
                self.instances[iid] = evolve(self.instances[iid], cluster_id=new_id)
            for eid, endpoint in list(self.endpoints.items()):
                if endpoint.cluster_id == cluster.identifier:
                    self.endpoints[eid] = evolve(endpoint, cluster_id=new_id)
        self.clusters[updated.identifier] = updated
        return updated

    def delete_cluster(self, p: Mapping[str, Any]) -> Cluster:
        cluster = self.get_cluster(p["DBClusterIdentifier"])
        if cluster.deletion_protection:
            raise errors.deletion_protected_cluster()
        if cluster.members:
            raise errors.cluster_has_instances()
        if not p.get("SkipFinalSnapshot") and not p.get("FinalDBSnapshotIdentifier"):
            raise errors.final_snapshot_required()
        del self.clusters[cluster.identifier]
        self.databases.pop(cluster.resource_id, None)
        for eid in [e for e, ep in self.endpoints.items() if ep.cluster_id == cluster.identifier]:
            del self.endpoints[eid]
        return cluster

    def writer_of(self, cluster: Cluster) -> Instance | None:
        return self.instances[cluster.members[0]] if cluster.members else None

    # -------------------------------------------------------------- instances ---------

    _CLUSTER_MANAGED = (
        ("MasterUsername", "master user name"),
        ("MasterUserPassword", "master user password"),
        ("VpcSecurityGroupIds", "VPC security groups"),
        ("DBName", "database name"),
        ("Port", "port"),
        ("StorageEncrypted", "storage encryption"),
        ("BackupRetentionPeriod", "backup retention period"),
        ("EnableIAMDatabaseAuthentication", "IAM database authentication"),
        ("DeletionProtection", "deletion protection"),
    )

    def create_instance(self, p: Mapping[str, Any]) -> Instance:
        identifier = validation.check_identifier(p["DBInstanceIdentifier"], "DBInstanceIdentifier")
        self._check_engine(p["Engine"])
        if p.get("DBClusterIdentifier") is None:
            raise errors.missing_parameter("DBClusterIdentifier")
        for key, what in self._CLUSTER_MANAGED:
            if p.get(key) is not None:
                raise errors.set_on_cluster(what)
        cluster = self.get_cluster(p["DBClusterIdentifier"])
        if (
            p.get("EngineVersion") is not None
            and self._version(p["EngineVersion"]) != cluster.engine_version
        ):
            raise errors.invalid_combination(
                f"The engine version {p['EngineVersion']} of the DB instance doesn't match the "
                f"engine version {cluster.engine_version} of the DB cluster."
            )
        if identifier in self.instances:
            raise errors.instance_exists()
        self._check_class(p["DBInstanceClass"], cluster)
        if len(cluster.members) >= MAX_INSTANCES_PER_CLUSTER:
            raise errors.rds_error(
                "InstanceQuotaExceeded",
                f"Cannot create more than {MAX_INSTANCES_PER_CLUSTER} instances in a DB cluster.",
            )
        group_name = p.get("DBParameterGroupName")
        if group_name is None:
            db_group = self._default_group("instance", cluster.engine_version.family)
        else:
            db_group = self.get_parameter_group(group_name, "instance")
            if db_group.family != cluster.engine_version.family:
                raise errors.family_mismatch(
                    db_group.name, db_group.family, cluster.engine_version.family
                )
        subnet_group = self.get_subnet_group(cluster.subnet_group)
        if (
            p.get("DBSubnetGroupName") is not None
            and p["DBSubnetGroupName"].lower() != subnet_group.name
        ):
            raise errors.invalid_combination(
                "The DB instance and its DB cluster must be in the same DB subnet group."
            )
        subnets = self.group_subnets(subnet_group)
        azs = _zones_of(subnets)
        az = p.get("AvailabilityZone")
        if az is not None and az not in azs:
            raise errors.invalid_value(f"Cannot find subnet in availability zone {az}.")
        if az is None:
            choices = azs or (f"{self._account.region}a",)
            az = choices[len(cluster.members) % len(choices)]
        ca = p.get("CACertificateIdentifier", certificates.DEFAULT_CA)
        if certificates.lookup(ca) is None:
            raise errors.rds_error("CertificateNotFound", f"Certificate not found: {ca}")
        tier = p.get("PromotionTier", 1)
        if not 0 <= tier <= 15:
            raise errors.invalid_value("PromotionTier must be between 0 and 15.")
        cluster_group = self.cluster_parameter_groups[cluster.parameter_group]
        publicly = p.get("PubliclyAccessible")
        if publicly is None:
            # AWS: without a subnet group the default VPC (with an internet gateway) is used
            # and the instance is public; a custom subnet group's VPC has none modelled.
            publicly = subnet_group.name == "default"
        private_ip, public_ip = self._addresses(subnets, az, bool(publicly))
        instance = Instance(
            identifier=identifier,
            resource_id=self._account.ids.resource_id("db"),
            arn=self._account.arn("db", identifier),
            cluster_id=cluster.identifier,
            instance_class=p["DBInstanceClass"],
            engine_version=cluster.engine_version,
            parameter_group=db_group.name,
            availability_zone=az,
            publicly_accessible=bool(publicly),
            ca_identifier=ca,
            promotion_tier=tier,
            create_time=self.now,
            running=desired_config(cluster.engine_version, cluster_group, db_group),
            applied_cluster_group=cluster_group.name,
            applied_instance_group=db_group.name,
            auto_minor_version_upgrade=bool(p.get("AutoMinorVersionUpgrade", True)),
            private_ip=private_ip,
            public_ip=public_ip,
            tags=_tags(p.get("Tags")),
        )
        self.instances[identifier] = instance
        self.clusters[cluster.identifier] = evolve(cluster, members=(*cluster.members, identifier))
        return instance

    def _addresses(
        self, subnets: Sequence[Subnet], az: str, public: bool
    ) -> tuple[str | None, str | None]:
        """A deterministic private address in the first of ``subnets`` in ``az`` (AWS keeps
        the first four and the last address of a subnet), and a public one if asked."""
        private = None
        for subnet in subnets:
            if subnet.availability_zone == az:
                block = subnet.cidr_block
                usable = (1 << (32 - block.prefixlen)) - 5  # a /n block has 2^(32-n) addresses
                offset = (
                    4 + int.from_bytes(self._account.ids.token("private-ip", 4), "big") % usable
                )
                value = int(block.network_address) + offset
                private = f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
                break
        publicly = None
        if public:
            raw = self._account.ids.token("public-ip", 3)
            publicly = f"54.{raw[0]}.{raw[1]}.{max(raw[2], 1) if raw[2] < 255 else 254}"
        return private, publicly

    def _check_class(self, instance_class: str, cluster: Cluster) -> None:
        version = cluster.engine_version
        if not instance_classes.supports(instance_class, version):
            raise errors.unsupported_combination(instance_class, ENGINE, str(version))
        vpc = self._account.ec2.get_vpc(cluster.vpc_id)
        if (
            vpc is not None
            and vpc.instance_tenancy == "dedicated"
            and instance_classes.is_burstable(instance_class)
        ):
            raise errors.tenancy_mismatch(instance_class, str(version))
        if instance_class == "db.serverless" and cluster.serverless_v2 is None:
            raise errors.serverless_needs_scaling()

    def modify_instance(self, p: Mapping[str, Any]) -> Instance:
        instance = self.get_instance(p["DBInstanceIdentifier"])
        cluster = self.clusters[instance.cluster_id]
        for key, what in self._CLUSTER_MANAGED:
            if p.get(key) is not None:
                raise errors.invalid_combination(
                    f"The specified DB Instance is a member of a cluster. Modify {what} for the DB "
                    "Cluster using the ModifyDbCluster API"
                )
        changes: dict[str, Any] = {}
        new_id = p.get("NewDBInstanceIdentifier")
        if new_id is not None:
            new_id = validation.check_identifier(new_id, "NewDBInstanceIdentifier")
            if new_id != instance.identifier and new_id in self.instances:
                raise errors.instance_exists()
        if p.get("DBInstanceClass") is not None:
            self._check_class(p["DBInstanceClass"], cluster)
            changes["instance_class"] = p["DBInstanceClass"]
        if p.get("DBParameterGroupName") is not None:
            group = self.get_parameter_group(p["DBParameterGroupName"], "instance")
            if group.family != cluster.engine_version.family:
                raise errors.family_mismatch(
                    group.name, group.family, cluster.engine_version.family
                )
            changes["parameter_group"] = group.name
        if p.get("CACertificateIdentifier") is not None:
            if certificates.lookup(p["CACertificateIdentifier"]) is None:
                raise errors.rds_error(
                    "CertificateNotFound", f"Certificate not found: {p['CACertificateIdentifier']}"
                )
            changes["ca_identifier"] = p["CACertificateIdentifier"]
        if p.get("PromotionTier") is not None:
            if not 0 <= p["PromotionTier"] <= 15:
                raise errors.invalid_value("PromotionTier must be between 0 and 15.")
            changes["promotion_tier"] = p["PromotionTier"]
        if p.get("PubliclyAccessible") is not None:
            changes["publicly_accessible"] = bool(p["PubliclyAccessible"])
        if p.get("AutoMinorVersionUpgrade") is not None:
            changes["auto_minor_version_upgrade"] = bool(p["AutoMinorVersionUpgrade"])
        updated = evolve(instance, **changes)
        if new_id is not None and new_id != instance.identifier:
            updated = evolve(updated, identifier=new_id, arn=self._account.arn("db", new_id))
            del self.instances[instance.identifier]
            members = tuple(new_id if m == instance.identifier else m for m in cluster.members)
            self.clusters[cluster.identifier] = evolve(cluster, members=members)
        self.instances[updated.identifier] = updated
        return updated

    def reboot_instance(self, identifier: str, force_failover: bool = False) -> Instance:
        instance = self.get_instance(identifier)
        if force_failover:
            raise errors.invalid_combination(
                "ForceFailover can't be used when rebooting a DB instance in an Aurora DB cluster. "
                "Use FailoverDBCluster instead."
            )
        cluster = self.clusters[instance.cluster_id]
        cluster_group = self.cluster_parameter_groups[cluster.parameter_group]
        db_group = self.db_parameter_groups[instance.parameter_group]
        rebooted = evolve(
            instance,
            running=desired_config(instance.engine_version, cluster_group, db_group),
            applied_cluster_group=cluster_group.name,
            applied_instance_group=db_group.name,
            pending_cluster=frozenset(),
            pending_instance=frozenset(),
        )
        self.instances[instance.identifier] = rebooted
        slots = self._slots.pop(instance.identifier, None)
        if slots is not None:
            slots.clear()  # the restart ended every session
        return rebooted

    def reboot_cluster(self, identifier: str) -> Cluster:
        cluster = self.get_cluster(identifier)
        for iid in cluster.members:
            self.reboot_instance(iid)
        return cluster

    def delete_instance(self, identifier: str) -> Instance:
        instance = self.get_instance(identifier)
        cluster = self.clusters[instance.cluster_id]
        members = [m for m in cluster.members if m != instance.identifier]
        if members and cluster.members[0] == instance.identifier:
            # Failover: the replica with the best (lowest) promotion tier becomes the writer.
            members.sort(key=lambda m: self.instances[m].promotion_tier)
        del self.instances[instance.identifier]
        slots = self._slots.pop(instance.identifier, None)
        if slots is not None:
            slots.clear()
        self.clusters[cluster.identifier] = evolve(cluster, members=tuple(members))
        for eid, endpoint in list(self.endpoints.items()):
            if (
                instance.identifier in endpoint.static_members
                or instance.identifier in endpoint.excluded_members
            ):
                self.endpoints[eid] = evolve(
                    endpoint,
                    static_members=tuple(
                        m for m in endpoint.static_members if m != instance.identifier
                    ),
                    excluded_members=tuple(
                        m for m in endpoint.excluded_members if m != instance.identifier
                    ),
                )
        return instance

    def cluster_group_status(self, instance: Instance) -> str:
        cluster = self.clusters[instance.cluster_id]
        if instance.pending_cluster or instance.applied_cluster_group != cluster.parameter_group:
            return "pending-reboot"
        return "in-sync"

    def instance_group_status(self, instance: Instance) -> str:
        if instance.pending_instance or instance.applied_instance_group != instance.parameter_group:
            return "pending-reboot"
        return "in-sync"

    # -------------------------------------------------------- custom endpoints --------

    def create_endpoint(self, p: Mapping[str, Any]) -> ClusterEndpoint:
        cluster = self.get_cluster(p["DBClusterIdentifier"])
        identifier = validation.check_identifier(
            p["DBClusterEndpointIdentifier"], "DBClusterEndpointIdentifier"
        )
        requested = p["EndpointType"].upper()
        if requested not in ("READER", "ANY"):
            raise errors.invalid_value(
                f"Invalid endpoint type: {p['EndpointType']}. Valid values are READER and ANY."
            )
        endpoint_type: Literal["READER", "ANY"] = "READER" if requested == "READER" else "ANY"
        if identifier in self.endpoints or identifier == cluster.identifier:
            raise errors.endpoint_exists(identifier)
        static = tuple(p.get("StaticMembers") or ())
        excluded = tuple(p.get("ExcludedMembers") or ())
        if static and excluded:
            raise errors.invalid_combination(
                "You can't specify both StaticMembers and ExcludedMembers."
            )
        for member in (*static, *excluded):
            if member.lower() not in cluster.members:
                raise errors.invalid_value(
                    f"DB instance {member} is not a member of DB cluster {cluster.identifier}."
                )
        count = sum(1 for e in self.endpoints.values() if e.cluster_id == cluster.identifier)
        if count >= MAX_CUSTOM_ENDPOINTS:
            raise errors.rds_error(
                "DBClusterEndpointQuotaExceededFault",
                f"Cannot create more than {MAX_CUSTOM_ENDPOINTS} custom endpoints per DB cluster.",
            )
        endpoint = ClusterEndpoint(
            identifier=identifier,
            cluster_id=cluster.identifier,
            resource_id=self._account.ids.resource_id("cluster-endpoint").lower(),
            arn=self._account.arn("cluster-endpoint", identifier),
            endpoint_type=endpoint_type,
            static_members=tuple(m.lower() for m in static),
            excluded_members=tuple(m.lower() for m in excluded),
            tags=_tags(p.get("Tags")),
        )
        self.endpoints[identifier] = endpoint
        return endpoint

    def delete_endpoint(self, identifier: str) -> ClusterEndpoint:
        endpoint = self.endpoints.get(identifier.lower())
        if endpoint is None:
            raise errors.endpoint_not_found(identifier)
        del self.endpoints[endpoint.identifier]
        return endpoint

    def endpoint_members(self, endpoint: ClusterEndpoint) -> tuple[str, ...]:
        cluster = self.clusters[endpoint.cluster_id]
        if endpoint.static_members:
            candidates = [m for m in cluster.members if m in endpoint.static_members]
        else:
            candidates = [m for m in cluster.members if m not in endpoint.excluded_members]
        if endpoint.endpoint_type == "READER":
            candidates = [m for m in candidates if m != cluster.members[0]]
        return tuple(candidates)

    # ------------------------------------------------------------ endpoints -----------

    def host(self, kind: EndpointKind, name: str) -> str:
        return f"{name}.{_HOST_PREFIXES[kind]}{self._account.endpoint_suffix}"

    def resolve_endpoint(self, host: str) -> ResolvedEndpoint | None:
        """What a DNS lookup of ``host`` reaches, or None if the name does not exist."""
        host = host.lower().rstrip(".")
        hash_part = self._account.ids.endpoint_hash()
        tail = f".{self._account.region}.rds.amazonaws.com"
        if not host.endswith(tail):
            return None
        head, _, rest = host[: -len(tail)].partition(".")
        if not head or not rest:
            return None
        kind: EndpointKind
        if rest == hash_part:
            instance = self.instances.get(head)
            if instance is None:
                return None
            return self._resolved("instance", host, self.clusters[instance.cluster_id], instance)
        for prefix, k in (
            ("cluster-ro-", "reader"),
            ("cluster-custom-", "custom"),
            ("cluster-", "cluster"),
        ):
            if rest == prefix + hash_part:
                kind = k  # type: ignore[assignment]
                break
        else:
            return None
        if kind == "custom":
            endpoint = self.endpoints.get(head)
            if endpoint is None:
                return None
            cluster = self.clusters[endpoint.cluster_id]
            members = self.endpoint_members(endpoint)
            return self._resolved(
                "custom", host, cluster, self.instances[members[0]] if members else None
            )
        found = self.clusters.get(head)
        if found is None:
            return None
        cluster = found
        writer = self.writer_of(cluster)
        if kind == "reader" and len(cluster.members) > 1:
            return self._resolved("reader", host, cluster, self.instances[cluster.members[1]])
        return self._resolved(kind, host, cluster, writer)

    def _resolved(
        self, kind: EndpointKind, host: str, cluster: Cluster, instance: Instance | None
    ) -> ResolvedEndpoint:
        # Clusters and instances are immutable values replaced on every change, so an answer
        # stays right while the same two objects are the ones resolved to.
        cached = self._resolutions.get((kind, host))
        if cached is not None and cached[0] is cluster and cached[1] is instance:
            return cached[2]
        resolved = self._resolve_now(kind, host, cluster, instance)
        if len(self._resolutions) >= 1024:
            self._resolutions.clear()
        self._resolutions[(kind, host)] = (cluster, instance, resolved)
        return resolved

    def _resolve_now(
        self, kind: EndpointKind, host: str, cluster: Cluster, instance: Instance | None
    ) -> ResolvedEndpoint:
        target = NetworkTarget(
            host=host,
            port=cluster.port,
            vpc_id=cluster.vpc_id,
            security_group_ids=cluster.security_group_ids,
            publicly_accessible=instance.publicly_accessible if instance is not None else False,
            private_ip=instance.private_ip if instance is not None else None,
            public_ip=instance.public_ip if instance is not None else None,
        )
        return ResolvedEndpoint(
            kind=kind,
            host=host,
            cluster_id=cluster.identifier,
            instance_id=instance.identifier if instance is not None else None,
            target=target,
        )

    # ------------------------------------------------------- what others read ----------

    def engine_config(self, instance_id: str) -> EngineConfig:
        instance = self.get_instance(instance_id)
        cached = self._configs.get(instance.identifier)
        if cached is not None and cached[0] is instance:
            return cached[1]
        config = EngineConfig(instance.engine_version, instance.running)
        self._configs[instance.identifier] = (instance, config)
        return config

    def security_group_in_use(self, group_id: str) -> bool:
        return any(group_id in c.security_group_ids for c in self.clusters.values())

    def subnet_in_use(self, subnet_id: str) -> bool:
        return any(
            subnet_id in g.subnet_ids
            and any(c.subnet_group == g.name for c in self.clusters.values())
            for g in self.subnet_groups.values()
        )

    def database(self, cluster_id: str) -> Database:
        """The cluster's storage (roles), bootstrapped on first use with its master user."""
        with self._account.lock:  # one Database per cluster, even on concurrent first use
            cluster = self.get_cluster(cluster_id)
            database = self.databases.get(cluster.resource_id)
            if database is None:
                resource_id = cluster.resource_id
                database = Database(
                    cluster.engine_version,
                    lambda: self._bootstrap(resource_id),
                    salt=lambda n: self._account.ids.derive(f"scram-salt:{resource_id}:{n}", 16),
                    clock=lambda: self.now,
                )
                self.databases[resource_id] = database
            return database

    def _bootstrap(self, resource_id: str) -> Catalog:
        cluster = next(c for c in self.clusters.values() if c.resource_id == resource_id)
        writer = self.writer_of(cluster)
        if writer is not None:
            encryption = EngineConfig(cluster.engine_version, writer.running).password_encryption
        else:
            encryption = engine_defaults(cluster.engine_version).get("password_encryption", "md5")
        return bootstrap_catalog(
            cluster.engine_version.major,
            cluster.master_username,
            self._stored_master_password(cluster, encryption),
        )

    def _stored_master_password(
        self, cluster: Cluster, encryption: str, draw: int | None = None
    ) -> StoredPassword | None:
        """The master user's rolpassword: at bootstrap (``draw`` None), or when
        ModifyDBCluster sets it (``draw``: the catalog's next salt number)."""
        if cluster.master_password is None:
            return None
        plain = cluster.master_password.reveal()
        if encryption == "md5":
            return StoredPassword("md5", secret=md5_secret(plain, cluster.master_username))
        # a pure function of the cluster (and the draw): building the catalog on first use,
        # or again after a restore, moves no counter of the account
        what = "bootstrap" if draw is None else str(draw)
        salt = self._account.ids.derive(f"scram-salt:{cluster.resource_id}:{what}", 16)
        return StoredPassword("scram-sha-256", plain=Secret(plain), salt=salt)

    # ------------------------------------------------------------- TLS and servers ------

    @property
    def pki(self) -> RdsPki:
        """The RDS certificate authorities as this account sees them (built on first use)."""
        if self._pki is None:
            self._pki = RdsPki(serials=self._account.ids)
        return self._pki

    def tls_identity(self, instance_id: str, tls_versions: tuple[str, ...]) -> TlsIdentity:
        """The certificate an instance presents: CN = its endpoint, SANs = cluster, reader and
        instance endpoints (aurora-facts.md section 3), issued by its CA (issued once, cached)."""
        instance = self.get_instance(instance_id)
        key = (instance.identifier, instance.ca_identifier)
        identity = self._identities.get(key)
        if identity is None:
            cluster = self.clusters[instance.cluster_id]
            names = (
                self.host("cluster", cluster.identifier),
                self.host("reader", cluster.identifier),
                self.host("instance", instance.identifier),
            )
            identity = self.pki.issue_server_identity(
                instance.ca_identifier,
                self._account.region,
                common_name=names[2],
                dns_names=names,
                issued_at=self.now,
            )
            self._identities[key] = identity
        if identity.tls_versions == tls_versions:
            return identity
        presented = self._presented.get((key, tls_versions))
        if presented is None or presented.chain is not identity.chain:
            presented = identity.with_tls_versions(tls_versions)
            self._presented[(key, tls_versions)] = presented
        return presented

    def instance_server(self, instance_id: str, *, client_ip: str, host: str) -> InstanceServer:
        """The server a client at ``client_ip`` reaches on this instance through ``host``."""
        instance = self.get_instance(instance_id)
        cluster = self.clusters[instance.cluster_id]
        account = self._account

        def check_token(user: str, token: str) -> bool:
            from aurora_sec.aws.iam.dbauth import verify_db_auth_token

            live = self.clusters.get(cluster.identifier)
            if live is None or not live.iam_auth:
                return False
            return verify_db_auth_token(account, token, host, live.port, user).ok

        return InstanceServer(
            self.database(cluster.identifier),
            lambda: self.engine_config(instance.identifier),
            lambda versions: self.tls_identity(instance.identifier, versions),
            client_address=client_ip,
            now=lambda: self.now,
            check_token=check_token,
            slots=self.connection_slots(instance.identifier),
        )

    def connection_slots(self, instance_id: str) -> ConnectionSlots:
        """The open connections of an instance (``len()`` is how many)."""
        slots = self._slots.get(instance_id)
        if slots is None:
            slots = self._slots.setdefault(instance_id, ConnectionSlots())
        return slots

    def master_password(self, cluster_id: str) -> Secret:
        """The master user's password, for the server plane's bootstrap (never printed)."""
        cluster = self.get_cluster(cluster_id)
        assert cluster.master_password is not None
        return cluster.master_password


def _strip_arn(identifier: str, resource_type: str) -> str:
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 6)
        if len(parts) == 7 and parts[5] == resource_type:
            return parts[6]
    return identifier
