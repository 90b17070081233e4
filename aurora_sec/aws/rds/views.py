"""RDS records rendered as boto3 response dicts (the same keys and value types as botocore's).

Only this module knows the wire shape; the backend knows only records. The tests check every
rendering against botocore's output shapes.
"""

from __future__ import annotations

from typing import Any

from aurora_sec.aws.rds.backend import ENGINE, RdsBackend
from aurora_sec.aws.rds.models import (
    Cluster,
    ClusterEndpoint,
    Instance,
    ParameterGroup,
    SubnetGroup,
    Tags,
)
from aurora_sec.catalog import certificates

__all__ = [
    "cluster_endpoint_view",
    "cluster_parameter_group_view",
    "cluster_view",
    "db_parameter_group_view",
    "instance_view",
    "subnet_group_view",
]

#: Route 53 hosted zone of RDS endpoints, per region (public AWS values).
_HOSTED_ZONES = {
    "us-east-1": "Z2R2ITUGPM61AM",
    "us-east-2": "Z2XHWR1WZ565X2",
    "us-west-1": "Z10WI91S59XXQN",
    "us-west-2": "Z1PVIF0B656C1W",
    "eu-west-1": "Z29XKXDKYMONMX",
    "eu-central-1": "Z1RLNUO7B9Q6NB",
    "ap-southeast-1": "Z2G0U3KFCY8NZ5",
    "ap-southeast-2": "Z32T0VRHXEXS0V",
    "ap-northeast-1": "Z24O6O9L7SGTNB",
}

_PREFERRED_BACKUP_WINDOW = "07:00-07:30"
_PREFERRED_MAINTENANCE_WINDOW = "sun:05:00-sun:05:30"


def tag_list(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags]


def cluster_parameter_group_view(group: ParameterGroup) -> dict[str, Any]:
    return {
        "DBClusterParameterGroupName": group.name,
        "DBParameterGroupFamily": group.family,
        "Description": group.description,
        "DBClusterParameterGroupArn": group.arn,
    }


def db_parameter_group_view(group: ParameterGroup) -> dict[str, Any]:
    return {
        "DBParameterGroupName": group.name,
        "DBParameterGroupFamily": group.family,
        "Description": group.description,
        "DBParameterGroupArn": group.arn,
    }


def subnet_group_view(backend: RdsBackend, group: SubnetGroup) -> dict[str, Any]:
    subnets = [
        {
            "SubnetIdentifier": subnet.subnet_id,
            "SubnetAvailabilityZone": {"Name": subnet.availability_zone},
            "SubnetOutpost": {},
            "SubnetStatus": "Active",
        }
        for subnet in backend.group_subnets(group)
    ]
    return {
        "DBSubnetGroupName": group.name,
        "DBSubnetGroupDescription": group.description,
        "VpcId": group.vpc_id,
        "SubnetGroupStatus": "Complete",
        "Subnets": subnets,
        "DBSubnetGroupArn": group.arn,
        "SupportedNetworkTypes": ["IPV4"],
    }


def _hosted_zone(backend: RdsBackend) -> dict[str, str]:
    zone = _HOSTED_ZONES.get(backend._account.region)
    return {"HostedZoneId": zone} if zone else {}


def cluster_view(
    backend: RdsBackend, cluster: Cluster, status: str = "available"
) -> dict[str, Any]:
    members = []
    for index, iid in enumerate(cluster.members):
        instance = backend.instances[iid]
        members.append(
            {
                "DBInstanceIdentifier": iid,
                "IsClusterWriter": index == 0,
                "DBClusterParameterGroupStatus": backend.cluster_group_status(instance),
                "PromotionTier": instance.promotion_tier,
            }
        )
    custom = [
        backend.host("custom", e.identifier)
        for e in backend.endpoints.values()
        if e.cluster_id == cluster.identifier
    ]
    view: dict[str, Any] = {
        "AllocatedStorage": 1,
        "AvailabilityZones": list(cluster.availability_zones),
        "BackupRetentionPeriod": cluster.backup_retention_period,
        "DBClusterIdentifier": cluster.identifier,
        "DBClusterParameterGroup": cluster.parameter_group,
        "DBSubnetGroup": cluster.subnet_group,
        "Status": status,
        "EarliestRestorableTime": cluster.create_time,
        "Endpoint": backend.host("cluster", cluster.identifier),
        "ReaderEndpoint": backend.host("reader", cluster.identifier),
        "CustomEndpoints": custom,
        "MultiAZ": len(cluster.members) > 1,
        "Engine": ENGINE,
        "EngineVersion": str(cluster.engine_version),
        "LatestRestorableTime": cluster.create_time,
        "Port": cluster.port,
        "MasterUsername": cluster.master_username,
        "PreferredBackupWindow": _PREFERRED_BACKUP_WINDOW,
        "PreferredMaintenanceWindow": _PREFERRED_MAINTENANCE_WINDOW,
        "ReadReplicaIdentifiers": [],
        "DBClusterMembers": members,
        "VpcSecurityGroups": [
            {"VpcSecurityGroupId": gid, "Status": "active"} for gid in cluster.security_group_ids
        ],
        **_hosted_zone(backend),
        "StorageEncrypted": cluster.storage_encrypted,
        "DbClusterResourceId": cluster.resource_id,
        "DBClusterArn": cluster.arn,
        "AssociatedRoles": [],
        "IAMDatabaseAuthenticationEnabled": cluster.iam_auth,
        "ClusterCreateTime": cluster.create_time,
        "EngineMode": "provisioned",
        "DeletionProtection": cluster.deletion_protection,
        "HttpEndpointEnabled": False,
        "CopyTagsToSnapshot": cluster.copy_tags_to_snapshot,
        "CrossAccountClone": False,
        "DomainMemberships": [],
        "TagList": tag_list(cluster.tags),
        "AutoMinorVersionUpgrade": True,
        "NetworkType": "IPV4",
        "StorageType": "aurora",
        "EngineLifecycleSupport": "open-source-rds-extended-support",
    }
    if cluster.database_name is not None:
        view["DatabaseName"] = cluster.database_name
    if cluster.serverless_v2 is not None:
        view["ServerlessV2ScalingConfiguration"] = {
            "MinCapacity": cluster.serverless_v2[0],
            "MaxCapacity": cluster.serverless_v2[1],
        }
    return view


def instance_view(
    backend: RdsBackend, instance: Instance, status: str = "available"
) -> dict[str, Any]:
    cluster = backend.clusters[instance.cluster_id]
    subnet_group = backend.get_subnet_group(cluster.subnet_group)
    ca = certificates.lookup(instance.ca_identifier)
    view: dict[str, Any] = {
        "DBInstanceIdentifier": instance.identifier,
        "DBInstanceClass": instance.instance_class,
        "Engine": ENGINE,
        "DBInstanceStatus": status,
        "MasterUsername": cluster.master_username,
        "Endpoint": {
            "Address": backend.host("instance", instance.identifier),
            "Port": cluster.port,
            **_hosted_zone(backend),
        },
        "AllocatedStorage": 1,
        "InstanceCreateTime": instance.create_time,
        "PreferredBackupWindow": _PREFERRED_BACKUP_WINDOW,
        "BackupRetentionPeriod": cluster.backup_retention_period,
        "DBSecurityGroups": [],
        "VpcSecurityGroups": [
            {"VpcSecurityGroupId": gid, "Status": "active"} for gid in cluster.security_group_ids
        ],
        "DBParameterGroups": [
            {
                "DBParameterGroupName": instance.parameter_group,
                "ParameterApplyStatus": backend.instance_group_status(instance),
            }
        ],
        "AvailabilityZone": instance.availability_zone,
        "DBSubnetGroup": subnet_group_view(backend, subnet_group),
        "PreferredMaintenanceWindow": _PREFERRED_MAINTENANCE_WINDOW,
        "PendingModifiedValues": {},
        "MultiAZ": False,
        "EngineVersion": str(instance.engine_version),
        "AutoMinorVersionUpgrade": instance.auto_minor_version_upgrade,
        "ReadReplicaDBInstanceIdentifiers": [],
        "LicenseModel": "postgresql-license",
        "OptionGroupMemberships": [
            {
                "OptionGroupName": f"default:{ENGINE}-{instance.engine_version.major}",
                "Status": "in-sync",
            }
        ],
        "PubliclyAccessible": instance.publicly_accessible,
        "StorageType": "aurora",
        "DbInstancePort": 0,
        "DBClusterIdentifier": cluster.identifier,
        "StorageEncrypted": cluster.storage_encrypted,
        "DbiResourceId": instance.resource_id,
        "CACertificateIdentifier": instance.ca_identifier,
        "DomainMemberships": [],
        "CopyTagsToSnapshot": cluster.copy_tags_to_snapshot,
        "MonitoringInterval": 0,
        "PromotionTier": instance.promotion_tier,
        "DBInstanceArn": instance.arn,
        "IAMDatabaseAuthenticationEnabled": cluster.iam_auth,
        "PerformanceInsightsEnabled": False,
        "DeletionProtection": cluster.deletion_protection,
        "AssociatedRoles": [],
        "TagList": tag_list(instance.tags),
        "CustomerOwnedIpEnabled": False,
        "NetworkType": "IPV4",
        "IsStorageConfigUpgradeAvailable": False,
    }
    if ca is not None and ca.valid_till is not None:
        view["CertificateDetails"] = {"CAIdentifier": ca.identifier, "ValidTill": ca.valid_till}
    return view


def cluster_endpoint_view(
    backend: RdsBackend, endpoint: ClusterEndpoint, status: str = "available"
) -> dict[str, Any]:
    return {
        "DBClusterEndpointIdentifier": endpoint.identifier,
        "DBClusterIdentifier": endpoint.cluster_id,
        "DBClusterEndpointResourceIdentifier": endpoint.resource_id,
        "Endpoint": backend.host("custom", endpoint.identifier),
        "Status": status,
        "EndpointType": "CUSTOM",
        "CustomEndpointType": endpoint.endpoint_type,
        "StaticMembers": list(endpoint.static_members),
        "ExcludedMembers": list(endpoint.excluded_members),
        "DBClusterEndpointArn": endpoint.arn,
    }


def builtin_endpoint_views(backend: RdsBackend, cluster: Cluster) -> list[dict[str, Any]]:
    """The WRITER and READER endpoints DescribeDBClusterEndpoints lists for a cluster."""
    out = []
    for kind, label in (("cluster", "WRITER"), ("reader", "READER")):
        out.append(
            {
                "DBClusterIdentifier": cluster.identifier,
                "Endpoint": backend.host(kind, cluster.identifier),  # type: ignore[arg-type]
                "Status": "available",
                "EndpointType": label,
            }
        )
    return out
