"""The server behind the hook, fed hand-made signed requests (what the HTTP endpoint will see)."""

from __future__ import annotations

import botocore.auth
import botocore.credentials
import botocore.session
from botocore.awsrequest import AWSRequest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge.activation import DEFAULT_ROOT_KEYS
from aurora_sec.aws.bridge.serve import Server

_RDS = botocore.session.get_session().get_service_model("rds")
URL = "https://rds.us-east-1.amazonaws.com/"


def _signed(body: str, secret: str = "testing") -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url=URL,
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = botocore.credentials.Credentials("testing", secret)
    botocore.auth.SigV4Auth(credentials, "rds", "us-east-1").add_auth(request)
    return request


def _handle(body: str, secret: str = "testing") -> tuple[int, dict[str, str], str]:
    prepared = _signed(body, secret).prepare()
    server = Server(Account(seed=0), DEFAULT_ROOT_KEYS)
    status, headers, payload = server.handle(
        _RDS.operation_model("DescribeDBClusters"),
        prepared.method,
        prepared.url,
        prepared.headers,
        prepared.body,
    )
    return status, headers, payload.decode()


def test_a_signed_request_is_answered_with_query_xml() -> None:
    status, headers, text = _handle("Action=DescribeDBClusters&Version=2014-10-31")
    assert status == 200
    assert headers["Content-Type"] == "text/xml"
    assert headers["Content-Length"] == str(len(text.encode()))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><DescribeDBClustersResponse')
    assert "<DescribeDBClustersResult><DBClusters></DBClusters></DescribeDBClustersResult>" in text
    assert f"<RequestId>{headers['x-amzn-RequestId']}</RequestId>" in text


def test_an_unknown_action_is_invalid_action() -> None:
    status, _, text = _handle("Action=DescribeNothing&Version=2014-10-31")
    assert status == 400
    assert "<Code>InvalidAction</Code>" in text
    assert "The action DescribeNothing is not valid for this web service." in text


def test_a_tampered_body_fails_the_signature() -> None:
    prepared = _signed("Action=DescribeDBClusters&Version=2014-10-31").prepare()
    server = Server(Account(seed=0), DEFAULT_ROOT_KEYS)
    status, _, payload = server.handle(
        _RDS.operation_model("DescribeDBClusters"),
        "POST",
        URL,
        prepared.headers,
        b"Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=20",
    )
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in payload


def test_a_malformed_value_is_invalid_parameter_value() -> None:
    status, _, text = _handle("Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=many")
    assert status == 400
    assert "<Code>InvalidParameterValue</Code>" in text
