"""Shared pieces of the bridge tests: real botocore clients, a strict comparison."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import boto3

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.dbauth import db_user_arn

REGION = "us-east-1"
ROOT = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def session() -> Any:
    """A boto3 session with its own botocore session (no shared default state)."""
    return boto3.Session(region_name=REGION)


def client(sess: Any, service: str, **creds: str) -> Any:
    return sess.client(service, region_name=REGION, **(creds or ROOT))


def same(wire: Any, local: Any, path: str = "") -> None:
    """``wire`` (through boto3) equals ``local`` (in-process), types included."""
    if isinstance(local, _dt.datetime):
        assert isinstance(wire, _dt.datetime), path
        assert wire.tzinfo is not None and local.tzinfo is not None, path
        assert wire == local, path
        return
    assert type(wire) is type(local), f"{path}: {type(wire)} != {type(local)}"
    if isinstance(local, dict):
        assert sorted(wire) == sorted(local), path
        for key in local:
            same(wire[key], local[key], f"{path}.{key}")
    elif isinstance(local, list):
        assert len(wire) == len(local), path
        for i, (w, loc) in enumerate(zip(wire, local, strict=True)):
            same(w, loc, f"{path}[{i}]")
    else:
        assert wire == local, path


def strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def connect_policy(acct: Account, cluster_resource_id: str, user: str) -> str:
    """A policy document allowing ``rds-db:connect`` as ``user`` to one cluster."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "rds-db:connect",
                    "Resource": db_user_arn(acct, cluster_resource_id, user),
                }
            ],
        }
    )
