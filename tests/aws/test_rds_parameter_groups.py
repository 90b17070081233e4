"""Parameter groups: defaults that cannot change, static vs dynamic, all-or-nothing modify."""

from __future__ import annotations

from typing import Any

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.errors import AwsError


def _param(name: str, value: str, method: str = "immediate") -> dict[str, str]:
    return {"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}


def _values(rds: RdsClient, group: str, kind: str = "cluster") -> dict[str, Any]:
    if kind == "cluster":
        records = rds.describe_db_cluster_parameters(
            DBClusterParameterGroupName=group, MaxRecords=100
        )
    else:
        records = rds.describe_db_parameters(DBParameterGroupName=group, MaxRecords=100)
    out = {}
    for r in records["Parameters"]:
        out[r["ParameterName"]] = (r.get("ParameterValue"), r["Source"])
    return out


@pytest.mark.parametrize("major", range(10, 18))
def test_default_groups_exist_for_every_family(rds: RdsClient, major: int) -> None:
    name = f"default.aurora-postgresql{major}"
    cluster_groups = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)
    assert (
        cluster_groups["DBClusterParameterGroups"][0]["DBParameterGroupFamily"]
        == f"aurora-postgresql{major}"
    )
    db_groups = rds.describe_db_parameter_groups(DBParameterGroupName=name)
    assert db_groups["DBParameterGroups"][0]["DBParameterGroupArn"].endswith(f":pg:{name}")


def test_default_group_cannot_be_modified_reset_or_deleted(rds: RdsClient) -> None:
    name = "default.aurora-postgresql15"
    before = _values(rds, name)
    with pytest.raises(AwsError) as err:
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, Parameters=[_param("rds.force_ssl", "1")]
        )
    assert (err.value.code, err.value.message) == (
        "InvalidParameterValue",
        "Cannot modify a default parameter group.",
    )
    assert err.value.http_status == 400
    assert str(err.value) == (
        "An error occurred (InvalidParameterValue) when calling the ModifyDBClusterParameterGroup "
        "operation: Cannot modify a default parameter group."
    )
    with pytest.raises(AwsError) as err:
        rds.reset_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, ResetAllParameters=True
        )
    assert err.value.code == "InvalidParameterValue"
    with pytest.raises(AwsError) as err:
        rds.delete_db_parameter_group(DBParameterGroupName=name)
    assert (err.value.code, err.value.message) == (
        "InvalidDBParameterGroupState",
        "Default DBParameterGroup cannot be deleted: default.aurora-postgresql15",
    )
    with pytest.raises(AwsError):
        rds.modify_db_parameter_group(
            DBParameterGroupName=name,
            Parameters=[_param("max_connections", "100", "pending-reboot")],
        )
    assert _values(rds, name) == before


def test_create_and_describe_custom_group(rds: RdsClient) -> None:
    created = rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="Secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )["DBClusterParameterGroup"]
    assert created["DBClusterParameterGroupName"] == "secure"  # stored in lower case
    assert (
        created["DBClusterParameterGroupArn"]
        == "arn:aws:rds:us-east-1:123456789012:cluster-pg:secure"
    )
    values = _values(rds, "secure")
    assert values["rds.force_ssl"] == ("0", values["rds.force_ssl"][1])
    assert values["rds.restrict_password_commands"][0] == "0"
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="secure",
            DBParameterGroupFamily="aurora-postgresql15",
            Description="d",
        )
    assert err.value.code == "DBParameterGroupAlreadyExists"


@pytest.mark.parametrize("name", ["1abc", "a--b", "a-", "a_b", "default.x", "a.b"])
def test_group_name_rules(rds: RdsClient, name: str) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_parameter_group(
            DBParameterGroupName=name, DBParameterGroupFamily="aurora-postgresql15", Description="d"
        )
    assert err.value.code == "InvalidParameterValue"
    assert err.value.message.startswith(
        "The parameter DBParameterGroupName is not a valid identifier."
    )


def test_unknown_family(rds: RdsClient) -> None:
    with pytest.raises(AwsError) as err:
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="x", DBParameterGroupFamily="postgres15", Description="d"
        )
    assert (
        err.value.message == "ParameterGroupFamily postgres15 is not a valid parameter group family"
    )


def test_static_parameter_refuses_immediate(rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    with pytest.raises(AwsError) as err:
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName="g",
            Parameters=[_param("rds.restrict_password_commands", "1")],
        )
    assert (err.value.code, err.value.message) == (
        "InvalidParameterCombination",
        "cannot use immediate apply method for static parameter",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[_param("rds.restrict_password_commands", "1", "pending-reboot")],
    )
    assert _values(rds, "g")["rds.restrict_password_commands"] == ("1", "user")


def test_one_bad_parameter_changes_nothing(rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    before = _values(rds, "g")
    for bad in (_param("not_a_param", "1"), _param("rds.force_ssl", "2")):
        with pytest.raises(AwsError) as err:
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName="g", Parameters=[_param("rds.force_ssl", "1"), bad]
            )
        assert err.value.code == "InvalidParameterValue"
    assert _values(rds, "g") == before


def test_unknown_parameter_message(rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="d",
    )
    with pytest.raises(AwsError) as err:
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName="g", Parameters=[_param("character_set_server", "utf8")]
        )
    assert err.value.message == "Could not find parameter with name: character_set_server"


def test_reset_restores_defaults(rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql14",
        Description="d",
    )
    default = _values(rds, "g")
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[_param("rds.force_ssl", "1"), _param("password_encryption", "md5")],
    )
    assert _values(rds, "g")["password_encryption"] == ("md5", "user")
    rds.reset_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[{"ParameterName": "password_encryption", "ApplyMethod": "immediate"}],
    )
    after = _values(rds, "g")
    assert after["password_encryption"] == default["password_encryption"]
    assert after["rds.force_ssl"] == ("1", "user")
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="g", ResetAllParameters=True)
    assert _values(rds, "g") == default


def test_describe_source_filter_and_pagination(rds: RdsClient) -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        DBParameterGroupFamily="aurora-postgresql16",
        Description="d",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g", Parameters=[_param("rds.force_ssl", "1")]
    )
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g", Source="user")[
        "Parameters"
    ]
    assert [p["ParameterName"] for p in user] == ["rds.force_ssl"]
    everything = _values(rds, "g")
    pages: list[str] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"DBClusterParameterGroupName": "g", "MaxRecords": 20}
        if marker:
            kwargs["Marker"] = marker
        page = rds.describe_db_cluster_parameters(**kwargs)
        pages.extend(p["ParameterName"] for p in page["Parameters"])
        marker = page.get("Marker")
        if not marker:
            break
    assert sorted(pages) == sorted(everything)
    with pytest.raises(AwsError):
        rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g", MaxRecords=5)


def test_group_in_use_cannot_be_deleted(acct: Account, rds: RdsClient) -> None:
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
    with pytest.raises(AwsError) as err:
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="g")
    assert err.value.code == "InvalidDBParameterGroupState"
    rds.delete_db_cluster(DBClusterIdentifier="c", SkipFinalSnapshot=True)
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="g")
    with pytest.raises(AwsError) as err:
        rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g")
    assert err.value.code == "DBParameterGroupNotFound"
    assert err.value.http_status == 404


def test_password_encryption_default_flips_at_14(rds: RdsClient) -> None:
    assert _values(rds, "default.aurora-postgresql13")["password_encryption"][0] == "md5"
    assert _values(rds, "default.aurora-postgresql14")["password_encryption"][0] == "scram-sha-256"


def test_restrict_password_commands_needs_10_6(rds: RdsClient) -> None:
    records = rds.describe_db_cluster_parameters(
        DBClusterParameterGroupName="default.aurora-postgresql10"
    )["Parameters"]
    spec = next(r for r in records if r["ParameterName"] == "rds.restrict_password_commands")
    assert spec["MinimumEngineVersion"] == "10.6"
    assert spec["ApplyType"] == "static"
