"""pytest fixtures for an emulated Aurora PostgreSQL account, cluster and client machine.

Registered through the ``pytest11`` entry point named after the module itself (so that
also listing it with ``-p`` or ``pytest_plugins`` registers it once), or opted into with ``pytest_plugins = ["aurora_sec.testing.pytest_plugin"]`` in a
``conftest.py``. Loading the plugin imports only pytest: the library is imported inside the
fixtures, the first time a test uses one, so pytest's start-up does not pay for it.

Fixtures (all function-scoped):

``aurora_account``
    A fresh :class:`aurora_sec.Account` (``seed=0``).
``aurora_cluster``
    A factory: ``aurora_cluster(engine_version="16.4", parameters={"rds.force_ssl": "1"},
    security_group_cidrs=["203.0.113.0/24"], instance_class="db.r6g.large",
    identifier="prod")`` creates a security group, a cluster parameter group, the cluster and
    its writer in ``aurora_account`` and returns a :class:`ClusterHandle`. Static parameters
    are set with ``pending-reboot`` and the writer is rebooted, so the cluster returned runs
    with every requested parameter.
``aurora_client``
    A factory for :class:`aurora_sec.Client` machines of ``aurora_account`` (default address
    ``203.0.113.10``) that hold the RDS CA bundle as ``global-bundle.pem``.
``rds_ca_bundle``
    The account's RDS global CA bundle (``bytes``), as a user downloads it.

::

    def test_verify_full(aurora_cluster, aurora_client):
        prod = aurora_cluster(parameters={"rds.force_ssl": "1"})
        conn = aurora_client().connect(prod.dsn(sslmode="verify-full"))
        assert conn.ssl is not None
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account
    from aurora_sec.client.client import Client
    from aurora_sec.engine.config import EngineConfig
    from aurora_sec.engine.session import Session

__all__ = [
    "ClusterHandle",
    "aurora_account",
    "aurora_client",
    "aurora_cluster",
    "rds_ca_bundle",
]

#: The master user and password of every cluster the ``aurora_cluster`` factory creates.
MASTER_USERNAME = "postgres"
MASTER_PASSWORD = "correct-horse-battery"
#: The address of the default client machine; inside the default ingress CIDR.
DEFAULT_CLIENT_IP = "203.0.113.10"
DEFAULT_CIDRS = ("203.0.113.0/24",)
CA_BUNDLE_FILE = "global-bundle.pem"


class ClusterHandle:
    """A cluster made by the ``aurora_cluster`` factory, with its writer instance."""

    def __init__(
        self,
        account: Account,
        identifier: str,
        instance_identifier: str,
        endpoint: str,
        reader_endpoint: str,
        parameter_group: str,
        security_group_id: str,
    ) -> None:
        self.account = account
        self.identifier = identifier
        self.instance_identifier = instance_identifier
        self.endpoint = endpoint
        self.reader_endpoint = reader_endpoint
        self.parameter_group = parameter_group
        self.security_group_id = security_group_id
        self.master_username = MASTER_USERNAME
        self.master_password = MASTER_PASSWORD

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


def _make_cluster(
    acct: Account,
    *,
    engine_version: str,
    parameters: Mapping[str, str],
    security_group_cidrs: Iterable[str],
    instance_class: str,
    identifier: str,
) -> ClusterHandle:
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
        MasterUserPassword=MASTER_PASSWORD,
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
    )


@pytest.fixture
def aurora_account() -> Account:
    """A fresh emulated AWS account (``seed=0``): nothing is shared between tests."""
    from aurora_sec.aws.account import Account

    return Account(seed=0)


@pytest.fixture
def aurora_cluster(aurora_account: Account) -> Callable[..., ClusterHandle]:
    """A factory for clusters (with a writer) in ``aurora_account``; see the module doc."""

    def make(
        engine_version: str = "16.4",
        parameters: Mapping[str, str] | None = None,
        security_group_cidrs: Iterable[str] = DEFAULT_CIDRS,
        instance_class: str = "db.r6g.large",
        identifier: str = "prod",
    ) -> ClusterHandle:
        return _make_cluster(
            aurora_account,
            engine_version=engine_version,
            parameters=dict(parameters or {}),
            security_group_cidrs=tuple(security_group_cidrs),
            instance_class=instance_class,
            identifier=identifier,
        )

    return make


@pytest.fixture
def rds_ca_bundle(aurora_account: Account) -> bytes:
    """The RDS global CA bundle of ``aurora_account`` (``global-bundle.pem``)."""
    return aurora_account.ca_bundle_pem()


@pytest.fixture
def aurora_client(aurora_account: Account) -> Callable[..., Client]:
    """A factory for client machines; each holds ``global-bundle.pem`` in its files."""
    from aurora_sec.client.client import Client

    def make(
        ip: str = DEFAULT_CLIENT_IP,
        driver: str = "libpq",
        driver_version: str | int | None = None,
        env: Mapping[str, str] | None = None,
        files: Mapping[str, bytes | str] | None = None,
        **kwargs: Any,
    ) -> Client:
        machine_files: dict[str, bytes | str] = {CA_BUNDLE_FILE: aurora_account.ca_bundle_pem()}
        machine_files.update(files or {})
        return Client(
            aurora_account,
            ip=ip,
            driver=driver,  # type: ignore[arg-type]
            driver_version=driver_version,
            env=env,
            files=machine_files,
            **kwargs,
        )

    return make
