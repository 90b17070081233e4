"""Deterministic ids and secret hygiene."""

from __future__ import annotations

import pickle
import re

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.ids import IdGenerator
from aurora_sec.errors import AwsError
from aurora_sec.secrets import Secret


def test_ids_are_deterministic_and_seeded() -> None:
    a, b, c = (IdGenerator(s, "123456789012", "us-east-1") for s in (0, 0, 1))
    seq_a = [a.hex_id("vpc"), a.hex_id("sg"), a.resource_id("cluster"), a.endpoint_hash()]
    seq_b = [b.hex_id("vpc"), b.hex_id("sg"), b.resource_id("cluster"), b.endpoint_hash()]
    seq_c = [c.hex_id("vpc"), c.hex_id("sg"), c.resource_id("cluster"), c.endpoint_hash()]
    assert seq_a == seq_b
    assert seq_a != seq_c
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", seq_a[0])
    assert re.fullmatch(r"cluster-[A-Z0-9]{26}", seq_a[2])


def test_kinds_do_not_shift_each_other() -> None:
    a = IdGenerator(0, "123456789012", "us-east-1")
    b = IdGenerator(0, "123456789012", "us-east-1")
    b.hex_id("sg")
    b.request_id()
    assert a.hex_id("vpc") == b.hex_id("vpc")


def test_same_calls_same_account_state() -> None:
    def build(seed: int) -> list[object]:
        acct = Account(seed=seed)
        ec2, rds = acct.client("ec2"), acct.client("rds")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sg = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
        cluster = rds.create_db_cluster(
            DBClusterIdentifier="c",
            Engine="aurora-postgresql",
            MasterUsername="postgres",
            MasterUserPassword="password123",
        )["DBCluster"]
        return [vpc, sg, cluster["Endpoint"], cluster["DbClusterResourceId"]]

    assert build(3) == build(3)
    assert build(3) != build(4)


def test_secret_never_shows() -> None:
    s = Secret("hunter2hunter2")
    for text in (repr(s), str(s), f"{s}", f"{s!r}", "%s" % (s,), repr([s]), repr({"k": s})):  # noqa: UP031 (the %-operator is one of the paths tested)
        assert "hunter2" not in text
    assert s.reveal() == "hunter2hunter2"
    assert s == Secret("hunter2hunter2")
    assert s != Secret("other")
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_account_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        Account(account_id="123")
    with pytest.raises(ValueError, match="region"):
        Account(region="moon-1")
    with pytest.raises(ValueError, match="unsupported service"):
        Account().client("s3")  # type: ignore[call-overload]
    # IAM is emulated: a principal that does not exist is refused at call time, as AWS does.
    with pytest.raises(AwsError, match="InvalidClientTokenId"):
        Account().client(
            "rds", principal="arn:aws:iam::123456789012:user/alice"
        ).describe_db_clusters()
    assert Account(region="us-gov-west-1").arn("cluster", "x").startswith("arn:aws-us-gov:rds:")


def test_postgres_errors_have_psycopgs_classes() -> None:
    from aurora_sec import errors

    err = errors.PostgresError("42501", "permission denied to create role", detail="d")
    assert isinstance(err, errors.InsufficientPrivilege)
    assert isinstance(err, errors.PostgresError)
    assert (err.sqlstate, err.detail) == ("42501", "d")
    assert type(pickle.loads(pickle.dumps(err))) is errors.InsufficientPrivilege
    assert type(errors.PostgresError("99999", "x")) is errors.PostgresError
    assert errors.SQLSTATE_CLASSES["42710"] is errors.DuplicateObject


def test_masked_text_is_the_text_but_never_shows_it() -> None:
    from aurora_sec.secrets import MaskedText

    value = MaskedText("hunter2-long")
    assert value == "hunter2-long" and isinstance(value, str)
    assert "hunter2" not in repr(value)
    assert "hunter2" not in repr({"password": value}) and "hunter2" not in str([value])
