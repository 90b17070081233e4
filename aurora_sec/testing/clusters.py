"""A cluster with its writer, built the way a user builds one: the testing helpers' world.

:func:`make_cluster` creates a security group, a cluster parameter group (static parameters
set ``pending-reboot``, then the writer rebooted), the cluster and its writer, and returns a
:class:`ClusterHandle`. The ``aurora_cluster`` fixture and :class:`AuroraStateMachine` both
build their clusters here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account
    from aurora_sec.engine.config import EngineConfig
    from aurora_sec.engine.session import Session

__all__ = [
    "CA_BUNDLE_FILE",
    "DEFAULT_CIDRS",
    "MASTER_PASSWORD",
    "MASTER_USERNAME",
    "ClusterHandle",
    "make_cluster",
]

#: The master user and password of every cluster the ``aurora_cluster`` factory creates.
MASTER_USERNAME = "postgres"
MASTER_PASSWORD = "correct-horse-battery"
DEFAULT_CIDRS = ("203.0.113.0/24",)
CA_BUNDLE_FILE = "global-bundle.pem"


class ClusterHandle:
    """A cluster made by :func:`make_cluster`, with its writer instance."""

    def __init__(
        self,
        account: Account,
        identifier: str,
        instance_identifier: str,
        endpoint: str,
        reader_endpoint: str,
        parameter_group: str,
        security_group_id: str,
        master_password: str = MASTER_PASSWORD,
    ) -> None:
        self.account = account
        self.identifier = identifier
        self.instance_identifier = instance_identifier
        self.endpoint = endpoint
        self.reader_endpoint = reader_endpoint
        self.parameter_group = parameter_group
        self.security_group_id = security_group_id
        self.master_username = MASTER_USERNAME
        self.master_password = master_password

    def session(self, user: str | None = None) -> Session:
        """A SQL session on the writer as ``user`` (default: the master user)."""
        return self.account.session(self.identifier, user)

    @property
    def config(self) -> EngineConfig:
        """The configuration the writer runs with now."""
        return self.account.engine_config(self.instance_identifier)

    def dsn(self, *, reader: bool = False, **options: str) -> str:
        """A libpq connection string for the master user, with extra ``options``.

        ``sslmode="verify-full"`` (or ``verify-ca``) adds ``sslrootcert=global-bundle.pem``
        unless ``sslrootcert`` is given.
        """
        words = {
            "host": self.reader_endpoint if reader else self.endpoint,
            "port": "5432",
            "dbname": "postgres",
            "user": self.master_username,
            "password": self.master_password,
        }
        if options.get("sslmode", "").startswith("verify-"):
            words["sslrootcert"] = CA_BUNDLE_FILE
        words.update(options)
        return " ".join(f"{key}={value}" for key, value in words.items())

    def __repr__(self) -> str:
        return f"<ClusterHandle {self.identifier} ({self.endpoint})>"


def make_cluster(
    acct: Account,
    *,
    engine_version: str,
    parameters: Mapping[str, str],
    security_group_cidrs: Iterable[str],
    instance_class: str,
    identifier: str,
    master_password: str = MASTER_PASSWORD,
) -> ClusterHandle:
    """Build the cluster and its writer ``<identifier>-1`` in ``acct``; see the module doc."""
    from aurora_sec.catalog import parameters as catalog

    ec2, rds = acct.client("ec2"), acct.client("rds")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(
        GroupName=f"{identifier}-db", Description=f"{identifier} database", VpcId=vpc
    )["GroupId"]
    ranges = [{"CidrIp": cidr} for cidr in security_group_cidrs]
    if ranges:
        ec2.authorize_security_group_ingress(
            GroupId=sg,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": ranges}
            ],
        )
    family = f"aurora-postgresql{engine_version.split('.')[0]}"
    group = f"{identifier}-params"
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        DBParameterGroupFamily=family,
        Description=f"{identifier} parameters",
    )
    static = False
    if parameters:
        entries = []
        for name, value in parameters.items():
            spec = catalog.lookup(name, family, "cluster")
            method = "immediate"
            if spec is not None and spec.apply_type == "static":
                method, static = "pending-reboot", True
            entries.append(
                {"ParameterName": name, "ParameterValue": str(value), "ApplyMethod": method}
            )
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=entries)
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=identifier,
        Engine="aurora-postgresql",
        EngineVersion=engine_version,
        MasterUsername=MASTER_USERNAME,
        MasterUserPassword=master_password,
        DBClusterParameterGroupName=group,
        VpcSecurityGroupIds=[sg],
    )["DBCluster"]
    instance_id = f"{identifier}-1"
    rds.create_db_instance(
        DBInstanceIdentifier=instance_id,
        DBClusterIdentifier=identifier,
        Engine="aurora-postgresql",
        DBInstanceClass=instance_class,
    )
    if static:
        # A new instance already runs with its group; the reboot makes that explicit and
        # covers parameters that only take effect at a restart.
        rds.reboot_db_instance(DBInstanceIdentifier=instance_id)
    return ClusterHandle(
        acct,
        identifier=cluster["DBClusterIdentifier"],
        instance_identifier=instance_id,
        endpoint=cluster["Endpoint"],
        reader_endpoint=cluster["ReaderEndpoint"],
        parameter_group=group,
        security_group_id=sg,
        master_password=master_password,
    )
