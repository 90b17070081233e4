"""``aurora_sec.aws.bridge.http.serve``: real boto3 clients over a real loopback socket."""

from __future__ import annotations

import datetime as _dt
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.auth
import botocore.credentials
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSRequest

from aurora_sec.aws.account import Account
from aurora_sec.aws.bridge.http import HttpServer, serve
from aurora_sec.aws.iam.dbauth import verify_db_auth_token

from .helpers import REGION, ROOT, connect_policy, same, strip
from .test_errors import DEFAULT_GROUP_CHANGE
from .test_twin import _iam_story, _story

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture
def acct() -> Account:
    return Account(seed=0)


@pytest.fixture
def server(acct: Account) -> Iterator[HttpServer]:
    lines: list[str] = []
    with serve(acct, "127.0.0.1", 0, log=lines.append) as running:
        running.lines = lines  # type: ignore[attr-defined]
        yield running


def _client(server: HttpServer, service: str, **creds: str) -> Any:
    return boto3.Session(region_name=REGION).client(
        service, endpoint_url=server.url, region_name=REGION, **(creds or ROOT)
    )


def _post(
    server: HttpServer, body: bytes, headers: dict[str, str], path: str = "/"
) -> tuple[int, str]:
    request = urllib.request.Request(server.url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _signed(
    server: HttpServer, body: str, service: str = "rds", method: str = "POST", query: str = ""
) -> tuple[int, str]:
    url = f"{server.url}/{'?' + query if query else ''}"
    request = AWSRequest(method=method, url=url, data=body.encode(), headers={"Content-Type": FORM})
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials("testing", "testing"), service, REGION
    ).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(
        url, data=prepared.body or None, headers=dict(prepared.headers), method=method
    )
    try:
        with urllib.request.urlopen(raw, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_the_readme_story_over_http_equals_the_in_process_twin(
    acct: Account, server: HttpServer
) -> None:
    wire: list[tuple[str, dict[str, Any]]] = []
    local: list[tuple[str, dict[str, Any]]] = []
    _story(
        _client(server, "ec2"),
        _client(server, "rds"),
        lambda name, response: wire.append((name, response)),
    )
    twin = Account(seed=0)
    _story(
        twin.client("ec2"),
        twin.client("rds"),
        lambda name, response: local.append((name, response)),
    )
    assert [name for name, _ in wire] == [name for name, _ in local]
    for (name, w), (_, loc) in zip(wire, local, strict=True):
        assert w["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert w["ResponseMetadata"]["RequestId"] == loc["ResponseMetadata"]["RequestId"]
        same(strip(w), strip(loc), name)
    assert acct.engine_config("prod-1")["rds.restrict_password_commands"] == "1"
    assert "rds CreateDBCluster 200" in server.lines  # type: ignore[attr-defined]


def test_iam_over_http_equals_the_in_process_twin(server: HttpServer) -> None:
    wire = _iam_story(_client(server, "iam"))
    local = _iam_story(Account(seed=0).client("iam"))
    for i, (w, loc) in enumerate(zip(wire, local, strict=True)):
        same(strip(w), strip(loc), f"call {i}")


def test_an_error_is_a_client_error_with_awss_code_and_status(server: HttpServer) -> None:
    rds = _client(server, "rds")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        rds.modify_db_cluster_parameter_group(**DEFAULT_GROUP_CHANGE)
    response = caught.value.response
    assert response["Error"]["Code"] == "InvalidParameterValue"
    assert response["Error"]["Message"] == "Cannot modify a default parameter group."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_iam_users_key_made_over_http_is_enforced(server: HttpServer) -> None:
    iam = _client(server, "iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice = _client(
        server,
        "rds",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        alice.describe_db_clusters()
    response = caught.value.response
    assert response["Error"]["Code"] == "AccessDenied"
    assert (
        "user/alice is not authorized to perform: rds:DescribeDBClusters"
        in (response["Error"]["Message"])
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    iam.put_user_policy(
        UserName="alice",
        PolicyName="read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"}],
            }
        ),
    )
    assert alice.describe_db_clusters()["DBClusters"] == []
    wrong = _client(
        server, "rds", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="not-it"
    )
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        wrong.describe_db_clusters()
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    # the log names service, action and status only: no keys, no bodies
    log = "\n".join(server.lines)  # type: ignore[attr-defined]
    assert key["SecretAccessKey"] not in log
    assert key["AccessKeyId"] not in log


def test_an_unknown_action_is_the_bridges_invalid_action(server: HttpServer) -> None:
    status, text = _signed(server, "Action=DescribeNothing&Version=2014-10-31")
    assert status == 400
    assert "<Code>InvalidAction</Code>" in text
    assert "The action DescribeNothing is not valid for this web service." in text
    assert server.lines[-1] == "rds (unknown action) 400"  # type: ignore[attr-defined]
    status, text = _signed(server, "Action=DescribeNothing&Version=2016-11-15", service="ec2")
    assert status == 400
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Errors>')
    assert "<Code>InvalidAction</Code>" in text


def test_a_signed_get_is_answered(server: HttpServer) -> None:
    status, text = _signed(
        server, "", method="GET", query="Action=DescribeDBClusters&Version=2014-10-31"
    )
    assert status == 200
    assert "<DescribeDBClustersResult><DBClusters></DBClusters></DescribeDBClustersResult>" in text


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"garbage", {}, 403, "MissingAuthenticationToken"),
        (
            b"Action=DescribeDBClusters",
            {"Authorization": "Basic dGVzdGluZzp0ZXN0aW5n"},
            400,
            "IncompleteSignature",
        ),
        (
            b"Action=DescribeDBClusters",
            {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1"},
            400,
            "IncompleteSignature",
        ),
        (
            b"Action=GetCallerIdentity",
            {
                "Authorization": "AWS4-HMAC-SHA256 "
                "Credential=testing/20260101/us-east-1/sts/aws4_request, "
                "SignedHeaders=host, Signature=00"
            },
            403,
            "SignatureDoesNotMatch",
        ),
        (
            b"\xff\xfe not a form",
            {
                "Authorization": "AWS4-HMAC-SHA256 "
                "Credential=testing/20260101/us-east-1/rds/aws4_request, "
                "SignedHeaders=host, Signature=00"
            },
            400,
            "MissingAction",
        ),
        (
            b"Action=DescribeDBClusters",
            {
                "Authorization": "AWS4-HMAC-SHA256 "
                "Credential=testing/20260101/us-east-1/rds/aws4_request, "
                "SignedHeaders=host, Signature=00"
            },
            403,
            "SignatureDoesNotMatch",
        ),
    ],
)
def test_a_malformed_request_gets_aws_error_xml(
    server: HttpServer, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    got, text = _post(server, body, {"Content-Type": FORM, **headers})
    assert got == status
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error>')
    assert f"<Code>{code}</Code>" in text
    assert "Traceback" not in text


def test_a_chunked_body_is_refused_not_misread(server: HttpServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"Action=DescribeDBClusters"

    request = urllib.request.Request(
        server.url + "/", data=chunks(), headers={"Content-Type": FORM}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert b"<Code>InvalidRequest</Code>" in caught.value.read()


def test_concurrent_clients_are_serialised_on_the_account(
    acct: Account, server: HttpServer
) -> None:
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            _client(server, "rds").create_db_cluster_parameter_group(
                DBClusterParameterGroupName=f"g{i}",
                DBParameterGroupFamily="aurora-postgresql15",
                Description="g",
            )
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert {f"g{i}" for i in range(8)} <= set(acct.rds.cluster_parameter_groups)


def test_a_db_auth_token_from_a_client_over_http_verifies_at_real_time(
    acct: Account, server: HttpServer
) -> None:
    iam = _client(server, "iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    cluster = _client(server, "rds").create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        MasterUsername="postgres",
        MasterUserPassword="correct-horse-battery",
        EnableIAMDatabaseAuthentication=True,
    )["DBCluster"]
    iam.put_user_policy(
        UserName="alice",
        PolicyName="connect",
        PolicyDocument=connect_policy(acct, cluster["DbClusterResourceId"], "app"),
    )
    token = _client(
        server,
        "rds",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    ).generate_db_auth_token(DBHostname=cluster["Endpoint"], Port=5432, DBUsername="app")
    # a client in front of an HTTP endpoint signs at real time, not at the account's clock
    # (which stands at its epoch): set the clock to now before checking the token
    acct.rds.now = _dt.datetime.now(_dt.UTC)
    result = verify_db_auth_token(acct, token, cluster["Endpoint"], 5432, "app")
    assert result.ok, result.reason
    assert result.principal == f"arn:aws:iam::{acct.account_id}:user/alice"
    acct.rds.now += _dt.timedelta(minutes=16)
    assert verify_db_auth_token(acct, token, cluster["Endpoint"], 5432, "app").reason == "expired"


def test_shutdown_closes_the_port(acct: Account) -> None:
    server = serve(acct).start()
    url = server.url
    server.shutdown()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/", timeout=5)


def test_another_method_or_a_bad_request_line_is_error_xml(server: HttpServer) -> None:
    request = urllib.request.Request(server.url + "/", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 405
    assert b"<Code>MethodNotAllowed</Code>" in caught.value.read()
    with socket.create_connection((server.host, server.port), timeout=10) as conn:
        conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        chunks = []
        while chunk := conn.recv(65536):  # the server closes after an error it could not route
            chunks.append(chunk)
    answer = b"".join(chunks).decode()
    assert answer.startswith("HTTP/1.1 400 Bad Request\r\nServer: aurora-sec\r\n")
    assert "<Code>InvalidRequest</Code>" in answer
    assert "Traceback" not in answer


def test_an_internal_failure_is_500_error_xml_without_a_traceback(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("secret-looking detail")

    monkeypatch.setattr(server.bridge, "handle", broken)
    status, text = _signed(server, "Action=DescribeDBClusters&Version=2014-10-31")
    assert status == 500
    assert "<Code>InternalFailure</Code>" in text
    assert "secret-looking detail" not in text
    assert "Traceback" not in text
    assert server.lines[-2:] == [  # type: ignore[attr-defined]
        "rds DescribeDBClusters internal error RuntimeError",
        "rds DescribeDBClusters 500",
    ]
