"""``aurora-sec serve``: a child process on a free loopback port, real clients against it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from aurora_sec.cli import main

from .process import REPO

LINE = re.compile(
    r"aurora-sec serve: listening on (http://127\.0\.0\.1:(\d+)) "
    r"\(account 123456789012, us-east-1\)\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def _first_line(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    assert proc.stdout is not None
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    assert got, "no startup line"
    return got[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aurora_sec.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=_env(tmp_path),
    )
    try:
        line = _first_line(proc)
        match = LINE.fullmatch(line)
        assert match, line
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return err


def test_serve_answers_boto3_and_stops_cleanly(served: tuple[subprocess.Popen[str], str]) -> None:
    proc, url = served
    rds = boto3.client(
        "rds",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="secure",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="force SSL",
    )
    groups = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName="secure")
    assert groups["DBClusterParameterGroups"][0]["DBParameterGroupFamily"] == "aurora-postgresql15"
    err = _stop(proc)
    assert err.splitlines() == [
        "aurora-sec serve: rds CreateDBClusterParameterGroup 200",
        "aurora-sec serve: rds DescribeDBClusterParameterGroups 200",
    ]


@pytest.fixture(scope="module")
def awscli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The awscli package from PyPI, installed into a folder of its own.

    It pins docutils <= 0.19, which the suite's sphinx cannot share, and its own botocore:
    so it is not in the test extra but installed here, apart, and run with that folder first
    on its path (a few seconds; the package registry is reachable wherever the suite runs).
    """
    target = tmp_path_factory.mktemp("awscli")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-input", "--target", str(target), "awscli"],
        check=True,
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    return target


def test_awscli_get_caller_identity(
    served: tuple[subprocess.Popen[str], str], tmp_path: Path, awscli: Path
) -> None:
    """The AWS CLI (awscli from PyPI) asks STS who it is, as Terraform's provider does first."""
    proc, url = served
    env = _env(tmp_path)
    env["PYTHONPATH"] = str(awscli)
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--endpoint-url", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "UserId": "123456789012",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:root",
    }
    assert _stop(proc).splitlines() == ["aurora-sec serve: sts GetCallerIdentity 200"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port must be 0-65535, got 70000"),
        (["--account-id", "12"], "account_id must be 12 digits"),
        (["--region", "nowhere"], "not an AWS region name"),
    ],
)
def test_bad_usage_is_exit_status_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *args]) == 2
    assert message in capsys.readouterr().err
