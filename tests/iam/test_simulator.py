"""SimulatePrincipalPolicy / SimulateCustomPolicy: boto3-shaped results from the same evaluator."""

from __future__ import annotations

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.errors import AwsError
from tests.shape_check import assert_matches_output

from .helpers import doc, stmt

ACCT = "123456789012"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
# The AWS CLI reference's simulate-custom-policy example
DYNAMO = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
    '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)


@pytest.fixture
def iam(acct: Account) -> IamClient:
    return acct.client("iam")


def test_custom_policy_cli_example(iam: IamClient) -> None:
    out = iam.simulate_custom_policy(
        PolicyInputList=[DYNAMO],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=[
            {
                "ContextKeyName": "aws:CurrentTime",
                "ContextKeyValues": ["2019-04-25T11:00:00Z"],
                "ContextKeyType": "date",
            }
        ],
    )
    assert_matches_output("iam", "SimulateCustomPolicy", out)
    (result,) = out["EvaluationResults"]
    assert result["EvalActionName"] == "dynamodb:CreateBackup"
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == "allowed"
    assert result["MissingContextValues"] == []
    (matched,) = result["MatchedStatements"]
    assert matched["SourcePolicyId"] == "PolicyInputList.1"
    assert matched["EndPosition"] == {"Line": 1, "Column": 167}
    assert out["IsTruncated"] is False
    # Example 2: the date is before the one the condition requires
    out = iam.simulate_custom_policy(
        PolicyInputList=[DYNAMO],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=[
            {
                "ContextKeyName": "aws:CurrentTime",
                "ContextKeyValues": ["2014-04-25T11:00:00Z"],
                "ContextKeyType": "date",
            }
        ],
    )
    result = out["EvaluationResults"][0]
    assert (result["EvalDecision"], result["MatchedStatements"]) == ("implicitDeny", [])


def test_missing_context_values(iam: IamClient) -> None:
    out = iam.simulate_custom_policy(
        PolicyInputList=[DYNAMO], ActionNames=["dynamodb:CreateBackup"]
    )
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:CurrentTime"]


def test_principal_policy(acct: Account, iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="inline",
        PolicyDocument=doc(stmt("Allow", "rds:Describe*", "*")),
    )
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="alice")
    deny = iam.create_policy(
        PolicyName="no-delete", PolicyDocument=doc(stmt("Deny", "rds:Delete*", "*"))
    )
    iam.attach_group_policy(GroupName="g", PolicyArn=deny["Policy"]["Arn"])
    cluster = f"arn:aws:rds:us-east-1:{ACCT}:cluster:prod"
    out = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["rds:DescribeDBClusters", "rds:DeleteDBCluster", "rds:CreateDBCluster"],
        ResourceArns=[cluster],
    )
    assert_matches_output("iam", "SimulatePrincipalPolicy", out)
    decisions = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    allowed = decisions["rds:DescribeDBClusters"]
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["MatchedStatements"][0]["SourcePolicyId"] == "inline"
    assert allowed["MatchedStatements"][0]["SourcePolicyType"] == "user"
    assert allowed["ResourceSpecificResults"][0]["EvalResourceName"] == cluster
    denied = decisions["rds:DeleteDBCluster"]
    assert denied["EvalDecision"] == "explicitDeny"
    assert denied["MatchedStatements"][0]["SourcePolicyId"] == deny["Policy"]["Arn"]
    assert denied["MatchedStatements"][0]["SourcePolicyType"] == "user-managed"
    assert decisions["rds:CreateDBCluster"]["EvalDecision"] == "implicitDeny"
    # additional policies can be tried without attaching them
    out = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["rds:CreateDBCluster"],
        PolicyInputList=[doc(stmt("Allow", "rds:CreateDBCluster", "*"))],
    )
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    # the simulator is itself an authorized IAM call
    alice = acct.client("iam", principal=ALICE)
    with pytest.raises(AwsError) as info:
        alice.simulate_principal_policy(PolicySourceArn=ALICE, ActionNames=["rds:CreateDBCluster"])
    assert info.value.message.startswith(
        f"User: {ALICE} is not authorized to perform: iam:SimulatePrincipalPolicy"
    )


def test_permissions_boundary_detail(iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=doc(stmt("Allow", "*", "*"))
    )
    boundary = iam.create_policy(
        PolicyName="b", PolicyDocument=doc(stmt("Allow", "rds:Describe*", "*"))
    )
    iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary=boundary["Policy"]["Arn"]
    )
    out = iam.simulate_principal_policy(
        PolicySourceArn=ALICE, ActionNames=["rds:DescribeDBClusters", "iam:CreateUser"]
    )
    assert_matches_output("iam", "SimulatePrincipalPolicy", out)
    describe, create = out["EvaluationResults"]
    assert describe["EvalDecision"] == "allowed"
    assert describe["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert create["EvalDecision"] == "implicitDeny"
    assert create["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # a boundary given in the request replaces the user's
    out = iam.simulate_principal_policy(
        PolicySourceArn=ALICE,
        ActionNames=["iam:CreateUser"],
        PermissionsBoundaryPolicyInputList=[doc(stmt("Allow", "iam:*", "*"))],
    )
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_custom_policy_with_boundary_and_malformed_input(iam: IamClient) -> None:
    out = iam.simulate_custom_policy(
        PolicyInputList=[doc(stmt("Allow", "*", "*"))],
        PermissionsBoundaryPolicyInputList=[doc(stmt("Allow", "ec2:*", "*"))],
        ActionNames=["ec2:DescribeVpcs", "rds:DescribeDBClusters"],
    )
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
    with pytest.raises(AwsError) as info:
        iam.simulate_custom_policy(PolicyInputList=['{"Statement": 1}'], ActionNames=["rds:x"])
    assert info.value.code == "MalformedPolicyDocument"
