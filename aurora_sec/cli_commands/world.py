"""The emulated world a CLI command runs in: one account, one cluster, one writer instance.

``build_cluster`` creates (in a fresh :class:`~aurora_sec.aws.account.Account`) a security
group open on 5432 to the client's address, a custom cluster parameter group of the engine's
family with the requested parameters, the cluster ``prod`` and its writer ``prod-1``. Dynamic
parameters are applied with ``ApplyMethod=immediate``; static ones with ``pending-reboot``
followed by a reboot of the writer, so the instance runs with every requested value.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from aurora_sec.aws.account import Account
from aurora_sec.cli_commands import UsageError
from aurora_sec.errors import AwsError, ParamValidationError

__all__ = ["CLIENT_IP", "CLUSTER_ID", "World", "build_cluster", "parse_params", "quote_ident"]

#: The address of the emulated client machine (TEST-NET-3, documentation range).
CLIENT_IP = "203.0.113.10"
CLUSTER_ID = "prod"
INSTANCE_ID = "prod-1"
_GROUP = "aurora-sec-cli"


@attrs.frozen
class World:
    """The account and the endpoints of its cluster."""

    account: Account
    endpoint: str
    reader_endpoint: str
    port: int


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``["name=value", ...]`` -> ``{name: value}``; raises :class:`UsageError` otherwise."""
    params: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param expects NAME=VALUE, got {item!r}")
        params[name.strip()] = value.strip()
    return params


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _apply(account: Account, params: Mapping[str, str]) -> None:
    rds = account.client("rds")
    reboot = False
    for name, value in params.items():
        try:
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=_GROUP,
                Parameters=[
                    {"ParameterName": name, "ParameterValue": value, "ApplyMethod": "immediate"}
                ],
            )
        except AwsError as err:
            if "static parameter" not in err.message:
                raise UsageError(f"--param {name}={value}: {err.code}: {err.message}") from None
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=_GROUP,
                Parameters=[
                    {
                        "ParameterName": name,
                        "ParameterValue": value,
                        "ApplyMethod": "pending-reboot",
                    }
                ],
            )
            reboot = True
    if reboot:
        rds.reboot_db_instance(DBInstanceIdentifier=INSTANCE_ID)


def build_cluster(
    engine_version: str,
    params: Mapping[str, str] | None = None,
    *,
    master_password: str = "postgres-password",
    client_ip: str = CLIENT_IP,
    seed: int = 0,
) -> World:
    """A fresh account with one Aurora PostgreSQL cluster reachable from ``client_ip``.

    Raises :class:`UsageError` for an engine version or parameter the emulated RDS refuses
    (with the AWS error code and message).
    """
    account = Account(seed=seed)
    ec2, rds = account.client("ec2"), account.client("rds")
    try:
        vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
        sg = ec2.create_security_group(
            GroupName="aurora-sec-cli", Description="PostgreSQL from the client", VpcId=vpc
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": f"{client_ip}/32"}],
                }
            ],
        )
        major = engine_version.split(".")[0]
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=_GROUP,
            DBParameterGroupFamily=f"aurora-postgresql{major}",
            Description="aurora-sec CLI",
        )
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=CLUSTER_ID,
            Engine="aurora-postgresql",
            EngineVersion=engine_version,
            MasterUsername="postgres",
            MasterUserPassword=master_password,
            DBClusterParameterGroupName=_GROUP,
            VpcSecurityGroupIds=[sg],
        )["DBCluster"]
        rds.create_db_instance(
            DBInstanceIdentifier=INSTANCE_ID,
            DBClusterIdentifier=CLUSTER_ID,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    except AwsError as err:
        raise UsageError(
            f"cannot create an Aurora PostgreSQL {engine_version} cluster: {err.code}: {err.message}"
        ) from None
    except ParamValidationError as err:
        raise UsageError(str(err)) from None
    _apply(account, params or {})
    return World(
        account=account,
        endpoint=str(cluster["Endpoint"]),
        reader_endpoint=str(cluster["ReaderEndpoint"]),
        port=int(cluster["Port"]),
    )
