"""The boto3-shaped RDS client: parameters in, backend call, response dict out.

``acct.client("rds")`` returns an :class:`RdsClient`. Its methods have boto3's names and
parameters; parameters are validated as botocore validates them, the backend applies the
rules, and :mod:`aurora_sec.aws.rds.views` renders the answer. A parameter the emulator does
not model raises :class:`~aurora_sec.aws.rds.errors.UnsupportedByEmulator` instead of being
silently ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from aurora_sec.aws._generated import rds_shapes
from aurora_sec.aws.api import Params, operation
from aurora_sec.aws.paging import paginate
from aurora_sec.aws.rds import views
from aurora_sec.aws.rds.backend import RdsBackend
from aurora_sec.aws.rds.catalog_ops import CatalogOps
from aurora_sec.aws.rds.errors import UnsupportedByEmulator, invalid_value
from aurora_sec.aws.rds.models import ParameterGroup

__all__ = ["RdsClient"]

#: Parameters accepted without effect on security (documented in docs/fidelity.md).
_NO_EFFECT = frozenset(
    {
        "AvailabilityZones",
        "PreferredBackupWindow",
        "PreferredMaintenanceWindow",
        "KmsKeyId",
        "EnableCloudwatchLogsExports",
        "CloudwatchLogsExportConfiguration",
        "StorageType",
        "EngineLifecycleSupport",
        "ApplyImmediately",
        "MonitoringInterval",
        "MonitoringRoleArn",
        "EnablePerformanceInsights",
        "PerformanceInsightsKMSKeyId",
        "PerformanceInsightsRetentionPeriod",
        "DeleteAutomatedBackups",
        "LicenseModel",
        "DatabaseInsightsMode",
        "AllowMajorVersionUpgrade",
    }
)


@functools.lru_cache(maxsize=64)
def _allowed(modelled: tuple[str, ...]) -> frozenset[str]:
    return frozenset(modelled) | _NO_EFFECT


def _only(params: Params, operation_name: str, modelled: tuple[str, ...]) -> None:
    allowed = _allowed(modelled)
    for key in params:
        if key not in allowed:
            raise UnsupportedByEmulator(f"{operation_name}: parameter {key} is not emulated")


def _filters(params: Params, known: Mapping[str, Callable[[Any], str]]) -> Callable[[Any], bool]:
    wanted: list[tuple[Callable[[Any], str], frozenset[str]]] = []
    for f in params.get("Filters") or ():
        name = f.get("Name")
        if name not in known:
            # UNCONFIRMED wording (docs/fidelity.md)
            raise invalid_value(f"Unrecognized filter name: {name}")
        wanted.append((known[name], frozenset(f.get("Values", ()))))

    def keep(item: Any) -> bool:
        return all(getter(item) in values for getter, values in wanted)

    return keep


class RdsClient(CatalogOps):
    """Amazon RDS, as boto3's ``rds`` client presents it, for Aurora PostgreSQL."""

    service_name = "rds"
    _shapes = rds_shapes

    @property
    def _rds(self) -> RdsBackend:
        return self._account.rds

    # ------------------------------------------------------------ parameter groups ----

    @operation("CreateDBClusterParameterGroup")
    def create_db_cluster_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.create_parameter_group(
            "cluster",
            p["DBClusterParameterGroupName"],
            p["DBParameterGroupFamily"],
            p["Description"],
            views_tags(p),
        )
        return {"DBClusterParameterGroup": views.cluster_parameter_group_view(group)}

    @operation("CreateDBParameterGroup")
    def create_db_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.create_parameter_group(
            "instance",
            p["DBParameterGroupName"],
            p["DBParameterGroupFamily"],
            p["Description"],
            views_tags(p),
        )
        return {"DBParameterGroup": views.db_parameter_group_view(group)}

    @operation("DescribeDBClusterParameterGroups")
    def describe_db_cluster_parameter_groups(self, p: Params) -> dict[str, Any]:
        groups = self._describe_groups(p, "cluster", "DBClusterParameterGroupName")
        page, marker = paginate(groups, p)
        out: dict[str, Any] = {
            "DBClusterParameterGroups": [views.cluster_parameter_group_view(g) for g in page]
        }
        if marker:
            out["Marker"] = marker
        return out

    @operation("DescribeDBParameterGroups")
    def describe_db_parameter_groups(self, p: Params) -> dict[str, Any]:
        groups = self._describe_groups(p, "instance", "DBParameterGroupName")
        page, marker = paginate(groups, p)
        out: dict[str, Any] = {
            "DBParameterGroups": [views.db_parameter_group_view(g) for g in page]
        }
        if marker:
            out["Marker"] = marker
        return out

    def _describe_groups(self, p: Params, kind: str, key: str) -> list[ParameterGroup]:
        if p.get(key):
            return [self._rds.get_parameter_group(p[key], kind)]  # type: ignore[arg-type]
        keep = _filters(p, {})
        return [g for g in self._rds.all_groups(kind) if keep(g)]  # type: ignore[arg-type]

    @operation("ModifyDBClusterParameterGroup")
    def modify_db_cluster_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.modify_parameter_group(
            "cluster", p["DBClusterParameterGroupName"], p["Parameters"]
        )
        return {"DBClusterParameterGroupName": group.name}

    @operation("ModifyDBParameterGroup")
    def modify_db_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.modify_parameter_group(
            "instance", p["DBParameterGroupName"], p["Parameters"]
        )
        return {"DBParameterGroupName": group.name}

    @operation("ResetDBClusterParameterGroup")
    def reset_db_cluster_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.reset_parameter_group(
            "cluster",
            p["DBClusterParameterGroupName"],
            p.get("Parameters"),
            bool(p.get("ResetAllParameters", False)),
        )
        return {"DBClusterParameterGroupName": group.name}

    @operation("ResetDBParameterGroup")
    def reset_db_parameter_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.reset_parameter_group(
            "instance",
            p["DBParameterGroupName"],
            p.get("Parameters"),
            bool(p.get("ResetAllParameters", False)),
        )
        return {"DBParameterGroupName": group.name}

    @operation("DeleteDBClusterParameterGroup")
    def delete_db_cluster_parameter_group(self, p: Params) -> dict[str, Any]:
        self._rds.delete_parameter_group("cluster", p["DBClusterParameterGroupName"])
        return {}

    @operation("DeleteDBParameterGroup")
    def delete_db_parameter_group(self, p: Params) -> dict[str, Any]:
        self._rds.delete_parameter_group("instance", p["DBParameterGroupName"])
        return {}

    @operation("DescribeDBClusterParameters")
    def describe_db_cluster_parameters(self, p: Params) -> dict[str, Any]:
        group = self._rds.get_parameter_group(p["DBClusterParameterGroupName"], "cluster")
        return self._parameters_page(group, p)

    @operation("DescribeDBParameters")
    def describe_db_parameters(self, p: Params) -> dict[str, Any]:
        group = self._rds.get_parameter_group(p["DBParameterGroupName"], "instance")
        return self._parameters_page(group, p)

    def _parameters_page(self, group: ParameterGroup, p: Params) -> dict[str, Any]:
        source = p.get("Source")
        if source is not None and source not in ("user", "system", "engine-default"):
            raise invalid_value(
                f"Invalid source: {source}. Valid values: user, system, engine-default"
            )
        records = self._rds.describe_group_parameters(group, source)
        keep = _filters(p, {"parameter-name": lambda r: r["ParameterName"]})
        page, marker = paginate([r for r in records if keep(r)], p)
        out: dict[str, Any] = {"Parameters": page}
        if marker:
            out["Marker"] = marker
        return out

    # --------------------------------------------------------------- subnet groups ----

    @operation("CreateDBSubnetGroup")
    def create_db_subnet_group(self, p: Params) -> dict[str, Any]:
        group = self._rds.create_subnet_group(
            p["DBSubnetGroupName"], p["DBSubnetGroupDescription"], p["SubnetIds"], views_tags(p)
        )
        return {"DBSubnetGroup": views.subnet_group_view(self._rds, group)}

    @operation("DescribeDBSubnetGroups")
    def describe_db_subnet_groups(self, p: Params) -> dict[str, Any]:
        if p.get("DBSubnetGroupName"):
            groups = [self._rds.get_subnet_group(p["DBSubnetGroupName"])]
        else:
            self._rds.default_subnet_group()
            groups = [g for _, g in sorted(self._rds.subnet_groups.items())]
        page, marker = paginate(groups, p)
        out: dict[str, Any] = {
            "DBSubnetGroups": [views.subnet_group_view(self._rds, g) for g in page]
        }
        if marker:
            out["Marker"] = marker
        return out

    @operation("DeleteDBSubnetGroup")
    def delete_db_subnet_group(self, p: Params) -> dict[str, Any]:
        self._rds.delete_subnet_group(p["DBSubnetGroupName"])
        return {}

    # -------------------------------------------------------------------- clusters ----

    _CREATE_CLUSTER = (
        "DBClusterIdentifier",
        "Engine",
        "EngineVersion",
        "EngineMode",
        "MasterUsername",
        "MasterUserPassword",
        "ManageMasterUserPassword",
        "DBClusterParameterGroupName",
        "DBSubnetGroupName",
        "VpcSecurityGroupIds",
        "Port",
        "DatabaseName",
        "EnableIAMDatabaseAuthentication",
        "DeletionProtection",
        "StorageEncrypted",
        "Tags",
        "BackupRetentionPeriod",
        "ServerlessV2ScalingConfiguration",
        "CopyTagsToSnapshot",
    )

    @operation("CreateDBCluster")
    def create_db_cluster(self, p: Params) -> dict[str, Any]:
        _only(p, "CreateDBCluster", self._CREATE_CLUSTER)
        cluster = self._rds.create_cluster(p)
        return {"DBCluster": views.cluster_view(self._rds, cluster, status="creating")}

    @operation("DescribeDBClusters")
    def describe_db_clusters(self, p: Params) -> dict[str, Any]:
        if p.get("DBClusterIdentifier"):
            clusters = [self._rds.get_cluster(p["DBClusterIdentifier"])]
        else:
            clusters = [c for _, c in sorted(self._rds.clusters.items())]
        keep = _filters(
            p,
            {
                "db-cluster-id": lambda c: c.identifier,
                "engine": lambda c: "aurora-postgresql",
                "db-cluster-resource-id": lambda c: c.resource_id,
            },
        )
        page, marker = paginate([c for c in clusters if keep(c)], p)
        out: dict[str, Any] = {"DBClusters": [views.cluster_view(self._rds, c) for c in page]}
        if marker:
            out["Marker"] = marker
        return out

    _MODIFY_CLUSTER = (
        "DBClusterIdentifier",
        "NewDBClusterIdentifier",
        "EngineVersion",
        "DBClusterParameterGroupName",
        "VpcSecurityGroupIds",
        "MasterUserPassword",
        "Port",
        "BackupRetentionPeriod",
        "EnableIAMDatabaseAuthentication",
        "DeletionProtection",
        "CopyTagsToSnapshot",
        "ServerlessV2ScalingConfiguration",
    )

    @operation("ModifyDBCluster")
    def modify_db_cluster(self, p: Params) -> dict[str, Any]:
        _only(p, "ModifyDBCluster", self._MODIFY_CLUSTER)
        cluster = self._rds.modify_cluster(p)
        return {"DBCluster": views.cluster_view(self._rds, cluster)}

    @operation("DeleteDBCluster")
    def delete_db_cluster(self, p: Params) -> dict[str, Any]:
        _only(
            p,
            "DeleteDBCluster",
            ("DBClusterIdentifier", "SkipFinalSnapshot", "FinalDBSnapshotIdentifier"),
        )
        cluster = self._rds.get_cluster(p["DBClusterIdentifier"])
        view = views.cluster_view(self._rds, cluster, status="deleting")
        self._rds.delete_cluster(p)
        return {"DBCluster": view}

    @operation("RebootDBCluster")
    def reboot_db_cluster(self, p: Params) -> dict[str, Any]:
        cluster = self._rds.reboot_cluster(p["DBClusterIdentifier"])
        return {"DBCluster": views.cluster_view(self._rds, cluster, status="rebooting")}

    # ------------------------------------------------------------------- instances ----

    _CREATE_INSTANCE = (
        "DBInstanceIdentifier",
        "DBInstanceClass",
        "Engine",
        "EngineVersion",
        "DBClusterIdentifier",
        "DBParameterGroupName",
        "DBSubnetGroupName",
        "AvailabilityZone",
        "PubliclyAccessible",
        "CACertificateIdentifier",
        "PromotionTier",
        "AutoMinorVersionUpgrade",
        "Tags",
        # cluster-managed: refused with AWS's error by the backend
        "MasterUsername",
        "MasterUserPassword",
        "VpcSecurityGroupIds",
        "DBName",
        "Port",
        "StorageEncrypted",
        "BackupRetentionPeriod",
        "EnableIAMDatabaseAuthentication",
        "DeletionProtection",
    )

    @operation("CreateDBInstance")
    def create_db_instance(self, p: Params) -> dict[str, Any]:
        _only(p, "CreateDBInstance", self._CREATE_INSTANCE)
        instance = self._rds.create_instance(p)
        return {"DBInstance": views.instance_view(self._rds, instance, status="creating")}

    @operation("DescribeDBInstances")
    def describe_db_instances(self, p: Params) -> dict[str, Any]:
        if p.get("DBInstanceIdentifier"):
            instances = [self._rds.get_instance(p["DBInstanceIdentifier"])]
        else:
            instances = [i for _, i in sorted(self._rds.instances.items())]
        keep = _filters(
            p,
            {
                "db-instance-id": lambda i: i.identifier,
                "db-cluster-id": lambda i: i.cluster_id,
                "engine": lambda i: "aurora-postgresql",
                "dbi-resource-id": lambda i: i.resource_id,
            },
        )
        page, marker = paginate([i for i in instances if keep(i)], p)
        out: dict[str, Any] = {"DBInstances": [views.instance_view(self._rds, i) for i in page]}
        if marker:
            out["Marker"] = marker
        return out

    _MODIFY_INSTANCE = (
        "DBInstanceIdentifier",
        "NewDBInstanceIdentifier",
        "DBInstanceClass",
        "DBParameterGroupName",
        "CACertificateIdentifier",
        "PromotionTier",
        "PubliclyAccessible",
        "AutoMinorVersionUpgrade",
        "MasterUserPassword",
        "VpcSecurityGroupIds",
        "Port",
        "BackupRetentionPeriod",
        "EnableIAMDatabaseAuthentication",
        "DeletionProtection",
    )

    @operation("ModifyDBInstance")
    def modify_db_instance(self, p: Params) -> dict[str, Any]:
        _only(p, "ModifyDBInstance", self._MODIFY_INSTANCE)
        instance = self._rds.modify_instance(p)
        return {"DBInstance": views.instance_view(self._rds, instance)}

    @operation("RebootDBInstance")
    def reboot_db_instance(self, p: Params) -> dict[str, Any]:
        instance = self._rds.reboot_instance(
            p["DBInstanceIdentifier"], bool(p.get("ForceFailover", False))
        )
        return {"DBInstance": views.instance_view(self._rds, instance, status="rebooting")}

    @operation("DeleteDBInstance")
    def delete_db_instance(self, p: Params) -> dict[str, Any]:
        _only(
            p,
            "DeleteDBInstance",
            ("DBInstanceIdentifier", "SkipFinalSnapshot", "FinalDBSnapshotIdentifier"),
        )
        if p.get("FinalDBSnapshotIdentifier"):
            raise invalid_value(
                "FinalDBSnapshotIdentifier can not be specified when deleting a clustered instance"
            )
        instance = self._rds.get_instance(p["DBInstanceIdentifier"])
        view = views.instance_view(self._rds, instance, status="deleting")
        self._rds.delete_instance(p["DBInstanceIdentifier"])
        return {"DBInstance": view}

    # ------------------------------------------------------------------- endpoints ----

    @operation("CreateDBClusterEndpoint")
    def create_db_cluster_endpoint(self, p: Params) -> dict[str, Any]:
        endpoint = self._rds.create_endpoint(p)
        return views.cluster_endpoint_view(self._rds, endpoint, status="creating")

    @operation("DescribeDBClusterEndpoints")
    def describe_db_cluster_endpoints(self, p: Params) -> dict[str, Any]:
        records: list[dict[str, Any]] = []
        if p.get("DBClusterEndpointIdentifier"):
            ident = p["DBClusterEndpointIdentifier"].lower()
            endpoint = self._rds.endpoints.get(ident)
            if endpoint is not None:
                records.append(views.cluster_endpoint_view(self._rds, endpoint))
        else:
            if p.get("DBClusterIdentifier"):
                clusters = [self._rds.get_cluster(p["DBClusterIdentifier"])]
            else:
                clusters = [c for _, c in sorted(self._rds.clusters.items())]
            for cluster in clusters:
                records.extend(views.builtin_endpoint_views(self._rds, cluster))
                records.extend(
                    views.cluster_endpoint_view(self._rds, e)
                    for _, e in sorted(self._rds.endpoints.items())
                    if e.cluster_id == cluster.identifier
                )
        page, marker = paginate(records, p)
        out: dict[str, Any] = {"DBClusterEndpoints": page}
        if marker:
            out["Marker"] = marker
        return out

    @operation("DeleteDBClusterEndpoint")
    def delete_db_cluster_endpoint(self, p: Params) -> dict[str, Any]:
        endpoint = self._rds.delete_endpoint(p["DBClusterEndpointIdentifier"])
        return views.cluster_endpoint_view(self._rds, endpoint, status="deleting")


def views_tags(p: Params) -> tuple[tuple[str, str], ...]:
    return tuple((t.get("Key", ""), t.get("Value", "")) for t in p.get("Tags") or ())
