"""Checks AWS makes before the signature: the request's age and session tokens."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.auth
import botocore.exceptions
import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge import mock
from aurora_sec.aws.bridge.http import HttpServer, serve
from aurora_sec.aws.bridge.serve import request_time_error

from .helpers import REGION, ROOT, client, session

STAMP = r"([0-9]{8}T[0-9]{6}Z)"
EXPIRED = re.compile(
    rf"Signature expired: {STAMP} is now earlier than {STAMP} \({STAMP} - 5 min\.\)"
)
NOT_YET = re.compile(
    rf"Signature not yet current: {STAMP} is still later than {STAMP} \({STAMP} \+ 5 min\.\)"
)


def _stamp(text: str) -> _dt.datetime:
    return _dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.UTC)


def _error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _skew_client_clock(monkeypatch: pytest.MonkeyPatch, by: _dt.timedelta) -> None:
    """botocore signs at the real time moved by ``by`` (a client whose clock is off)."""
    real = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo: bool = True) -> _dt.datetime:
        return real(remove_tzinfo) + by  # type: ignore[no-any-return]

    monkeypatch.setattr(botocore.auth, "get_current_datetime", skewed)


def _check_skew_message(message: str, by: _dt.timedelta) -> None:
    pattern = EXPIRED if by < _dt.timedelta(0) else NOT_YET
    found = pattern.fullmatch(message)
    assert found is not None, message
    signed, bound, server = (_stamp(g) for g in found.groups())
    window = _dt.timedelta(minutes=5)
    assert bound == (server - window if by < _dt.timedelta(0) else server + window)
    # the server's clock is the real time: the signature is ``by`` away from it
    assert abs((signed - server) - by) < _dt.timedelta(minutes=1)


def test_request_time_error_boundaries() -> None:
    now = _dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=_dt.UTC)
    assert request_time_error("20261128T115500Z", now) is None
    assert request_time_error("20261128T120500Z", now) is None
    late = request_time_error("20261128T115459Z", now)
    assert late is not None and (late.code, late.http_status) == ("SignatureDoesNotMatch", 403)
    assert late.message == (
        "Signature expired: 20261128T115459Z is now earlier than 20261128T115500Z "
        "(20261128T120000Z - 5 min.)"
    )
    early = request_time_error("20261128T120501Z", now)
    assert early is not None and early.message == (
        "Signature not yet current: 20261128T120501Z is still later than 20261128T120500Z "
        "(20261128T120000Z + 5 min.)"
    )
    # unreadable or missing: left to the signature check
    assert request_time_error("yesterday", now) is None
    assert request_time_error(None, now) is None


@pytest.mark.parametrize("minutes", [-10, 10])
def test_a_skewed_client_clock_is_refused_in_process(
    monkeypatch: pytest.MonkeyPatch, minutes: int
) -> None:
    by = _dt.timedelta(minutes=minutes)
    _skew_client_clock(monkeypatch, by)
    acct = Account(seed=0)
    with mock(acct, sign_at_account_clock=False):
        rds = client(session(), "rds")
        code, message, status = _error(rds.describe_db_clusters)
        assert (code, status) == ("SignatureDoesNotMatch", 403)
        _check_skew_message(message, by)
        # nothing ran
        assert acct.rds.clusters == {}


def test_a_client_clock_within_five_minutes_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    _skew_client_clock(monkeypatch, _dt.timedelta(minutes=-4))
    with mock(Account(seed=0), sign_at_account_clock=False):
        assert client(session(), "rds").describe_db_clusters()["DBClusters"] == []


def test_signing_at_the_account_clock_is_never_skewed() -> None:
    acct = Account(seed=0)  # its clock is far from the real time; clients sign with it
    assert abs(acct.clock() - _dt.datetime.now(_dt.UTC)) > _dt.timedelta(minutes=5)
    with mock(acct):
        assert client(session(), "rds").describe_db_clusters()["DBClusters"] == []


@pytest.mark.parametrize("service", ["rds", "iam", "sts", "ec2"])
def test_a_session_token_is_unknown(service: str) -> None:
    with mock(Account(seed=0)):
        sess = session()
        temporary = client(sess, service, aws_session_token="FQoGZXIvYXdzEXAMPLE", **ROOT)
        call = {
            "rds": lambda: temporary.describe_db_clusters(),
            "iam": lambda: temporary.list_users(),
            "sts": lambda: temporary.get_caller_identity(),
            "ec2": lambda: temporary.describe_vpcs(),
        }[service]
        got = _error(call)
    if service == "ec2":
        assert got == (
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
            401,
        )
    else:
        assert got == (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403,
        )


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with serve(Account(seed=0), "127.0.0.1", 0) as running:
        yield running


def _over_http(server: HttpServer, service: str, **creds: str) -> Any:
    return boto3.Session(region_name=REGION).client(
        service, endpoint_url=server.url, region_name=REGION, **(creds or ROOT)
    )


def test_over_http_session_token_and_skew(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rds = _over_http(server, "rds", aws_session_token="FQoGZXIvYXdzEXAMPLE", **ROOT)
    assert _error(rds.describe_db_clusters) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    assert _over_http(server, "rds").describe_db_clusters()["DBClusters"] == []
    by = _dt.timedelta(minutes=-20)
    _skew_client_clock(monkeypatch, by)
    code, message, status = _error(_over_http(server, "rds").describe_db_clusters)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    _check_skew_message(message, by)
