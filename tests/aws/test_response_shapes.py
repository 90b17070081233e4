"""Every response of every served operation matches botocore's output shape.

One scenario exercises the whole control plane; each call's response is checked against the
real operation's output shape (keys, types, enums, timezone-aware timestamps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.rds.client import RdsClient
from tests.shape_check import assert_matches_output


class Recorder:
    """Wraps a client; records (operation, response) for every call."""

    def __init__(self, client: Any, service: str) -> None:
        self.client = client
        self.service = service
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Callable[..., dict[str, Any]]:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> dict[str, Any]:
            response: dict[str, Any] = method(**kwargs)
            self.seen.append((method.operation_name, response))
            return response

        return call


def scenario(ec2: Any, rds: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", InstanceTenancy="default")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    ec2.describe_vpcs()
    ec2.describe_subnets()
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    perm = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "IpRanges": [{"CidrIp": "10.9.0.0/24"}],
    }
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[perm])
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": app}],
            }
        ],
    )
    ec2.describe_security_groups()
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[perm])
    rds.create_db_subnet_group(
        DBSubnetGroupName="sub", DBSubnetGroupDescription="d", SubnetIds=subnets
    )
    rds.describe_db_subnet_groups()
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="ig", DBParameterGroupFamily="aurora-postgresql15", Description="d"
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}
        ],
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="ig",
        Parameters=[
            {
                "ParameterName": "authentication_timeout",
                "ParameterValue": "30",
                "ApplyMethod": "immediate",
            }
        ],
    )
    rds.describe_db_cluster_parameter_groups()
    rds.describe_db_parameter_groups()
    rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g")
    rds.describe_db_parameters(DBParameterGroupName="ig")
    rds.create_db_cluster(
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword="password123",
        DBClusterParameterGroupName="g",
        DBSubnetGroupName="sub",
        VpcSecurityGroupIds=[sg],
        DatabaseName="app",
        Tags=[{"Key": "env", "Value": "prod"}],
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i1",
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBParameterGroupName="ig",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i2",
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    rds.create_db_cluster_endpoint(
        DBClusterIdentifier="c", DBClusterEndpointIdentifier="e", EndpointType="READER"
    )
    rds.describe_db_cluster_endpoints()
    rds.describe_db_clusters()
    rds.describe_db_instances()
    rds.modify_db_cluster(DBClusterIdentifier="c", DeletionProtection=False)
    rds.modify_db_instance(DBInstanceIdentifier="i2", PromotionTier=3)
    rds.reboot_db_instance(DBInstanceIdentifier="i1")
    rds.reboot_db_cluster(DBClusterIdentifier="c")
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="g", ResetAllParameters=True)
    rds.reset_db_parameter_group(DBParameterGroupName="ig", ResetAllParameters=True)
    rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="15.4")
    rds.describe_orderable_db_instance_options(
        Engine="aurora-postgresql", EngineVersion="15.4", MaxRecords=20
    )
    rds.describe_certificates()
    rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily="aurora-postgresql15")
    rds.describe_engine_default_parameters(DBParameterGroupFamily="aurora-postgresql15")
    rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="e")
    rds.delete_db_instance(DBInstanceIdentifier="i2")
    rds.delete_db_instance(DBInstanceIdentifier="i1")
    rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)
    rds.delete_db_subnet_group(DBSubnetGroupName="sub")
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="g")
    rds.delete_db_parameter_group(DBParameterGroupName="ig")
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_security_group(GroupId=app)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def test_every_response_matches_botocore(acct: Account, ec2: Ec2Client, rds: RdsClient) -> None:
    rec_ec2, rec_rds = Recorder(ec2, "ec2"), Recorder(rds, "rds")
    scenario(rec_ec2, rec_rds)
    checked = set()
    for recorder in (rec_ec2, rec_rds):
        for operation_name, response in recorder.seen:
            assert_matches_output(recorder.service, operation_name, response)
            checked.add(operation_name)
    served = set(type(rds).operation_names()) | set(type(ec2).operation_names())
    missing = served - checked
    assert missing <= {"AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress"}, missing
