"""Connections: a libpq verify-full connect + authenticate + first query on the emulator.

Run::

    python benchmarks/bench_connect.py

Two figures: a warm cluster (certificates issued, catalog bootstrapped), and the first connect
to a fresh cluster (certificate issuance and catalog bootstrap included; CA keys are generated
once per process and not counted, as in any long test run). For the real side, see
shared/reference/perf-baselines.md section 2 (psycopg to PostgreSQL 15 with verify-full:
about 4.3 ms on this machine).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import aurora_sec as aurora

PASSWORD = "correct-horse-battery"


def world(seed: int) -> tuple[aurora.Account, str]:
    acct = aurora.Account(seed=seed)
    rds, ec2 = acct.client("rds"), acct.client("ec2")
    default_sg = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0][
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=default_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return acct, cluster["Endpoint"]


def dsn(host: str) -> str:
    return (
        f"host={host} dbname=postgres user=postgres password={PASSWORD} "
        "sslmode=verify-full sslrootcert=ca.pem"
    )


def main() -> int:
    acct, host = world(0)
    client = aurora.Client(
        acct, ip="198.51.100.9", driver_version=16, files={"ca.pem": acct.ca_bundle_pem()}
    )
    client.connect(dsn(host)).execute("SELECT 1")  # warm: keys, certificates, bootstrap
    warm = []
    gc.disable()
    for _ in range(300):
        t0 = time.perf_counter()
        client.connect(dsn(host)).execute("SELECT 1")
        warm.append(time.perf_counter() - t0)
    gc.enable()
    fresh = []
    for seed in range(1, 41):
        acct2, host2 = world(seed)
        client2 = aurora.Client(
            acct2, ip="198.51.100.9", driver_version=16, files={"ca.pem": acct2.ca_bundle_pem()}
        )
        t0 = time.perf_counter()
        client2.connect(dsn(host2)).execute("SELECT 1")
        fresh.append(time.perf_counter() - t0)
    print(f"warm verify-full connect + first query: median {statistics.median(warm) * 1e6:8.1f} us")
    print(
        f"first connect to a fresh cluster:       median {statistics.median(fresh) * 1e6:8.1f} us"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
