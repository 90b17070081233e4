"""Connections: a libpq verify-full connect + authenticate + first query, emulator vs real.

Run from the repository root (the real side needs PostgreSQL 15 from Debian, as the test
suite does, and root or the ``postgres`` OS user)::

    PYTHONPATH=$PWD python benchmarks/bench_connect.py [--rounds 7]

Side by side in one run, rounds alternating, medians:

* **emulator, warm**: ``aurora_sec.Client`` (libpq 16 rules) connects to a warm cluster
  (certificates issued, catalog bootstrapped) with ``sslmode=verify-full`` and the downloaded
  bundle, authenticates with SCRAM-SHA-256, runs ``SELECT 1`` and closes;
* **emulator, new client**: the same with a new ``Client`` each time (its own caches empty);
* **emulator, fresh cluster**: the first connect to a cluster of a new account (a seed not
  seen before in the process), with the default CA (rds-ca-rsa2048-g1): the server
  certificate and its regional CA issued, the catalog bootstrapped, the chain verified for
  the first time. CA keys are made once per process and not counted, as in any long test
  run, and so are the RDS CA certificates, which every account of the process shares (as
  every AWS account meets the same RDS CAs); the bundle download (``acct.ca_bundle_pem()``)
  happens before the clock starts;
* **real**: psycopg (its bundled libpq) to a real PostgreSQL 15 on 127.0.0.1 presenting the
  emulator's own certificate for the same endpoint name (``host=<endpoint>
  hostaddr=127.0.0.1``), ``sslmode=verify-full`` with the same bundle, then ``SELECT 1`` and
  close; once with ``scram-sha-256`` (the same work as the emulator's) and once with
  ``trust`` (the issue's "about 4 ms").
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

import aurora_sec as aurora

# the real side borrows the suite's TLS server harness (tests/client_oracle)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "correct-horse-battery"
CLIENT_IP = "198.51.100.9"


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
        EngineVersion="15.4",
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


def client_for(acct: aurora.Account) -> aurora.Client:
    return aurora.Client(
        acct, ip=CLIENT_IP, driver_version=16, files={"ca.pem": acct.ca_bundle_pem()}
    )


def timed(action: Callable[[], None], count: int) -> list[float]:
    samples = []
    gc.disable()
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            action()
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return samples


class Real:
    """A real PostgreSQL 15 with the emulator's certificate for the cluster endpoint."""

    def __init__(self, acct: aurora.Account, host: str, workdir: Path) -> None:
        from tests.client_oracle.tls_server import start_tls_server

        self.server = start_tls_server()
        identity = acct.rds.tls_identity("prod-1", ("TLSv1.2", "TLSv1.3"))
        self.server.configure(
            ssl=True,
            chain_pem=identity.chain_pem(),
            key_pem=identity.key_pem(),
            hba_lines=[
                "hostssl all trusted 0.0.0.0/0 trust",
                "hostssl all all 0.0.0.0/0 scram-sha-256",
            ],
        )
        self.server.set_password("postgres", PASSWORD, "scram-sha-256")
        with self.server.local_connect() as conn:
            conn.execute("CREATE ROLE trusted LOGIN")
        bundle = workdir / "ca.pem"
        bundle.write_bytes(acct.ca_bundle_pem())
        self.common = (
            f"host={host} hostaddr=127.0.0.1 port={self.server.port} dbname=postgres "
            f"sslmode=verify-full sslrootcert={bundle}"
        )

    def connect(self, user: str, password: str | None) -> None:
        extra = f" user={user}" + (f" password={password}" if password else "")
        with psycopg.connect(self.common + extra) as conn:
            conn.execute("SELECT 1").fetchone()

    def stop(self) -> None:
        self.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-real", action="store_true", help="emulator figures only")
    args = parser.parse_args()

    acct, host = world(0)
    client = client_for(acct)
    with client.connect(dsn(host)) as conn:  # warm: keys, certificates, bootstrap
        conn.execute("SELECT 1")

    def warm() -> None:
        with client.connect(dsn(host)) as c:
            c.execute("SELECT 1")

    bundle = acct.ca_bundle_pem()

    def new_client() -> None:
        fresh_client = aurora.Client(
            acct, ip=CLIENT_IP, driver_version=16, files={"ca.pem": bundle}
        )
        with fresh_client.connect(dsn(host)) as c:
            c.execute("SELECT 1")

    seeds = itertools.count(1000)

    def fresh_sample() -> float:
        acct2, host2 = world(next(seeds))
        client2 = client_for(acct2)  # the bundle download is not counted
        t0 = time.perf_counter()
        with client2.connect(dsn(host2)) as c:
            c.execute("SELECT 1")
        return time.perf_counter() - t0

    workdir = Path(tempfile.mkdtemp(prefix="bench-connect-"))
    real = None if args.no_real else Real(acct, host, workdir)
    try:
        if real is not None:
            real.connect("postgres", PASSWORD)  # warm the server's caches
        rows: dict[str, list[float]] = {
            k: [] for k in ("warm", "new", "fresh", "real_scram", "real_trust")
        }
        for _ in range(args.rounds):
            rows["warm"].append(statistics.median(timed(warm, 300)))
            rows["new"].append(statistics.median(timed(new_client, 100)))
            rows["fresh"].append(statistics.median([fresh_sample() for _ in range(15)]))
            if real is not None:
                rows["real_scram"].append(
                    statistics.median(timed(lambda: real.connect("postgres", PASSWORD), 40))
                )
                rows["real_trust"].append(
                    statistics.median(timed(lambda: real.connect("trusted", None), 40))
                )
    finally:
        if real is not None:
            real.stop()

    def show(label: str, key: str) -> None:
        values = rows[key]
        if values:
            print(
                f"{label:58s} median {statistics.median(values) * 1e6:9.1f} us"
                f"  (rounds {min(values) * 1e6:.1f}..{max(values) * 1e6:.1f})"
            )

    show("emulator: warm verify-full connect + SCRAM + SELECT 1", "warm")
    show("emulator: the same, a new Client each time", "new")
    show("emulator: first connect to a fresh cluster (default CA)", "fresh")
    show("real PG15: psycopg verify-full + scram-sha-256 + SELECT 1", "real_scram")
    show("real PG15: psycopg verify-full + trust + SELECT 1", "real_trust")
    if rows["real_scram"]:
        for key, label in (("real_scram", "scram"), ("real_trust", "trust")):
            ratios = [r / w for r, w in zip(rows[key], rows["warm"], strict=True)]
            print(f"warm ratio vs real {label}: median {statistics.median(ratios):6.1f}x per round")
    return 0


if __name__ == "__main__":
    sys.exit(main())
