"""The seed's story, told by the emulator: what ``aurora-sec demo`` prints.

"Security for Amazon Aurora PostgreSQL is managed at three levels": this walks through the
levels the emulator models so far, calling the same public API a test would, and prints each
step with the real answers (and the real errors) the emulator gives. It grows with the planes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aurora_sec.aws.account import Account
from aurora_sec.aws.network import Firewall, FirewallRule
from aurora_sec.errors import AwsError

__all__ = ["run_demo"]

OFFICE_CIDR = "203.0.113.0/24"
OFFICE_IP = "203.0.113.10"
ELSEWHERE_IP = "198.51.100.7"


def run_demo(out: Callable[[str], Any] = print, seed: int = 0) -> int:
    """Tell the story; returns 0 (every step is checked against what AWS would answer)."""
    acct = Account(account_id="123456789012", region="us-east-1", seed=seed)
    ec2, rds = acct.client("ec2"), acct.client("rds")

    def step(title: str) -> None:
        out("")
        out(f"== {title}")

    def refused(call: Callable[[], Any]) -> str:
        try:
            call()
        except AwsError as err:
            return f"{err.code}: {err.message}"
        raise AssertionError("the call should have been refused")

    step("Level 2: the cluster lives in a VPC; a security group decides who reaches it")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    out(
        f"default VPC {vpc['VpcId']} ({vpc['CidrBlock']}, tenancy {vpc['InstanceTenancy']}, "
        "with an internet gateway: its instances are publicly accessible)"
    )
    sg = ec2.create_security_group(
        GroupName="prod-db", Description="PostgreSQL from the office", VpcId=vpc["VpcId"]
    )
    ec2.authorize_security_group_ingress(
        GroupId=sg["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": OFFICE_CIDR}],
            }
        ],
    )
    out(f"security group {sg['GroupId']}: inbound tcp/5432 from {OFFICE_CIDR} only")

    step("Parameter groups configure the engine: rds.force_ssl and restricted password management")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="force SSL, restrict password commands",
    )
    out(
        "default.aurora-postgresql15 cannot be changed: "
        + refused(
            lambda: rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="default.aurora-postgresql15",
                Parameters=[
                    {
                        "ParameterName": "rds.force_ssl",
                        "ParameterValue": "1",
                        "ApplyMethod": "immediate",
                    }
                ],
            )
        )
    )
    out(
        "rds.restrict_password_commands is static: "
        + refused(
            lambda: rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="secure",
                Parameters=[
                    {
                        "ParameterName": "rds.restrict_password_commands",
                        "ParameterValue": "1",
                        "ApplyMethod": "immediate",
                    }
                ],
            )
        )
    )

    step("The cluster and its writer instance")
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        DBClusterParameterGroupName="secure",
        VpcSecurityGroupIds=[sg["GroupId"]],
    )["DBCluster"]
    out(f"cluster endpoint {cluster['Endpoint']}:{cluster['Port']}")
    out(f"reader endpoint  {cluster['ReaderEndpoint']}")
    out(
        "master user 'rdsadmin' is refused: "
        + refused(
            lambda: rds.create_db_cluster(
                DBClusterIdentifier="other",
                Engine="aurora-postgresql",
                MasterUsername="rdsadmin",
                MasterUserPassword="correct-horse-battery",
            )
        )
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    writer = acct.engine_config("prod-1")
    out(
        f"instance prod-1 runs with rds.force_ssl={writer['rds.force_ssl']}, ssl={writer['ssl']}, "
        f"rds.restrict_password_commands={writer['rds.restrict_password_commands']}"
    )

    step("Dedicated tenancy: burstable classes (db.t3, db.t4g) are refused")
    dedicated = ec2.create_vpc(CidrBlock="10.30.0.0/16", InstanceTenancy="dedicated")["Vpc"]
    dsubnets = [
        ec2.create_subnet(
            VpcId=dedicated["VpcId"], CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"us-east-1{az}"
        )["Subnet"]
        for i, az in enumerate("ab")
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName="dedicated",
        DBSubnetGroupDescription="dedicated",
        SubnetIds=[s["SubnetId"] for s in dsubnets],
    )
    rds.create_db_cluster(
        DBClusterIdentifier="isolated",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        DBSubnetGroupName="dedicated",
    )
    out(
        "db.t3.medium in a dedicated VPC: "
        + refused(
            lambda: rds.create_db_instance(
                DBInstanceIdentifier="isolated-1",
                DBClusterIdentifier="isolated",
                Engine="aurora-postgresql",
                DBInstanceClass="db.t3.medium",
            )
        )
    )

    step("Dynamic parameters apply at once; static ones wait for a reboot")
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"},
            {
                "ParameterName": "rds.restrict_password_commands",
                "ParameterValue": "1",
                "ApplyMethod": "pending-reboot",
            },
        ],
    )
    config = acct.engine_config("prod-1")
    out(
        "rds.force_ssl=1 applies without a reboot (custom group, ssl already 1): "
        f"running rds.force_ssl={config['rds.force_ssl']}, "
        f"rds.restrict_password_commands={config['rds.restrict_password_commands']}"
    )
    member = rds.describe_db_clusters(DBClusterIdentifier="prod")["DBClusters"][0][
        "DBClusterMembers"
    ][0]
    out(f"prod-1 DBClusterParameterGroupStatus: {member['DBClusterParameterGroupStatus']}")
    rds.reboot_db_instance(DBInstanceIdentifier="prod-1")
    member = rds.describe_db_clusters(DBClusterIdentifier="prod")["DBClusters"][0][
        "DBClusterMembers"
    ][0]
    config = acct.engine_config("prod-1")
    out(
        f"after reboot: {member['DBClusterParameterGroupStatus']}, "
        f"rds.restrict_password_commands={config['rds.restrict_password_commands']}, "
        f"rds.force_ssl={config['rds.force_ssl']}"
    )

    step("Who can open a connection to the endpoint")
    host = cluster["Endpoint"]
    for label, ip, firewall in (
        ("office laptop", OFFICE_IP, None),
        ("home laptop", ELSEWHERE_IP, None),
        (
            "office laptop behind a firewall that blocks 5432",
            OFFICE_IP,
            Firewall(rules=(FirewallRule.deny(port=5432),), default="allow"),
        ),
    ):
        reach = acct.reachability(ip, host, 5432, firewall=firewall)
        verdict = "connects" if reach.reachable else f"blocked ({reach.failure}): {reach.reason}"
        out(f"{label} ({ip}): {verdict}")
    step("Level 3: roles and passwords, as the master user")
    master = acct.session("prod")
    for sql in (
        "CREATE ROLE app LOGIN PASSWORD 'app-secret'",
        "CREATE ROLE helpdesk LOGIN CREATEROLE",
        "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname IN ('postgres', 'rdsadmin') ORDER BY rolname",
    ):
        result = master.execute(sql)
        shown = f" -> {list(result.rows)}" if result.rows is not None else ""
        out(f"postgres=> {redact(sql)}  {result.tag}{shown}")
    for sql in (
        "DROP ROLE rdsadmin",
        "ALTER ROLE rdsadmin RENAME TO admin",
        "CREATE ROLE root SUPERUSER",
    ):
        out(f"postgres=> {sql}  {psql_error(master, sql)}")

    step("Restricted password management (rds.restrict_password_commands=1 after the reboot)")
    helpdesk = acct.session("prod", "helpdesk")
    for sql in ("ALTER ROLE app PASSWORD 'rotated'", "ALTER ROLE app VALID UNTIL '2030-01-01'"):
        out(f"helpdesk=> {redact(sql)}  {psql_error(helpdesk, sql)}")
    master.execute("GRANT rds_password TO helpdesk")
    out("postgres=> GRANT rds_password TO helpdesk  GRANT ROLE")
    result = helpdesk.execute("ALTER ROLE app PASSWORD 'rotated'")
    out(f"helpdesk=> ALTER ROLE app PASSWORD '********'  {result.tag}")
    step("Connections: libpq's sslmode against rds.force_ssl=1")
    from aurora_sec.client.client import Client
    from aurora_sec.errors import ConnectionFailed

    dsn = f"host={host} dbname=postgres user=app password=rotated"
    for label, client in (
        (
            "PGSSLMODE=disable",
            Client(acct, ip=OFFICE_IP, driver_version=15, env={"PGSSLMODE": "disable"}),
        ),
        (
            "sslmode=verify-full, no root certificate",
            Client(acct, ip=OFFICE_IP, driver_version=15, env={"PGSSLMODE": "verify-full"}),
        ),
    ):
        try:
            client.connect(dsn)
        except ConnectionFailed as err:
            out(f"{label}:")
            out(f"  psql: error: {err}".replace("rotated", "********"))
    default = Client(acct, ip=OFFICE_IP, driver_version=15).connect(dsn)
    out(
        f"default (prefer): SSL connection (protocol: {default.ssl.version}, cipher: {default.ssl.cipher}, bits: {default.ssl.bits})"
    )
    verified = Client(
        acct, ip=OFFICE_IP, driver_version=15, files={"global-bundle.pem": acct.ca_bundle_pem()}
    ).connect(dsn + " sslmode=verify-full sslrootcert=global-bundle.pem")
    master.execute("CREATE EXTENSION sslinfo")
    row = verified.execute("SELECT ssl_is_used(), ssl_cipher()").rows
    out(
        f"verify-full with global-bundle.pem: connected; SELECT ssl_is_used(), ssl_cipher() -> {list(row or ())}"
    )
    return 0


def redact(sql: str) -> str:
    """The statement with its password literal masked, as every output of the library does."""
    import re

    return re.sub(r"PASSWORD '[^']*'", "PASSWORD '********'", sql)


def psql_error(session: Any, sql: str) -> str:
    from aurora_sec.errors import PostgresError

    try:
        session.execute(sql)
    except PostgresError as err:
        return err.text().replace("\n", " / ")
    raise AssertionError(f"{sql} should have failed")
