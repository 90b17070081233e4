"""The boto3-shaped IAM client: responses, errors, identifiers, secrets."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from aurora_sec.aws.account import Account
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.errors import AwsError
from tests.shape_check import assert_matches_output

from .helpers import doc, stmt

ACCT = "123456789012"
POLICY = doc(stmt("Allow", "rds:Describe*", "*"))
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
_DOCUMENT_KEYS = ("Document", "AssumeRolePolicyDocument", "PolicyDocument")


def shape(operation: str, response: dict[str, Any]) -> None:
    """botocore's shape, with decoded policy documents turned back into strings (boto3 decodes
    them after parsing, so the model says "string" where boto3 hands out a dict)."""
    body = copy.deepcopy(response)

    def encode(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _DOCUMENT_KEYS and isinstance(value, dict):
                    node[key] = json.dumps(value)
                else:
                    encode(value)
        elif isinstance(node, list):
            for item in node:
                encode(item)

    encode(body)
    assert_matches_output("iam", operation, body)


@pytest.fixture
def iam(acct: Account) -> IamClient:
    return acct.client("iam")


def test_users(iam: IamClient) -> None:
    out = iam.create_user(UserName="alice", Path="/dba/", Tags=[{"Key": "team", "Value": "db"}])
    shape("CreateUser", out)
    user = out["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCT}:user/dba/alice"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user["UserId"])
    assert user["Tags"] == [{"Key": "team", "Value": "db"}]
    got = iam.get_user(UserName="alice")
    shape("GetUser", got)
    assert got["User"]["UserId"] == user["UserId"]
    iam.create_user(UserName="bob")
    listed = iam.list_users()
    shape("ListUsers", listed)
    assert [u["UserName"] for u in listed["Users"]] == ["alice", "bob"]
    assert listed["IsTruncated"] is False
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/dba/")["Users"]] == ["alice"]
    page = iam.list_users(MaxItems=1)
    assert page["IsTruncated"] is True
    assert [u["UserName"] for u in iam.list_users(Marker=page["Marker"])["Users"]] == ["bob"]


def test_user_errors(iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    with pytest.raises(AwsError) as info:
        iam.create_user(UserName="ALICE")  # names are unique regardless of case
    assert (info.value.code, info.value.http_status) == ("EntityAlreadyExists", 409)
    assert info.value.message == "User with name ALICE already exists."
    with pytest.raises(AwsError) as info:
        iam.get_user(UserName="bob")
    assert (info.value.code, info.value.http_status) == ("NoSuchEntity", 404)
    assert info.value.message == "The user with name bob cannot be found."
    assert str(info.value).startswith(
        "An error occurred (NoSuchEntity) when calling the GetUser operation"
    )
    with pytest.raises(AwsError, match="regular expression pattern"):
        iam.create_user(UserName="bad name")
    with pytest.raises(AwsError, match="path is invalid"):
        iam.create_user(UserName="carol", Path="nope")


def test_groups(iam: IamClient) -> None:
    shape("CreateGroup", iam.create_group(GroupName="dbas"))
    iam.create_user(UserName="alice")
    shape("AddUserToGroup", iam.add_user_to_group(GroupName="dbas", UserName="alice"))
    got = iam.get_group(GroupName="dbas")
    shape("GetGroup", got)
    assert [u["UserName"] for u in got["Users"]] == ["alice"]
    shape("ListGroups", iam.list_groups())
    groups = iam.list_groups_for_user(UserName="alice")
    shape("ListGroupsForUser", groups)
    assert [g["GroupName"] for g in groups["Groups"]] == ["dbas"]
    with pytest.raises(AwsError, match=re.escape("The group with name nope cannot be found.")):
        iam.add_user_to_group(GroupName="nope", UserName="alice")
    with pytest.raises(AwsError, match="must remove users from group first"):
        iam.delete_group(GroupName="dbas")


def test_roles(iam: IamClient) -> None:
    out = iam.create_role(
        RoleName="rds-monitoring", AssumeRolePolicyDocument=TRUST, Description="d"
    )
    shape("CreateRole", out)
    assert out["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", out["Role"]["RoleId"])
    got = iam.get_role(RoleName="rds-monitoring")
    shape("GetRole", got)
    assert got["Role"]["MaxSessionDuration"] == 3600
    shape("ListRoles", iam.list_roles())
    with pytest.raises(AwsError) as info:
        iam.create_role(RoleName="x", AssumeRolePolicyDocument=doc(stmt("Allow", "rds:*", "*")))
    assert info.value.code == "MalformedPolicyDocument"
    # a trust policy naming a user that does not exist (hashicorp/terraform-provider-aws#8905)
    ghost = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/ghost"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    with pytest.raises(AwsError) as info:
        iam.create_role(RoleName="y", AssumeRolePolicyDocument=ghost)
    assert (
        info.value.message == f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCT}:role/ghost"'
    )
    with pytest.raises(AwsError, match=re.escape("Role with name rds-monitoring already exists.")):
        iam.create_role(RoleName="rds-monitoring", AssumeRolePolicyDocument=TRUST)


def test_managed_policies_and_versions(iam: IamClient) -> None:
    out = iam.create_policy(PolicyName="rds-read", PolicyDocument=POLICY, Description="read")
    shape("CreatePolicy", out)
    arn = out["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{ACCT}:policy/rds-read"
    assert out["Policy"]["DefaultVersionId"] == "v1"
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", out["Policy"]["PolicyId"])
    got = iam.get_policy(PolicyArn=arn)
    shape("GetPolicy", got)
    assert got["Policy"]["Description"] == "read"
    for _ in range(4):
        shape(
            "CreatePolicyVersion", iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
        )
    with pytest.raises(AwsError) as info:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
    assert (info.value.code, info.value.http_status) == ("LimitExceeded", 409)
    assert info.value.message == (
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version."
    )
    with pytest.raises(AwsError, match=re.escape("Cannot delete the default version of a policy.")):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    new = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=doc(stmt("Allow", "rds:*", "*")), SetAsDefault=True
    )
    assert new["PolicyVersion"] == {
        "VersionId": "v6",
        "IsDefaultVersion": True,
        "CreateDate": new["PolicyVersion"]["CreateDate"],
    }
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v6")
    shape("GetPolicyVersion", version)
    assert version["PolicyVersion"]["Document"]["Statement"][0]["Action"] == "rds:*"
    versions = iam.list_policy_versions(PolicyArn=arn)
    shape("ListPolicyVersions", versions)
    assert [v["VersionId"] for v in versions["Versions"]] == ["v6", "v5", "v4", "v3", "v1"]
    with pytest.raises(
        AwsError,
        match=r"A policy called rds-read already exists\. Duplicate names are not allowed\.",
    ):
        iam.create_policy(PolicyName="rds-read", PolicyDocument=POLICY)
    with pytest.raises(AwsError, match="was not found"):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCT}:policy/nope")
    shape("ListPolicies", iam.list_policies(Scope="Local"))
    # malformed documents are refused and not stored
    with pytest.raises(AwsError, match="Policy document must be version"):
        iam.create_policy(
            PolicyName="bad",
            PolicyDocument='{"Statement": {"Effect": "Allow", "Action": "rds:*", "Resource": "*"}}',
        )
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["rds-read"]


def test_policy_size_limits(iam: IamClient) -> None:
    big = doc(stmt("Allow", [f"rds:Describe{i:05d}" for i in range(400)], "*"))
    with pytest.raises(AwsError, match="Cannot exceed quota for PolicySize: 6144"):
        iam.create_policy(PolicyName="big", PolicyDocument=big)
    iam.create_user(UserName="alice")
    with pytest.raises(AwsError, match="Maximum policy size of 2048 bytes exceeded for user alice"):
        iam.put_user_policy(UserName="alice", PolicyName="big", PolicyDocument=big)


def test_attachments_and_inline_policies(iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="dbas")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=POLICY)["Policy"]["Arn"]
    aws = "arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess"
    shape("AttachUserPolicy", iam.attach_user_policy(UserName="alice", PolicyArn=arn))
    iam.attach_user_policy(UserName="alice", PolicyArn=aws)
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    iam.attach_group_policy(GroupName="dbas", PolicyArn=aws)
    attached = iam.list_attached_user_policies(UserName="alice")
    shape("ListAttachedUserPolicies", attached)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [arn, aws]
    shape("ListAttachedRolePolicies", iam.list_attached_role_policies(RoleName="r"))
    shape("ListAttachedGroupPolicies", iam.list_attached_group_policies(GroupName="dbas"))
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    with pytest.raises(AwsError) as info:
        iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
    assert (
        info.value.message
        == "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."
    )
    with pytest.raises(AwsError, match="must detach all policies first"):
        iam.delete_user(UserName="alice")

    shape(
        "PutUserPolicy",
        iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=POLICY),
    )
    iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=POLICY)
    iam.put_group_policy(GroupName="dbas", PolicyName="inline", PolicyDocument=POLICY)
    got = iam.get_user_policy(UserName="alice", PolicyName="inline")
    shape("GetUserPolicy", got)
    assert got["PolicyDocument"] == json.loads(POLICY)
    shape("GetRolePolicy", iam.get_role_policy(RoleName="r", PolicyName="inline"))
    shape("GetGroupPolicy", iam.get_group_policy(GroupName="dbas", PolicyName="inline"))
    names = iam.list_user_policies(UserName="alice")
    shape("ListUserPolicies", names)
    assert names["PolicyNames"] == ["inline"]
    with pytest.raises(
        AwsError, match=re.escape("The user policy with name nope cannot be found.")
    ):
        iam.get_user_policy(UserName="alice", PolicyName="nope")
    with pytest.raises(AwsError) as info:
        iam.put_user_policy(
            UserName="alice", PolicyName="x", PolicyDocument=doc(stmt("Allow", "rds:*", None))
        )
    assert info.value.message == "Policy statement must contain resources."
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["inline"]


def test_permissions_boundaries(iam: IamClient) -> None:
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_user(UserName="alice")
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    user = iam.get_user(UserName="alice")["User"]
    assert user["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": arn,
    }
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=arn)
    iam.delete_user_permissions_boundary(UserName="alice")
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]


def test_access_keys_and_secrets(acct: Account, iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    out = iam.create_access_key(UserName="alice")
    shape("CreateAccessKey", out)
    key = out["AccessKey"]
    secret = key["SecretAccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", secret)
    listed = iam.list_access_keys(UserName="alice")
    shape("ListAccessKeys", listed)
    assert "SecretAccessKey" not in listed["AccessKeyMetadata"][0]
    iam.create_access_key(UserName="alice")
    with pytest.raises(AwsError, match="Cannot exceed quota for AccessKeysPerUser: 2"):
        iam.create_access_key(UserName="alice")
    # the secret appears nowhere else: reprs of the state, other responses, errors
    record = acct.iam.access_keys[key["AccessKeyId"]]
    for text in (repr(record), str(record), repr(acct.iam.__dict__), repr(listed), repr(iam)):
        assert secret not in text
    with pytest.raises(AwsError) as info:
        iam.update_access_key(UserName="alice", AccessKeyId="AKIANOPENOPENOPE", Status="Inactive")
    assert info.value.message == "The Access Key with id AKIANOPENOPENOPE cannot be found."
    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"


def test_login_profiles_keep_no_password(acct: Account, iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    out = iam.create_login_profile(
        UserName="alice", Password="Correct-Horse-9", PasswordResetRequired=True
    )
    shape("CreateLoginProfile", out)
    assert out["LoginProfile"]["PasswordResetRequired"] is True
    shape("GetLoginProfile", iam.get_login_profile(UserName="alice"))
    with pytest.raises(AwsError, match=re.escape("Login Profile for user alice already exists.")):
        iam.create_login_profile(UserName="alice", Password="x")
    profile = acct.iam.login_profiles["alice"]
    assert "Correct-Horse-9" not in repr(profile)
    assert b"Correct-Horse-9" not in profile.digest
    with pytest.raises(AwsError) as info:
        iam.get_login_profile(UserName="bob")
    assert info.value.code == "NoSuchEntity"
    iam.create_user(UserName="bob")
    with pytest.raises(AwsError, match=re.escape("Login Profile for User bob cannot be found.")):
        iam.get_login_profile(UserName="bob")


def test_secrets_in_parameter_errors_are_redacted(iam: IamClient) -> None:
    from aurora_sec.errors import ParamValidationError

    with pytest.raises(ParamValidationError) as info:
        iam.create_login_profile(UserName="alice", Password=12345678)
    assert "12345678" not in str(info.value)


def test_deterministic_ids() -> None:
    def ids() -> list[str]:
        a = Account(seed=7)
        c = a.client("iam")
        return [
            c.create_user(UserName="u")["User"]["UserId"],
            c.create_access_key(UserName="u")["AccessKey"]["AccessKeyId"],
            c.create_access_key(UserName="u")["AccessKey"]["SecretAccessKey"],
        ]

    assert ids() == ids()
    assert ids() != Account(seed=8).client("iam").create_user(UserName="u")["User"]["UserId"]


def test_aws_managed_policies(iam: IamClient) -> None:
    got = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    shape("GetPolicy", got)
    listed = [p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    assert "AmazonRDSReadOnlyAccess" in listed and "AdministratorAccess" in listed
    with pytest.raises(AwsError):
        iam.create_policy_version(
            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess", PolicyDocument=POLICY
        )


def test_get_user_defaults_to_the_caller(acct: Account, iam: IamClient) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=doc(stmt("Allow", "iam:*", "*"))
    )
    alice = acct.client("iam", principal=f"arn:aws:iam::{ACCT}:user/alice")
    assert alice.get_user()["User"]["UserName"] == "alice"
    assert alice.create_access_key()["AccessKey"]["UserName"] == "alice"
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCT}:root"
