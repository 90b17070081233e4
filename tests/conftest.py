"""Shared fixtures: a fresh account per test, and its boto3-shaped clients."""

from __future__ import annotations

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.rds.client import RdsClient

# The real PostgreSQL 15 and 16 servers (session-scoped fixtures pg15, pg16, pg).
pytest_plugins = ["tests.oracle.fixtures"]


@pytest.fixture
def acct() -> Account:
    return Account(account_id="123456789012", region="us-east-1", seed=0)


@pytest.fixture
def rds(acct: Account) -> RdsClient:
    return acct.client("rds")


@pytest.fixture
def ec2(acct: Account) -> Ec2Client:
    return acct.client("ec2")
