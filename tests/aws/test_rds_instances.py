"""Instances: classes per engine version, tenancy, writer/reader, the pending-reboot rules."""

from __future__ import annotations

from typing import Any

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.aws.rds.configuration import desired_config
from aurora_sec.aws.rds.models import ParameterGroup, ParameterSetting
from aurora_sec.errors import AwsError
from aurora_sec.versions import EngineVersion
from tests.aws.test_rds_clusters import BASE, make_vpc

INSTANCE: dict[str, Any] = {"Engine": "aurora-postgresql", "DBInstanceClass": "db.r6g.large"}


def _cluster(rds: RdsClient, version: str = "15.4", **extra: Any) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c", **{**BASE, "EngineVersion": version, **extra})


def _set(
    rds: RdsClient, group: str, name: str, value: str, method: str, kind: str = "cluster"
) -> None:
    param = [{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}]
    if kind == "cluster":
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=param)
    else:
        rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=param)


def _status(rds: RdsClient, instance: str = "i1") -> str:
    members = rds.describe_db_clusters(DBClusterIdentifier="c")["DBClusters"][0]["DBClusterMembers"]
    status: str = next(m for m in members if m["DBInstanceIdentifier"] == instance)[
        "DBClusterParameterGroupStatus"
    ]
    return status


def test_unsupported_class_message(rds: RdsClient) -> None:
    _cluster(rds, "14.5")
    with pytest.raises(AwsError) as err:
        rds.create_db_instance(
            DBInstanceIdentifier="i1",
            DBClusterIdentifier="c",
            **{**INSTANCE, "DBInstanceClass": "db.t3.micro"},
        )
    assert (err.value.code, err.value.message) == (
        "InvalidParameterCombination",
        "RDS does not support creating a DB instance with the following combination: "
        "DBInstanceClass=db.t3.micro, Engine=aurora-postgresql, EngineVersion=14.5, "
        "LicenseModel=postgresql-license. For supported combinations of instance class and "
        "database engine version, see the documentation.",
    )
    assert rds.describe_db_instances()["DBInstances"] == []


@pytest.mark.parametrize(
    ("version", "instance_class", "ok"),
    [
        ("15.4", "db.t3.medium", True),
        ("14.3", "db.t4g.large", True),
        ("15.4", "db.r7g.large", True),
        ("14.6", "db.r7g.large", False),
        ("14.7", "db.r7g.large", True),
        ("15.4", "db.r6g.large", True),
        ("15.4", "db.t2.medium", False),
        ("15.4", "db.t3.small", False),
        ("15.4", "db.r5.large", True),
    ],
)
def test_classes_per_version(rds: RdsClient, version: str, instance_class: str, ok: bool) -> None:
    _cluster(rds, version)
    kwargs = {
        "DBInstanceIdentifier": "i1",
        "DBClusterIdentifier": "c",
        **INSTANCE,
        "DBInstanceClass": instance_class,
    }
    if ok:
        assert rds.create_db_instance(**kwargs)["DBInstance"]["DBInstanceClass"] == instance_class
    else:
        with pytest.raises(AwsError) as err:
            rds.create_db_instance(**kwargs)
        assert err.value.code == "InvalidParameterCombination"


@pytest.mark.parametrize(
    ("instance_class", "ok"),
    [("db.t3.medium", False), ("db.t4g.medium", False), ("db.r6g.large", True)],
)
def test_dedicated_tenancy(rds: RdsClient, ec2: Ec2Client, instance_class: str, ok: bool) -> None:
    _, subnets = make_vpc(ec2, tenancy="dedicated")
    rds.create_db_subnet_group(
        DBSubnetGroupName="ded", DBSubnetGroupDescription="d", SubnetIds=subnets
    )
    _cluster(rds, DBSubnetGroupName="ded")
    kwargs = {
        "DBInstanceIdentifier": "i1",
        "DBClusterIdentifier": "c",
        **INSTANCE,
        "DBInstanceClass": instance_class,
    }
    if ok:
        rds.create_db_instance(**kwargs)
        return
    with pytest.raises(AwsError) as err:
        rds.create_db_instance(**kwargs)
    assert err.value.message.startswith(
        "RDS does not support creating a DB instance with the following combination:"
    )


def test_burstable_fine_in_default_tenancy(rds: RdsClient, ec2: Ec2Client) -> None:
    _, subnets = make_vpc(ec2, tenancy="default")
    rds.create_db_subnet_group(
        DBSubnetGroupName="def", DBSubnetGroupDescription="d", SubnetIds=subnets
    )
    _cluster(rds, DBSubnetGroupName="def")
    rds.create_db_instance(
        DBInstanceIdentifier="i1",
        DBClusterIdentifier="c",
        **{**INSTANCE, "DBInstanceClass": "db.t4g.medium"},
    )


def test_serverless_needs_scaling_configuration(rds: RdsClient) -> None:
    _cluster(rds)
    with pytest.raises(AwsError):
        rds.create_db_instance(
            DBInstanceIdentifier="i1",
            DBClusterIdentifier="c",
            **{**INSTANCE, "DBInstanceClass": "db.serverless"},
        )
    rds.modify_db_cluster(
        DBClusterIdentifier="c",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4},
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i1",
        DBClusterIdentifier="c",
        **{**INSTANCE, "DBInstanceClass": "db.serverless"},
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"MasterUsername": "x"},
        {"MasterUserPassword": "password1"},
        {"VpcSecurityGroupIds": ["sg-1"]},
        {"DBName": "x"},
    ],
)
def test_cluster_managed_settings_refused_on_instances(
    rds: RdsClient, extra: dict[str, Any]
) -> None:
    _cluster(rds)
    with pytest.raises(AwsError) as err:
        rds.create_db_instance(
            DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE, **extra
        )
    assert err.value.message.startswith(
        "The requested DB Instance will be a member of a DB Cluster."
    )


def test_instance_needs_existing_cluster(rds: RdsClient) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="nope", **INSTANCE)
    assert err.value.code == "DBClusterNotFoundFault"


def test_writer_reader_and_failover(acct: Account, rds: RdsClient) -> None:
    _cluster(rds)
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    rds.create_db_instance(
        DBInstanceIdentifier="i2", DBClusterIdentifier="c", PromotionTier=5, **INSTANCE
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i3", DBClusterIdentifier="c", PromotionTier=0, **INSTANCE
    )
    cluster = rds.describe_db_clusters()["DBClusters"][0]
    writers = [
        m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]
    ]
    assert writers == ["i1"]
    writer = acct.rds.resolve_endpoint(cluster["Endpoint"])
    reader = acct.rds.resolve_endpoint(cluster["ReaderEndpoint"])
    assert writer is not None and writer.instance_id == "i1"
    assert reader is not None and reader.instance_id in ("i2", "i3")
    rds.delete_db_instance(DBInstanceIdentifier="i1")
    cluster = rds.describe_db_clusters()["DBClusters"][0]
    writers = [
        m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]
    ]
    assert writers == ["i3"]  # the best promotion tier takes over


def test_instance_endpoint_resolves(acct: Account, rds: RdsClient) -> None:
    _cluster(rds)
    inst = rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)[
        "DBInstance"
    ]
    address = inst["Endpoint"]["Address"]
    assert address == f"i1.{acct.ids.endpoint_hash()}.us-east-1.rds.amazonaws.com"
    resolved = acct.rds.resolve_endpoint(address.upper())
    assert resolved is not None and (resolved.kind, resolved.instance_id) == ("instance", "i1")
    assert acct.rds.resolve_endpoint("i2." + address.split(".", 1)[1]) is None
    assert acct.rds.resolve_endpoint("example.com") is None


def test_static_change_waits_for_reboot(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    _cluster(rds, DBClusterParameterGroupName="g")
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    assert _status(rds) == "in-sync"
    _set(rds, "g", "rds.restrict_password_commands", "1", "pending-reboot")
    assert acct.engine_config("i1").restrict_password_commands is False
    assert _status(rds) == "pending-reboot"
    assert (
        rds.reboot_db_instance(DBInstanceIdentifier="i1")["DBInstance"]["DBInstanceStatus"]
        == "rebooting"
    )
    assert acct.engine_config("i1").restrict_password_commands is True
    assert _status(rds) == "in-sync"


def test_dynamic_change_applies_now_unless_pending_reboot(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    _cluster(rds, DBClusterParameterGroupName="g")
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    _set(rds, "g", "password_encryption", "md5", "immediate")
    assert acct.engine_config("i1").password_encryption == "md5"
    assert _status(rds) == "in-sync"
    _set(rds, "g", "password_encryption", "scram-sha-256", "pending-reboot")
    assert acct.engine_config("i1").password_encryption == "md5"
    assert _status(rds) == "pending-reboot"
    rds.reboot_db_cluster(DBClusterIdentifier="c")
    assert acct.engine_config("i1").password_encryption == "scram-sha-256"


def test_force_ssl_applies_now_when_ssl_is_on(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    _cluster(rds, DBClusterParameterGroupName="g")
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    assert acct.engine_config("i1").ssl is True
    _set(rds, "g", "rds.force_ssl", "1", "immediate")
    assert acct.engine_config("i1").force_ssl is True
    assert _status(rds) == "in-sync"


def test_force_ssl_waits_for_reboot_when_ssl_was_off(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    _set(rds, "g", "ssl", "0", "immediate")
    _cluster(rds, DBClusterParameterGroupName="g")
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    assert acct.engine_config("i1").ssl is False
    _set(rds, "g", "rds.force_ssl", "1", "immediate")
    config = acct.engine_config("i1")
    assert (config.force_ssl, config.ssl) == (False, False)
    assert _status(rds) == "pending-reboot"
    rds.reboot_db_instance(DBInstanceIdentifier="i1")
    config = acct.engine_config("i1")
    assert (config.force_ssl, config.ssl) == (True, True)  # force_ssl also turns ssl on


def test_new_group_association_is_pending_until_reboot(acct: Account, rds: RdsClient) -> None:
    _cluster(rds)
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c", **INSTANCE)
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    _set(rds, "g", "rds.force_ssl", "1", "immediate")
    rds.modify_db_cluster(DBClusterIdentifier="c", DBClusterParameterGroupName="g")
    assert _status(rds) == "pending-reboot"
    assert acct.engine_config("i1").force_ssl is False
    rds.reboot_db_instance(DBInstanceIdentifier="i1")
    assert _status(rds) == "in-sync"
    assert acct.engine_config("i1").force_ssl is True


def test_instance_group_overrides_cluster_group(acct: Account, rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="ig", DBParameterGroupFamily="aurora-postgresql15", Description="d"
    )
    _cluster(rds, DBClusterParameterGroupName="g")
    rds.create_db_instance(
        DBInstanceIdentifier="i1", DBClusterIdentifier="c", DBParameterGroupName="ig", **INSTANCE
    )
    instance_params = {
        p["ParameterName"]
        for p in rds.describe_db_parameters(DBParameterGroupName="ig")["Parameters"]
    }
    shared = "authentication_timeout"
    assert shared in instance_params  # an instance-level parameter, listed in both groups
    _set(rds, "ig", shared, "30", "immediate", kind="instance")
    _set(rds, "g", shared, "90", "immediate")
    assert acct.engine_config("i1")[shared] == "30"


def test_instance_group_family_must_match(rds: RdsClient) -> None:
    _cluster(rds)
    rds.create_db_parameter_group(
        DBParameterGroupName="ig14", DBParameterGroupFamily="aurora-postgresql14", Description="d"
    )
    with pytest.raises(AwsError) as err:
        rds.create_db_instance(
            DBInstanceIdentifier="i1",
            DBClusterIdentifier="c",
            DBParameterGroupName="ig14",
            **INSTANCE,
        )
    assert err.value.message == (
        "The Parameter Group ig14 with DBParameterGroupFamily aurora-postgresql14 cannot be used for "
        "this instance. Please use a Parameter Group with DBParameterGroupFamily aurora-postgresql15"
    )


def test_parameters_missing_on_old_minor_do_not_apply() -> None:
    # Every 10.x minor is deprecated (no new clusters), so the 10.6 gate is checked on the
    # pure function that builds an instance's configuration.
    group = ParameterGroup(
        "g",
        "aurora-postgresql10",
        "d",
        "cluster",
        "arn:g",
        settings={"rds.restrict_password_commands": ParameterSetting("1", "pending-reboot")},
    )
    db_group = ParameterGroup(
        "default.aurora-postgresql10",
        "aurora-postgresql10",
        "d",
        "instance",
        "arn:d",
        is_default=True,
    )
    old = desired_config(EngineVersion.parse("10.5"), group, db_group)
    new = desired_config(EngineVersion.parse("10.6"), group, db_group)
    assert "rds.restrict_password_commands" not in old
    assert new["rds.restrict_password_commands"] == "1"


def test_custom_endpoints(acct: Account, rds: RdsClient) -> None:
    _cluster(rds)
    for i in (1, 2, 3):
        rds.create_db_instance(DBInstanceIdentifier=f"i{i}", DBClusterIdentifier="c", **INSTANCE)
    ep = rds.create_db_cluster_endpoint(
        DBClusterIdentifier="c",
        DBClusterEndpointIdentifier="analytics",
        EndpointType="READER",
        StaticMembers=["i3"],
    )
    assert (
        ep["Endpoint"]
        == f"analytics.cluster-custom-{acct.ids.endpoint_hash()}.us-east-1.rds.amazonaws.com"
    )
    resolved = acct.rds.resolve_endpoint(ep["Endpoint"])
    assert resolved is not None and resolved.instance_id == "i3"
    kinds = [
        e["EndpointType"]
        for e in rds.describe_db_cluster_endpoints(DBClusterIdentifier="c")["DBClusterEndpoints"]
    ]
    assert kinds == ["WRITER", "READER", "CUSTOM"]
    with pytest.raises(AwsError):
        rds.create_db_cluster_endpoint(
            DBClusterIdentifier="c",
            DBClusterEndpointIdentifier="x",
            EndpointType="READER",
            StaticMembers=["nope"],
        )
    for i in range(4):
        rds.create_db_cluster_endpoint(
            DBClusterIdentifier="c", DBClusterEndpointIdentifier=f"e{i}", EndpointType="ANY"
        )
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster_endpoint(
            DBClusterIdentifier="c", DBClusterEndpointIdentifier="e9", EndpointType="ANY"
        )
    assert err.value.code == "DBClusterEndpointQuotaExceededFault"
