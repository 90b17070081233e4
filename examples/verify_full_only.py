"""Which libpq sslmode settings are safe against an Aurora cluster with rds.force_ssl=1?

Run: python examples/verify_full_only.py

The cluster forces SSL through a custom cluster parameter group (as restricted_passwords.py
sets it). A laptop inside the security group's range connects with libpq 16 in each sslmode,
with and without the RDS CA bundle, through the cluster endpoint, through a custom endpoint
(a host name the server certificate does not carry) and by address only (``hostaddr``). Each
line shows the outcome; a failure shows exactly what psql prints.
"""

from __future__ import annotations

import aurora_sec as aurora

LAPTOP, OFFICE = "203.0.113.10", "203.0.113.0/24"
INGRESS = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": OFFICE}]}
FORCE_SSL = {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}


def main() -> None:
    acct = aurora.Account(account_id="123456789012", region="us-east-1", seed=0)
    ec2, rds = acct.client("ec2"), acct.client("rds")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[INGRESS])
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="force SSL",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure", Parameters=[FORCE_SSL]
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        DBClusterParameterGroupName="secure",
        VpcSecurityGroupIds=[sg],
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r7g.large",
    )
    custom = rds.create_db_cluster_endpoint(
        DBClusterIdentifier="prod", DBClusterEndpointIdentifier="reporting", EndpointType="ANY"
    )["Endpoint"]
    print(f"rds.force_ssl on prod-1: {acct.engine_config('prod-1')['rds.force_ssl']}")
    bundle = {"global-bundle.pem": acct.ca_bundle_pem()}
    bare = aurora.Client(acct, ip=LAPTOP, driver="libpq", driver_version=16)
    laptop = aurora.Client(acct, ip=LAPTOP, driver="libpq", driver_version=16, files=bundle)
    login = "dbname=postgres user=postgres password=correct-horse-battery"
    host, root = f"host={cluster['Endpoint']}", "sslrootcert=global-bundle.pem"
    address = laptop.attempt(f"{host} {login}").address  # where the endpoint resolves
    cases = [
        ("disable", bare, f"{host} sslmode=disable"),
        ("require, no bundle", bare, f"{host} sslmode=require"),
        ("verify-ca, no bundle", bare, f"{host} sslmode=verify-ca"),
        ("verify-ca, bundle", laptop, f"{host} sslmode=verify-ca {root}"),
        ("verify-full, no bundle", bare, f"{host} sslmode=verify-full"),
        ("verify-full, bundle", laptop, f"{host} sslmode=verify-full {root}"),
        ("verify-ca, custom endpoint", laptop, f"host={custom} sslmode=verify-ca {root}"),
        ("verify-full, custom endpoint", laptop, f"host={custom} sslmode=verify-full {root}"),
        ("verify-full, hostaddr only", laptop, f"hostaddr={address} sslmode=verify-full {root}"),
    ]
    for label, client, dsn in cases:
        outcome = client.attempt(f"{dsn} {login}")
        if outcome.ok:
            verified = outcome.certificate is not None and outcome.certificate.verified
            print(f"{label}: connected ({outcome.tls_version}, chain verified: {verified})")
        else:
            text = (outcome.psql_text() or "").replace("\n", "\n  ")
            print(f"{label}: failed\n  {text}")


if __name__ == "__main__":
    main()
