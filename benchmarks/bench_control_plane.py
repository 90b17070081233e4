"""Control plane: a fresh world in aurora-sec, side by side with boto3 under moto, in one run.

A "fresh world" is: a new account, a VPC, a security group with an ingress rule, a cluster
parameter group, a modify of that group, a cluster and an instance. The emulator does it with
a new ``Account`` each time; moto with a new ``mock_aws()`` context each time (the boto3 client
is built once, outside the timing, which is moto's cheapest form).

Run::

    python -m pip install -e '.[bench]'
    python benchmarks/bench_control_plane.py            # prints the table and the ratios

Rounds alternate between the two so machine noise hits both alike; each figure is the median
of the per-round medians.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from aurora_sec import Account

PASSWORD = "correct-horse-battery"


def emulator_world() -> None:
    acct = Account(seed=0)
    ec2, rds = acct.client("ec2"), acct.client("rds")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        Parameters=[
            {
                "ParameterName": "rds.force_ssl",
                "ParameterValue": "1",
                "ApplyMethod": "pending-reboot",
            }
        ],
    )
    rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        DBClusterParameterGroupName="secure",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )


def moto_world_factory() -> Callable[[], None] | None:
    try:
        import boto3
        from moto import mock_aws
    except ImportError:
        return None
    with mock_aws():
        session = boto3.session.Session(
            aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
        )
        ec2 = session.client("ec2")
        rds = session.client("rds")

    def world() -> None:
        with mock_aws():
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(
                GroupId=sg,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
                    }
                ],
            )
            rds.create_db_cluster_parameter_group(
                DBClusterParameterGroupName="secure",
                DBParameterGroupFamily="aurora-postgresql15",
                Description="d",
            )
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="secure",
                Parameters=[
                    {
                        "ParameterName": "rds.force_ssl",
                        "ParameterValue": "1",
                        "ApplyMethod": "pending-reboot",
                    }
                ],
            )
            rds.create_db_cluster(
                DBClusterIdentifier="prod",
                Engine="aurora-postgresql",
                EngineVersion="15.4",
                MasterUsername="postgres",
                MasterUserPassword=PASSWORD,
                DBClusterParameterGroupName="secure",
            )
            rds.create_db_instance(
                DBInstanceIdentifier="prod-1",
                DBClusterIdentifier="prod",
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
            )

    return world


def time_batch(fn: Callable[[], None], n: int) -> list[float]:
    samples = []
    gc.disable()
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--emulator-n", type=int, default=400)
    parser.add_argument("--moto-n", type=int, default=20)
    parser.add_argument("--json", help="write the raw figures to this file")
    args = parser.parse_args(argv)

    moto_world = moto_world_factory()
    emulator_world()  # warm imports and caches
    if moto_world is not None:
        moto_world()
    emu_medians: list[float] = []
    moto_medians: list[float] = []
    ratios: list[float] = []
    for _ in range(args.rounds):
        emu = statistics.median(time_batch(emulator_world, args.emulator_n))
        emu_medians.append(emu)
        if moto_world is not None:
            moto = statistics.median(time_batch(moto_world, args.moto_n))
            moto_medians.append(moto)
            ratios.append(moto / emu)
    result: dict[str, Any] = {
        "python": sys.version.split()[0],
        "emulator_fresh_world_us": statistics.median(emu_medians) * 1e6,
        "emulator_round_medians_us": [round(x * 1e6, 1) for x in emu_medians],
    }
    print("fresh world (account + VPC + SG + rule + cluster PG + modify + cluster + instance)")
    print(
        f"  aurora-sec        median {result['emulator_fresh_world_us']:9.1f} us   rounds {result['emulator_round_medians_us']}"
    )
    if moto_world is not None:
        result["moto_fresh_world_us"] = statistics.median(moto_medians) * 1e6
        result["moto_round_medians_us"] = [round(x * 1e6, 1) for x in moto_medians]
        result["ratio_moto_over_emulator"] = statistics.median(ratios)
        print(
            f"  boto3 + moto      median {result['moto_fresh_world_us']:9.1f} us   rounds {result['moto_round_medians_us']}"
        )
        print(
            f"  ratio moto / aurora-sec (median of same-round ratios): {result['ratio_moto_over_emulator']:.1f}x"
        )
    else:
        print("  (moto not installed: python -m pip install -e '.[bench]')")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
