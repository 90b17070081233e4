"""The action table: every emulated operation has a row; requests become the right ARNs."""

from __future__ import annotations

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.api import BaseClient
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.iam.actions import ACTIONS, authorization_request
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.rds.client import RdsClient

ACCT = "123456789012"


@pytest.mark.parametrize(
    ("service", "client"), [("rds", RdsClient), ("ec2", Ec2Client), ("iam", IamClient)]
)
def test_every_operation_has_a_row(service: str, client: type[BaseClient]) -> None:
    for operation in client.operation_names():
        spec = ACTIONS[(service, operation)]
        assert spec.action == f"{service}:{operation}"


def test_create_db_cluster_request(acct: Account) -> None:
    request = authorization_request(
        acct, "rds", "CreateDBCluster",
        {"DBClusterIdentifier": "Prod", "Engine": "aurora-postgresql", "EngineVersion": "15.4",
         "StorageEncrypted": True, "Tags": [{"Key": "Env", "Value": "dev"}]},
    )  # fmt: skip
    assert [r.arn for r in request.resources] == [
        f"arn:aws:rds:us-east-1:{ACCT}:cluster:prod",
        f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:default.aurora-postgresql15",
        f"arn:aws:rds:us-east-1:{ACCT}:subgrp:default",
    ]
    assert request.context["rds:databaseengine"] == ("aurora-postgresql",)
    assert request.context["rds:storageencrypted"] == ("true",)
    assert request.context["aws:requesttag/env"] == ("dev",)
    assert request.context["rds:req-tag/env"] == ("dev",)
    assert request.context["aws:tagkeys"] == ("Env",)


def test_existing_resources_bring_their_tags(acct: Account) -> None:
    rds = acct.client("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure", DBParameterGroupFamily="aurora-postgresql15",
        Description="d", Tags=[{"Key": "team", "Value": "db"}],
    )  # fmt: skip
    request = authorization_request(
        acct, "rds", "ModifyDBClusterParameterGroup", {"DBClusterParameterGroupName": "Secure"}
    )
    (ref,) = request.resources
    assert ref.arn == f"arn:aws:rds:us-east-1:{ACCT}:cluster-pg:secure"
    assert ref.context == {"aws:resourcetag/team": ("db",), "rds:cluster-pg-tag/team": ("db",)}


def test_resourceless_actions(acct: Account) -> None:
    for service, operation in (("rds", "DescribeDBEngineVersions"), ("ec2", "DescribeVpcs")):
        request = authorization_request(acct, service, operation, {})
        assert not request.names_resource
        assert [r.arn for r in request.resources] == ["*"]


def test_ec2_and_iam_arns(acct: Account) -> None:
    vpc = acct.ec2.default_vpc().vpc_id
    request = authorization_request(
        acct, "ec2", "CreateSecurityGroup", {"GroupName": "g", "Description": "d"}
    )
    assert [r.arn for r in request.resources] == [
        f"arn:aws:ec2:us-east-1:{ACCT}:security-group/*",
        f"arn:aws:ec2:us-east-1:{ACCT}:vpc/{vpc}",
    ]
    request = authorization_request(acct, "iam", "CreateUser", {"UserName": "bob", "Path": "/ops/"})
    assert [r.arn for r in request.resources] == [f"arn:aws:iam::{ACCT}:user/ops/bob"]
    request = authorization_request(
        acct,
        "iam",
        "AttachUserPolicy",
        {"UserName": "bob", "PolicyArn": "arn:aws:iam::aws:policy/X"},
    )
    assert request.context == {"iam:policyarn": ("arn:aws:iam::aws:policy/X",)}
    request = authorization_request(acct, "iam", "ListRoles", {})
    assert [r.arn for r in request.resources] == [f"arn:aws:iam::{ACCT}:role/"]
