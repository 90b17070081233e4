"""The request parser undoes botocore's own query and ec2 serializers exactly."""

from __future__ import annotations

import datetime as _dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

import botocore.serialize
import botocore.session
import pytest

from aurora_sec.aws.bridge.query_params import parse_params
from aurora_sec.errors import AwsError

_SESSION = botocore.session.get_session()

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "rds",
        "CreateDBCluster",
        {
            "DBClusterIdentifier": "prod",
            "Engine": "aurora-postgresql",
            "VpcSecurityGroupIds": ["sg-1", "sg-2"],
            "Port": 5432,
            "EnableIAMDatabaseAuthentication": False,
            "Tags": [{"Key": "a", "Value": "b"}, {"Key": "c", "Value": ""}],
            "AvailabilityZones": [],
        },
    ),
    (
        "rds",
        "ModifyDBClusterParameterGroup",
        {
            "DBClusterParameterGroupName": "g",
            "Parameters": [
                {
                    "ParameterName": "rds.force_ssl",
                    "ParameterValue": "1",
                    "ApplyMethod": "immediate",
                    "SupportedEngineModes": ["provisioned"],
                }
            ],
        },
    ),
    (
        "rds",
        "DescribeEvents",
        {"StartTime": _dt.datetime(2026, 1, 1, 12, 30, tzinfo=_dt.UTC), "Duration": 60},
    ),
    (
        "ec2",
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": "sg-1",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "a & <b>"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-2"}],
                }
            ],
            "DryRun": True,
        },
    ),
    (
        "ec2",
        "DescribeSecurityGroups",
        {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}], "GroupIds": ["sg-1"]},
    ),
    (
        "iam",
        "CreateUser",
        {"UserName": "alice", "Path": "/", "Tags": [{"Key": "k", "Value": "v"}]},
    ),
    ("iam", "ListUsers", {}),
]


def _wire(service: str, operation: str, params: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    model = _SESSION.get_service_model(service)
    op = model.operation_model(operation)
    request = botocore.serialize.create_serializer(model.protocol).serialize_to_request(params, op)
    body = urlencode(request["body"])
    return op, dict(parse_qsl(body, keep_blank_values=True))


@pytest.mark.parametrize(("service", "operation", "params"), CASES)
def test_round_trip(service: str, operation: str, params: dict[str, Any]) -> None:
    op, fields = _wire(service, operation, params)
    parsed = parse_params(fields, op.input_shape, ec2=service == "ec2")
    assert parsed == params
    assert all(type(parsed[k]) is type(v) for k, v in params.items())


def test_a_malformed_value_is_invalid_parameter_value() -> None:
    op, fields = _wire(
        "rds",
        "CreateDBCluster",
        {"DBClusterIdentifier": "p", "Engine": "aurora-postgresql", "Port": 1},
    )
    fields["Port"] = "five"
    with pytest.raises(AwsError) as caught:
        parse_params(fields, op.input_shape, ec2=False)
    assert caught.value.code == "InvalidParameterValue"
    assert caught.value.http_status == 400
