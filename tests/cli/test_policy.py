"""``aurora-sec policy simulate``: allowed, explicitDeny, implicitDeny, with the statements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aurora_sec.cli import main
from aurora_sec.cli_commands.policy import context_entries

from .process import run_cli

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:prod"
POLICY = """\
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ManageClusters",
      "Effect": "Allow",
      "Action": ["rds:CreateDBCluster", "rds:Describe*", "rds:DeleteDBCluster"],
      "Resource": "*"
    },
    {
      "Sid": "NoDeleteFromTheOffice",
      "Effect": "Deny",
      "Action": "rds:DeleteDBCluster",
      "Resource": "*",
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    }
  ]
}
"""


@pytest.fixture
def policy(tmp_path: Path) -> str:
    path = tmp_path / "policy.json"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def test_allowed(policy: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["policy", "simulate", policy, "--action", "rds:CreateDBCluster", "--resource", CLUSTER]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"rds:CreateDBCluster on {CLUSTER}: allowed"
    assert lines[1] == (
        f"  matched {policy} (PolicyInputList.1) line 4, column 5 to line 9, column 6: "
        "Sid 'ManageClusters'; Allow Action rds:CreateDBCluster, rds:Describe*, rds:DeleteDBCluster"
    )


def test_explicit_deny(policy: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["policy", "simulate", policy, "--action", "rds:DeleteDBCluster", "--resource", CLUSTER]
    assert main([*args, "--context", "aws:SourceIp=203.0.113.10"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"rds:DeleteDBCluster on {CLUSTER}: explicitDeny"
    assert lines[1].startswith(f"  matched {policy} (PolicyInputList.1) line 10, column 5")
    assert (
        "Sid 'NoDeleteFromTheOffice'; Deny Action rds:DeleteDBCluster; with conditions" in lines[1]
    )
    # from elsewhere the Allow decides
    assert main([*args, "--context", "aws:SourceIp=198.51.100.7", "--format", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["StartPosition"] == {"Line": 4, "Column": 5}


def test_implicit_deny(policy: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "simulate", policy, "--action", "rds:ModifyDBCluster"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "rds:ModifyDBCluster on *: implicitDeny",
        "  no statement allows it",
    ]


def test_in_a_child_process(policy: str) -> None:
    proc = run_cli(
        "policy",
        "simulate",
        policy,
        "--action",
        "rds:DescribeDBClusters",
        "--action",
        "rds:StopDBCluster",
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == "rds:DescribeDBClusters on *: allowed"
    assert "rds:StopDBCluster on *: implicitDeny" in proc.stdout
    assert proc.stderr == ""


def test_malformed_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version": "2012-10-17", "Statement": [', encoding="utf-8")
    assert main(["policy", "simulate", str(bad), "--action", "rds:CreateDBCluster"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == (
        "An error occurred (MalformedPolicyDocument) when calling the SimulateCustomPolicy "
        "operation: Syntax errors in policy."
    )


def test_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy"]) == 2
    assert "simulate" in capsys.readouterr().err
    assert main(["policy", "simulate", str(tmp_path / "none.json"), "--action", "rds:X"]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["policy", "simulate", "p.json"])  # --action is required
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["policy", "simulate", "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_context_entries() -> None:
    assert context_entries(
        ["aws:SourceIp=203.0.113.10", "rds:DatabaseEngine=aurora-postgresql"]
    ) == [
        {
            "ContextKeyName": "aws:SourceIp",
            "ContextKeyValues": ["203.0.113.10"],
            "ContextKeyType": "ip",
        },
        {
            "ContextKeyName": "rds:DatabaseEngine",
            "ContextKeyValues": ["aurora-postgresql"],
            "ContextKeyType": "string",
        },
    ]
    (entry,) = context_entries(["aws:TagKeys=a", "aws:TagKeys=b"])
    assert entry["ContextKeyValues"] == ["a", "b"] and entry["ContextKeyType"] == "stringList"
