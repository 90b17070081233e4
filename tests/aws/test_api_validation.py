"""Client-side parameter validation must say exactly what botocore says.

The oracle is botocore's own ParamValidator run on the same input against the real service
model: for every bad input, our ParamValidationError text equals botocore's.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError as BotoParamValidationError
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.aws.account import Account
from aurora_sec.errors import ParamValidationError

_SESSION = botocore.session.get_session()


def botocore_report(service: str, operation: str, params: dict[str, Any]) -> str | None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, model.input_shape)
    if report.has_errors():
        return str(BotoParamValidationError(report=report.generate_report()))
    return None


def our_report(acct: Account, service: str, method: str, params: dict[str, Any]) -> str | None:
    client = acct.client(service)  # type: ignore[call-overload]
    try:
        getattr(client, method)(**params)
    except ParamValidationError as err:
        return str(err)
    except Exception:
        return None
    return None


CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("rds", "CreateDBCluster", "create_db_cluster", {}),
    ("rds", "CreateDBCluster", "create_db_cluster", {"DBClusterIdentifier": "a"}),
    (
        "rds",
        "CreateDBCluster",
        "create_db_cluster",
        {"DBClusterIdentifier": 5, "Engine": "aurora-postgresql"},
    ),
    (
        "rds",
        "CreateDBCluster",
        "create_db_cluster",
        {"DBClusterIdentifier": "a", "Engine": "aurora-postgresql", "Bogus": 1, "Port": "5432"},
    ),
    (
        "rds",
        "CreateDBCluster",
        "create_db_cluster",
        {"DBClusterIdentifier": "a", "Engine": "aurora-postgresql", "VpcSecurityGroupIds": "sg-1"},
    ),
    (
        "rds",
        "CreateDBCluster",
        "create_db_cluster",
        {
            "DBClusterIdentifier": "a",
            "Engine": "aurora-postgresql",
            "VpcSecurityGroupIds": [1, "sg-2"],
        },
    ),
    (
        "rds",
        "CreateDBCluster",
        "create_db_cluster",
        {
            "DBClusterIdentifier": "a",
            "Engine": "aurora-postgresql",
            "DeletionProtection": "yes",
            "Tags": [{"Key": 1}],
            "ServerlessV2ScalingConfiguration": {"MinCapacity": "x"},
        },
    ),
    (
        "rds",
        "ModifyDBClusterParameterGroup",
        "modify_db_cluster_parameter_group",
        {"DBClusterParameterGroupName": "g", "Parameters": [{"ParameterName": "x", "Nope": 1}]},
    ),
    (
        "rds",
        "ModifyDBClusterParameterGroup",
        "modify_db_cluster_parameter_group",
        {"DBClusterParameterGroupName": "g", "Parameters": {"ParameterName": "x"}},
    ),
    ("rds", "DescribeDBClusters", "describe_db_clusters", {"MaxRecords": "20"}),
    ("rds", "CreateDBInstance", "create_db_instance", {"DBInstanceIdentifier": "i"}),
    (
        "ec2",
        "AuthorizeSecurityGroupIngress",
        "authorize_security_group_ingress",
        {"GroupId": "sg-1", "IpPermissions": [{"FromPort": "5432", "IpRanges": [{"CidrIp": 10}]}]},
    ),
    ("ec2", "CreateSecurityGroup", "create_security_group", {"GroupName": "x"}),
    ("ec2", "CreateVpc", "create_vpc", {"CidrBlock": ["10.0.0.0/16"], "DryRun": 0}),
]


@pytest.mark.parametrize(("service", "operation", "method", "params"), CASES)
def test_same_report_as_botocore(
    acct: Account, service: str, operation: str, method: str, params: dict[str, Any]
) -> None:
    expected = botocore_report(service, operation, params)
    assert expected is not None, "the case must be invalid for botocore too"
    assert our_report(acct, service, method, params) == expected


def test_valid_nested_structures_pass(acct: Account) -> None:
    rds = acct.client("rds")
    # describe with a valid filter structure is accepted by both
    params = {"Filters": [{"Name": "db-cluster-id", "Values": ["x"]}], "MaxRecords": 20}
    assert botocore_report("rds", "DescribeDBClusters", params) is None
    assert rds.describe_db_clusters(**params)["DBClusters"] == []
    assert botocore_report("rds", "DescribeCertificates", {"Filters": []}) is None


def test_secret_values_are_not_echoed(acct: Account) -> None:
    rds = acct.client("rds")
    with pytest.raises(ParamValidationError) as info:
        rds.create_db_cluster(
            DBClusterIdentifier="a", Engine="aurora-postgresql", MasterUserPassword=12345678
        )
    assert "12345678" not in str(info.value)
    assert "MasterUserPassword" in str(info.value)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(
        st.sampled_from(["Key", "Value", "Name", "Values", "X"]), st.text(max_size=2), max_size=2
    ),
)
_keys = st.sampled_from(
    [
        "DBClusterIdentifier",
        "Engine",
        "Port",
        "Tags",
        "VpcSecurityGroupIds",
        "Filters",
        "MaxRecords",
        "DeletionProtection",
        "Unknown",
    ]
)


@settings(max_examples=150, deadline=None)
@given(params=st.dictionaries(_keys, _values, max_size=5))
def test_fuzzed_create_cluster_params_match_botocore(params: dict[str, Any]) -> None:
    # Inputs botocore accepts must pass our validation too (they reach the backend, which
    # may refuse them with an AWS error); inputs it refuses get the same report.
    expected = botocore_report("rds", "CreateDBCluster", params)
    acct = Account(seed=1)
    assert our_report(acct, "rds", "create_db_cluster", params) == expected
