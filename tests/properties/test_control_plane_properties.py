"""Properties of the control plane, driven by hypothesis.

* After any sequence of parameter changes and reboots, an instance runs with the value that
  was last *applied* to it: immediate dynamic changes at once, everything else at reboot.
* Default parameter groups never change, whatever is attempted.
* A refused call leaves every describe output unchanged.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.errors import AwsError, ParamValidationError

#: (parameter, values, static?) — dynamic parameters whose immediate change applies at once.
PARAMS: dict[str, tuple[tuple[str, ...], bool]] = {
    "password_encryption": (("md5", "scram-sha-256"), False),
    "rds.accepted_password_auth_method": (("md5+scram", "scram"), False),
    "rds.restrict_password_commands": (("0", "1"), True),
    "authentication_timeout": (("30", "60", "120"), False),
}

change = st.tuples(
    st.just("modify"),
    st.sampled_from(sorted(PARAMS)),
    st.integers(0, 2),
    st.sampled_from(["immediate", "pending-reboot"]),
)
reboot = st.tuples(st.just("reboot"), st.just(""), st.just(0), st.just(""))


def _world() -> tuple[Account, RdsClient]:
    acct = Account(seed=7)
    rds = acct.client("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="postgres",
        MasterUserPassword="password123",
        DBClusterParameterGroupName="g",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i",
        DBClusterIdentifier="c",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    return acct, rds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.one_of(change, reboot), max_size=25))
def test_running_value_is_the_last_applied(steps: list[tuple[str, str, int, str]]) -> None:
    acct, rds = _world()
    start = dict(acct.engine_config("i"))
    group: dict[str, str] = {}  # what the group holds now
    running = {name: start.get(name) for name in PARAMS}
    for kind, name, index, method in steps:
        if kind == "reboot":
            rds.reboot_db_instance(DBInstanceIdentifier="i")
            for pname, value in group.items():
                running[pname] = value
        else:
            values, static = PARAMS[name]
            value = values[index % len(values)]
            params = [{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}]
            if static and method == "immediate":
                try:
                    rds.modify_db_cluster_parameter_group(
                        DBClusterParameterGroupName="g", Parameters=params
                    )
                except AwsError as err:
                    assert err.code == "InvalidParameterCombination"
                    continue
                raise AssertionError("a static parameter accepted immediate")
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="g", Parameters=params
            )
            group[name] = value
            if method == "immediate":
                running[name] = value
        config = acct.engine_config("i")
        for pname in PARAMS:
            assert config.get(pname) == running[pname], (pname, steps)


def _dump(acct: Account) -> Any:
    rds, ec2 = acct.client("rds"), acct.client("ec2")
    out: dict[str, Any] = {
        "clusters": rds.describe_db_clusters()["DBClusters"],
        "instances": rds.describe_db_instances()["DBInstances"],
        "groups": rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"],
        "dbgroups": rds.describe_db_parameter_groups()["DBParameterGroups"],
        "sgs": ec2.describe_security_groups()["SecurityGroups"],
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnet_groups": rds.describe_db_subnet_groups()["DBSubnetGroups"],
        "config": dict(acct.engine_config("i")),
    }
    for g in out["groups"]:
        out["params:" + g["DBClusterParameterGroupName"]] = rds.describe_db_cluster_parameters(
            DBClusterParameterGroupName=g["DBClusterParameterGroupName"]
        )["Parameters"]
    return out


bad_calls = st.sampled_from(
    [
        (
            "modify_db_cluster_parameter_group",
            {
                "DBClusterParameterGroupName": "default.aurora-postgresql15",
                "Parameters": [
                    {
                        "ParameterName": "rds.force_ssl",
                        "ParameterValue": "1",
                        "ApplyMethod": "immediate",
                    }
                ],
            },
        ),
        (
            "reset_db_cluster_parameter_group",
            {
                "DBClusterParameterGroupName": "default.aurora-postgresql16",
                "ResetAllParameters": True,
            },
        ),
        (
            "delete_db_cluster_parameter_group",
            {"DBClusterParameterGroupName": "default.aurora-postgresql14"},
        ),
        ("delete_db_parameter_group", {"DBParameterGroupName": "default.aurora-postgresql15"}),
        (
            "modify_db_cluster_parameter_group",
            {
                "DBClusterParameterGroupName": "g",
                "Parameters": [
                    {
                        "ParameterName": "rds.force_ssl",
                        "ParameterValue": "1",
                        "ApplyMethod": "immediate",
                    },
                    {"ParameterName": "nope", "ParameterValue": "1", "ApplyMethod": "immediate"},
                ],
            },
        ),
        (
            "modify_db_cluster_parameter_group",
            {
                "DBClusterParameterGroupName": "g",
                "Parameters": [
                    {
                        "ParameterName": "password_encryption",
                        "ParameterValue": "md5",
                        "ApplyMethod": "immediate",
                    },
                    {
                        "ParameterName": "rds.restrict_password_commands",
                        "ParameterValue": "1",
                        "ApplyMethod": "immediate",
                    },
                ],
            },
        ),
        (
            "create_db_cluster",
            {
                "DBClusterIdentifier": "c",
                "Engine": "aurora-postgresql",
                "MasterUsername": "postgres",
                "MasterUserPassword": "password123",
            },
        ),
        (
            "create_db_cluster",
            {
                "DBClusterIdentifier": "d",
                "Engine": "aurora-postgresql",
                "MasterUsername": "postgres",
                "MasterUserPassword": "pw",
            },
        ),
        (
            "create_db_cluster",
            {
                "DBClusterIdentifier": "d",
                "Engine": "aurora-postgresql",
                "MasterUsername": "postgres",
                "MasterUserPassword": "password123",
                "VpcSecurityGroupIds": ["sg-00000000000000000"],
            },
        ),
        (
            "create_db_instance",
            {
                "DBInstanceIdentifier": "j",
                "DBClusterIdentifier": "c",
                "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.t3.micro",
            },
        ),
        (
            "create_db_instance",
            {
                "DBInstanceIdentifier": "i",
                "DBClusterIdentifier": "c",
                "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.r6g.large",
            },
        ),
        ("delete_db_cluster", {"DBClusterIdentifier": "c", "SkipFinalSnapshot": True}),
        ("modify_db_cluster", {"DBClusterIdentifier": "c", "EngineVersion": "16.4"}),
        (
            "modify_db_cluster",
            {
                "DBClusterIdentifier": "c",
                "VpcSecurityGroupIds": ["sg-1"],
                "DeletionProtection": True,
            },
        ),
        (
            "create_db_cluster",
            {"DBClusterIdentifier": "x", "Engine": "aurora-postgresql", "Bogus": 1},
        ),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(bad_calls, min_size=1, max_size=6))
def test_refused_calls_change_nothing(calls: list[tuple[str, dict[str, Any]]]) -> None:
    acct, rds = _world()
    before = _dump(acct)
    for method, params in calls:
        try:
            getattr(rds, method)(**params)
        except (AwsError, ParamValidationError):
            pass
        else:
            raise AssertionError(f"{method} should have been refused")
        assert _dump(acct) == before


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.sampled_from(sorted(PARAMS)), max_size=6))
def test_default_groups_never_change(steps: list[str]) -> None:
    _, rds = _world()
    before = rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName="default.aurora-postgresql15"
    )
    for name in steps:
        values, _ = PARAMS[name]
        for group in ("default.aurora-postgresql15", "g"):
            try:
                rds.modify_db_cluster_parameter_group(
                    DBClusterParameterGroupName=group,
                    Parameters=[
                        {
                            "ParameterName": name,
                            "ParameterValue": values[-1],
                            "ApplyMethod": "pending-reboot",
                        }
                    ],
                )
            except AwsError as err:
                assert group.startswith("default.")
                assert err.message == "Cannot modify a default parameter group."
    after = rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName="default.aurora-postgresql15"
    )
    before.pop("ResponseMetadata")
    after.pop("ResponseMetadata")
    assert after == before
