"""Control plane: a fresh world in aurora-sec, side by side with boto3 under moto, in one run.

A "fresh world" is a new account and, in it, the calls of :func:`_world` (two variants: the
issue's sequence, and a realistic private cluster). The emulator does it with a new
``Account`` each time; moto with a new ``mock_aws()`` context each time (the boto3 clients
are built once, outside the timing, which is moto's cheapest form).

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


def _world(ec2: Any, rds: Any, *, private: bool) -> None:
    """The calls of one fresh world, made through boto3-shaped clients (ours or boto3's).

    ``private=False`` is the issue's sequence: a VPC, a security group, a cluster parameter
    group and its modify, a cluster (in the account's default VPC) and an instance.
    ``private=True`` is a realistic private cluster: the cluster lives in the new VPC (two
    subnets and a DB subnet group), behind the new security group with an ingress rule.
    """
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    placement: dict[str, Any] = {}
    if private:
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}"
            )["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
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
        rds.create_db_subnet_group(
            DBSubnetGroupName="private", DBSubnetGroupDescription="d", SubnetIds=subnets
        )
        placement = {"DBSubnetGroupName": "private", "VpcSecurityGroupIds": [sg]}
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
        **placement,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )


def emulator_factory(private: bool) -> Callable[[], None]:
    def world() -> None:
        acct = Account(seed=0)
        _world(acct.client("ec2"), acct.client("rds"), private=private)

    return world


def moto_factory(private: bool) -> Callable[[], None] | None:
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
            _world(ec2, rds, private=private)

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

    result: dict[str, Any] = {"python": sys.version.split()[0]}
    for label, private in (("issue sequence", False), ("private cluster", True)):
        emulator = emulator_factory(private)
        moto = moto_factory(private)
        emulator()  # warm imports and caches
        if moto is not None:
            moto()
        emu_medians: list[float] = []
        moto_medians: list[float] = []
        ratios: list[float] = []
        for _ in range(args.rounds):
            emu = statistics.median(time_batch(emulator, args.emulator_n))
            emu_medians.append(emu)
            if moto is not None:
                m = statistics.median(time_batch(moto, args.moto_n))
                moto_medians.append(m)
                ratios.append(m / emu)
        entry: dict[str, Any] = {
            "emulator_us": statistics.median(emu_medians) * 1e6,
            "emulator_rounds_us": [round(x * 1e6, 1) for x in emu_medians],
        }
        print(f"{label}:")
        print(
            f"  aurora-sec    median {entry['emulator_us']:9.1f} us   rounds {entry['emulator_rounds_us']}"
        )
        if moto is not None:
            entry["moto_us"] = statistics.median(moto_medians) * 1e6
            entry["moto_rounds_us"] = [round(x * 1e6, 1) for x in moto_medians]
            entry["ratio"] = statistics.median(ratios)
            print(
                f"  boto3 + moto  median {entry['moto_us']:9.1f} us   rounds {entry['moto_rounds_us']}"
            )
            print(f"  moto / aurora-sec (median of same-round ratios): {entry['ratio']:.1f}x")
        else:
            print("  (moto is not installed: python -m pip install -e '.[bench]')")
        result[label] = entry
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
