"""The boto3-shaped IAM client: ``acct.client("iam")``.

Method names, parameters, response keys and error codes are boto3's (responses are checked
against botocore's output shapes in the tests). As in boto3, policy documents in responses
(``PolicyVersion.Document``, ``Role.AssumeRolePolicyDocument``, ``PolicyDocument``) are
already decoded into dicts (botocore's ``json_decode_policies`` handler does that for the real
service). ``CreateAccessKey`` is the only response that ever holds a ``SecretAccessKey``.

List operations page with ``Marker``/``MaxItems`` and always answer ``IsTruncated``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, Literal

from aurora_sec.aws._generated import iam_shapes
from aurora_sec.aws.api import BaseClient, Params, operation
from aurora_sec.aws.iam.backend import IamBackend, iam_error
from aurora_sec.aws.iam.evaluate import PolicySet
from aurora_sec.aws.iam.models import Group, ManagedPolicy, PolicyVersion, Role, Tags, User
from aurora_sec.aws.iam.simulate import context_from_entries, input_policies, simulate

__all__ = ["IamClient"]

Response = dict[str, Any]


def _tag_list(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags]


def _boundary(arn: str | None) -> dict[str, str]:
    return {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": arn or "",
    }


def _user(user: User) -> Response:
    out: Response = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
    }
    if user.boundary_arn:
        out["PermissionsBoundary"] = _boundary(user.boundary_arn)
    if user.tags:
        out["Tags"] = _tag_list(user.tags)
    return out


def _group(group: Group) -> Response:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.create_date,
    }


def _role(role: Role, *, full: bool) -> Response:
    out: Response = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": json.loads(role.trust_policy.document),
    }
    if role.description is not None:
        out["Description"] = role.description
    if full:
        out["MaxSessionDuration"] = role.max_session_duration
    if role.boundary_arn:
        out["PermissionsBoundary"] = _boundary(role.boundary_arn)
    if role.tags:
        out["Tags"] = _tag_list(role.tags)
    if full:
        out["RoleLastUsed"] = {}
    return out


def _version(version: PolicyVersion, default_id: str, *, document: bool) -> Response:
    out: Response = {}
    if document:
        out["Document"] = json.loads(version.document)
    out["VersionId"] = version.version_id
    out["IsDefaultVersion"] = version.version_id == default_id
    out["CreateDate"] = version.create_date
    return out


def _page(items: Sequence[Any], p: Params, key: str) -> Response:
    """IAM's Marker/MaxItems paging (MaxItems default 100)."""
    start = 0
    if p.get("Marker"):
        try:
            start = int(base64.urlsafe_b64decode(p["Marker"].encode()).decode())
        except ValueError:
            # UNCONFIRMED wording
            raise iam_error("InvalidInput", f"Invalid Marker: {p['Marker']}") from None
    size = p.get("MaxItems", 100)
    page = list(items[start : start + size])
    end = start + len(page)
    out: Response = {key: page, "IsTruncated": end < len(items)}
    if end < len(items):
        out["Marker"] = base64.urlsafe_b64encode(str(end).encode()).decode()
    return out


class IamClient(BaseClient):
    """AWS Identity and Access Management, as boto3's ``iam`` client presents it."""

    service_name = "iam"
    _shapes = iam_shapes

    @property
    def _iam(self) -> IamBackend:
        return self._account.iam

    def _policy(self, policy: ManagedPolicy, *, description: bool) -> Response:
        out: Response = {
            "PolicyName": policy.name,
            "PolicyId": policy.policy_id,
            "Arn": policy.arn,
            "Path": policy.path,
            "DefaultVersionId": policy.default_version_id,
            "AttachmentCount": self._iam.attachment_count(policy.arn),
            "PermissionsBoundaryUsageCount": self._iam.boundary_usage_count(policy.arn),
            "IsAttachable": True,
        }
        if description and policy.description is not None:
            out["Description"] = policy.description
        out["CreateDate"] = policy.create_date
        out["UpdateDate"] = policy.update_date
        if policy.tags:
            out["Tags"] = _tag_list(policy.tags)
        return out

    def _caller_user(self, p: Params) -> str:
        """``UserName``, or the calling user's own name (IAM's default)."""
        if p.get("UserName"):
            return str(p["UserName"])
        caller = self._account.iam.resolve(self.principal) if self.principal else None
        if caller is not None and caller.kind == "user":
            return caller.name
        raise iam_error(
            "ValidationError", "Must specify userName when calling with non-User credentials"
        )

    # ------------------------------------------------------------------- users ------

    @operation("CreateUser")
    def create_user(self, p: Params) -> Response:
        user = self._iam.create_user(
            p["UserName"], p.get("Path", "/"), p.get("Tags"), p.get("PermissionsBoundary")
        )
        return {"User": _user(user)}

    @operation("GetUser")
    def get_user(self, p: Params) -> Response:
        if not p.get("UserName"):
            caller = self._iam.resolve(self.principal) if self.principal else None
            if caller is None or caller.kind == "root":
                acct = self._account
                # The root user: no UserName and no Path, as AWS answers for root.
                return {
                    "User": {
                        "UserId": acct.account_id,
                        "Arn": f"arn:{acct.partition}:iam::{acct.account_id}:root",
                        "CreateDate": self._iam.now,
                    }
                }
        return {"User": _user(self._iam.get_user(self._caller_user(p)))}

    @operation("ListUsers")
    def list_users(self, p: Params) -> Response:
        users = self._iam.list_users(p.get("PathPrefix", "/"))
        out = _page(users, p, "Users")
        out["Users"] = [{k: v for k, v in _user(u).items() if k != "Tags"} for u in out["Users"]]
        return out

    @operation("DeleteUser")
    def delete_user(self, p: Params) -> Response:
        self._iam.delete_user(p["UserName"])
        return {}

    @operation("TagUser")
    def tag_user(self, p: Params) -> Response:
        self._iam.tag_user(p["UserName"], p["Tags"])
        return {}

    # ------------------------------------------------------------------ groups ------

    @operation("CreateGroup")
    def create_group(self, p: Params) -> Response:
        return {"Group": _group(self._iam.create_group(p["GroupName"], p.get("Path", "/")))}

    @operation("GetGroup")
    def get_group(self, p: Params) -> Response:
        group = self._iam.get_group(p["GroupName"])
        out = _page(self._iam.group_members(group.name), p, "Users")
        return {"Group": _group(group), "Users": [_user(u) for u in out.pop("Users")], **out}

    @operation("ListGroups")
    def list_groups(self, p: Params) -> Response:
        out = _page(self._iam.list_groups(p.get("PathPrefix", "/")), p, "Groups")
        out["Groups"] = [_group(g) for g in out["Groups"]]
        return out

    @operation("DeleteGroup")
    def delete_group(self, p: Params) -> Response:
        self._iam.delete_group(p["GroupName"])
        return {}

    @operation("AddUserToGroup")
    def add_user_to_group(self, p: Params) -> Response:
        self._iam.add_user_to_group(p["GroupName"], p["UserName"])
        return {}

    @operation("RemoveUserFromGroup")
    def remove_user_from_group(self, p: Params) -> Response:
        self._iam.remove_user_from_group(p["GroupName"], p["UserName"])
        return {}

    @operation("ListGroupsForUser")
    def list_groups_for_user(self, p: Params) -> Response:
        out = _page(self._iam.groups_for_user(p["UserName"]), p, "Groups")
        out["Groups"] = [_group(g) for g in out["Groups"]]
        return out

    # ------------------------------------------------------------------- roles ------

    @operation("CreateRole")
    def create_role(self, p: Params) -> Response:
        role = self._iam.create_role(
            p["RoleName"],
            p["AssumeRolePolicyDocument"],
            path=p.get("Path", "/"),
            description=p.get("Description"),
            max_session_duration=p.get("MaxSessionDuration", 3600),
            tags=p.get("Tags"),
            boundary=p.get("PermissionsBoundary"),
        )
        return {"Role": _role(role, full=False)}

    @operation("GetRole")
    def get_role(self, p: Params) -> Response:
        return {"Role": _role(self._iam.get_role(p["RoleName"]), full=True)}

    @operation("ListRoles")
    def list_roles(self, p: Params) -> Response:
        out = _page(self._iam.list_roles(p.get("PathPrefix", "/")), p, "Roles")
        out["Roles"] = [
            {
                k: v
                for k, v in _role(r, full=True).items()
                if k not in ("Tags", "RoleLastUsed", "PermissionsBoundary")
            }
            for r in out["Roles"]
        ]
        return out

    @operation("DeleteRole")
    def delete_role(self, p: Params) -> Response:
        self._iam.delete_role(p["RoleName"])
        return {}

    # -------------------------------------------------------- managed policies ------

    @operation("CreatePolicy")
    def create_policy(self, p: Params) -> Response:
        policy = self._iam.create_policy(
            p["PolicyName"],
            p["PolicyDocument"],
            path=p.get("Path", "/"),
            description=p.get("Description"),
            tags=p.get("Tags"),
        )
        return {"Policy": self._policy(policy, description=False)}

    @operation("GetPolicy")
    def get_policy(self, p: Params) -> Response:
        return {"Policy": self._policy(self._iam.get_policy(p["PolicyArn"]), description=True)}

    @operation("ListPolicies")
    def list_policies(self, p: Params) -> Response:
        policies = self._iam.list_policies(
            p.get("Scope", "All"), bool(p.get("OnlyAttached", False)), p.get("PathPrefix", "/")
        )
        out = _page(policies, p, "Policies")
        out["Policies"] = [
            {k: v for k, v in self._policy(x, description=False).items() if k != "Tags"}
            for x in out["Policies"]
        ]
        return out

    @operation("DeletePolicy")
    def delete_policy(self, p: Params) -> Response:
        self._iam.delete_policy(p["PolicyArn"])
        return {}

    @operation("CreatePolicyVersion")
    def create_policy_version(self, p: Params) -> Response:
        version = self._iam.create_policy_version(
            p["PolicyArn"], p["PolicyDocument"], bool(p.get("SetAsDefault", False))
        )
        policy = self._iam.get_policy(p["PolicyArn"])
        return {"PolicyVersion": _version(version, policy.default_version_id, document=False)}

    @operation("GetPolicyVersion")
    def get_policy_version(self, p: Params) -> Response:
        policy, version = self._iam.get_policy_version(p["PolicyArn"], p["VersionId"])
        return {"PolicyVersion": _version(version, policy.default_version_id, document=True)}

    @operation("ListPolicyVersions")
    def list_policy_versions(self, p: Params) -> Response:
        policy = self._iam.get_policy(p["PolicyArn"])
        versions = sorted(policy.versions, key=lambda v: int(v.version_id[1:]), reverse=True)
        out = _page(versions, p, "Versions")
        out["Versions"] = [
            _version(v, policy.default_version_id, document=False) for v in out["Versions"]
        ]
        return out

    @operation("DeletePolicyVersion")
    def delete_policy_version(self, p: Params) -> Response:
        self._iam.delete_policy_version(p["PolicyArn"], p["VersionId"])
        return {}

    @operation("SetDefaultPolicyVersion")
    def set_default_policy_version(self, p: Params) -> Response:
        self._iam.set_default_policy_version(p["PolicyArn"], p["VersionId"])
        return {}

    # ------------------------------------------------------------- attachments ------

    def _attached(self, kind: Literal["user", "group", "role"], name: str, p: Params) -> Response:
        policies = self._iam.attached_policies(kind, name)
        prefix = p.get("PathPrefix", "/")
        out = _page([x for x in policies if x.path.startswith(prefix)], p, "AttachedPolicies")
        out["AttachedPolicies"] = [
            {"PolicyName": x.name, "PolicyArn": x.arn} for x in out["AttachedPolicies"]
        ]
        return out

    @operation("AttachUserPolicy")
    def attach_user_policy(self, p: Params) -> Response:
        self._iam.attach("user", p["UserName"], p["PolicyArn"])
        return {}

    @operation("AttachRolePolicy")
    def attach_role_policy(self, p: Params) -> Response:
        self._iam.attach("role", p["RoleName"], p["PolicyArn"])
        return {}

    @operation("AttachGroupPolicy")
    def attach_group_policy(self, p: Params) -> Response:
        self._iam.attach("group", p["GroupName"], p["PolicyArn"])
        return {}

    @operation("DetachUserPolicy")
    def detach_user_policy(self, p: Params) -> Response:
        self._iam.detach("user", p["UserName"], p["PolicyArn"])
        return {}

    @operation("DetachRolePolicy")
    def detach_role_policy(self, p: Params) -> Response:
        self._iam.detach("role", p["RoleName"], p["PolicyArn"])
        return {}

    @operation("DetachGroupPolicy")
    def detach_group_policy(self, p: Params) -> Response:
        self._iam.detach("group", p["GroupName"], p["PolicyArn"])
        return {}

    @operation("ListAttachedUserPolicies")
    def list_attached_user_policies(self, p: Params) -> Response:
        return self._attached("user", p["UserName"], p)

    @operation("ListAttachedRolePolicies")
    def list_attached_role_policies(self, p: Params) -> Response:
        return self._attached("role", p["RoleName"], p)

    @operation("ListAttachedGroupPolicies")
    def list_attached_group_policies(self, p: Params) -> Response:
        return self._attached("group", p["GroupName"], p)

    # --------------------------------------------------------- inline policies ------

    @operation("PutUserPolicy")
    def put_user_policy(self, p: Params) -> Response:
        self._iam.put_inline("user", p["UserName"], p["PolicyName"], p["PolicyDocument"])
        return {}

    @operation("PutRolePolicy")
    def put_role_policy(self, p: Params) -> Response:
        self._iam.put_inline("role", p["RoleName"], p["PolicyName"], p["PolicyDocument"])
        return {}

    @operation("PutGroupPolicy")
    def put_group_policy(self, p: Params) -> Response:
        self._iam.put_inline("group", p["GroupName"], p["PolicyName"], p["PolicyDocument"])
        return {}

    def _inline(self, kind: Literal["user", "group", "role"], key: str, p: Params) -> Response:
        entity = self._iam._entity(kind, p[key])
        found = self._iam.get_inline(kind, p[key], p["PolicyName"])
        return {
            key: entity.name,
            "PolicyName": found.name,
            "PolicyDocument": json.loads(found.policy.document),
        }

    @operation("GetUserPolicy")
    def get_user_policy(self, p: Params) -> Response:
        return self._inline("user", "UserName", p)

    @operation("GetRolePolicy")
    def get_role_policy(self, p: Params) -> Response:
        return self._inline("role", "RoleName", p)

    @operation("GetGroupPolicy")
    def get_group_policy(self, p: Params) -> Response:
        return self._inline("group", "GroupName", p)

    @operation("ListUserPolicies")
    def list_user_policies(self, p: Params) -> Response:
        return _page(self._iam.list_inline("user", p["UserName"]), p, "PolicyNames")

    @operation("ListRolePolicies")
    def list_role_policies(self, p: Params) -> Response:
        return _page(self._iam.list_inline("role", p["RoleName"]), p, "PolicyNames")

    @operation("ListGroupPolicies")
    def list_group_policies(self, p: Params) -> Response:
        return _page(self._iam.list_inline("group", p["GroupName"]), p, "PolicyNames")

    @operation("DeleteUserPolicy")
    def delete_user_policy(self, p: Params) -> Response:
        self._iam.delete_inline("user", p["UserName"], p["PolicyName"])
        return {}

    @operation("DeleteRolePolicy")
    def delete_role_policy(self, p: Params) -> Response:
        self._iam.delete_inline("role", p["RoleName"], p["PolicyName"])
        return {}

    @operation("DeleteGroupPolicy")
    def delete_group_policy(self, p: Params) -> Response:
        self._iam.delete_inline("group", p["GroupName"], p["PolicyName"])
        return {}

    # --------------------------------------------------------------- boundaries ------

    @operation("PutUserPermissionsBoundary")
    def put_user_permissions_boundary(self, p: Params) -> Response:
        self._iam.put_boundary("user", p["UserName"], p["PermissionsBoundary"])
        return {}

    @operation("PutRolePermissionsBoundary")
    def put_role_permissions_boundary(self, p: Params) -> Response:
        self._iam.put_boundary("role", p["RoleName"], p["PermissionsBoundary"])
        return {}

    @operation("DeleteUserPermissionsBoundary")
    def delete_user_permissions_boundary(self, p: Params) -> Response:
        self._iam.put_boundary("user", p["UserName"], None)
        return {}

    @operation("DeleteRolePermissionsBoundary")
    def delete_role_permissions_boundary(self, p: Params) -> Response:
        self._iam.put_boundary("role", p["RoleName"], None)
        return {}

    # -------------------------------------------------------------- access keys ------

    @operation("CreateAccessKey")
    def create_access_key(self, p: Params) -> Response:
        key, secret = self._iam.create_access_key(self._caller_user(p))
        return {
            "AccessKey": {
                "UserName": key.user_name,
                "AccessKeyId": key.access_key_id,
                "Status": key.status,
                "SecretAccessKey": secret,
                "CreateDate": key.create_date,
            }
        }

    @operation("ListAccessKeys")
    def list_access_keys(self, p: Params) -> Response:
        out = _page(self._iam.list_access_keys(self._caller_user(p)), p, "AccessKeyMetadata")
        out["AccessKeyMetadata"] = [
            {
                "UserName": k.user_name,
                "AccessKeyId": k.access_key_id,
                "Status": k.status,
                "CreateDate": k.create_date,
            }
            for k in out["AccessKeyMetadata"]
        ]
        return out

    @operation("UpdateAccessKey")
    def update_access_key(self, p: Params) -> Response:
        self._iam.update_access_key(self._caller_user(p), p["AccessKeyId"], p["Status"])
        return {}

    @operation("DeleteAccessKey")
    def delete_access_key(self, p: Params) -> Response:
        self._iam.delete_access_key(self._caller_user(p), p["AccessKeyId"])
        return {}

    # ----------------------------------------------------------- login profiles ------

    @operation("CreateLoginProfile")
    def create_login_profile(self, p: Params) -> Response:
        if not p.get("UserName") or not p.get("Password"):
            # UNCONFIRMED: CreateLoginProfile without a user/password (passwordless root
            # management) is not emulated.
            raise iam_error("ValidationError", "UserName and Password are required.")
        profile = self._iam.create_login_profile(
            p["UserName"], p["Password"], bool(p.get("PasswordResetRequired", False))
        )
        return {"LoginProfile": self._profile(profile)}

    @staticmethod
    def _profile(profile: Any) -> Response:
        return {
            "UserName": profile.user_name,
            "CreateDate": profile.create_date,
            "PasswordResetRequired": profile.password_reset_required,
        }

    @operation("GetLoginProfile")
    def get_login_profile(self, p: Params) -> Response:
        return {"LoginProfile": self._profile(self._iam.get_login_profile(self._caller_user(p)))}

    @operation("DeleteLoginProfile")
    def delete_login_profile(self, p: Params) -> Response:
        self._iam.delete_login_profile(self._caller_user(p))
        return {}

    # ---------------------------------------------------------------- simulator ------

    def _source_policies(self, arn: str) -> PolicySet:
        acct = self._account
        prefix = f"arn:{acct.partition}:iam::{acct.account_id}:"
        kind, _, rest = arn.removeprefix(prefix).partition("/")
        name = rest.rsplit("/", 1)[-1]
        if arn.startswith(prefix) and name:
            if kind == "user":
                return self._iam.policy_set("user", name)
            if kind == "group":
                return self._iam.policy_set("group", name)
            if kind == "role":
                return self._iam.policy_set("role", name)
        # UNCONFIRMED wording
        raise iam_error("InvalidInput", f"Invalid ARN: {arn}")

    @operation("SimulatePrincipalPolicy")
    def simulate_principal_policy(self, p: Params) -> Response:
        base = self._source_policies(p["PolicySourceArn"])
        identity = base.identity + input_policies(p.get("PolicyInputList"), "PolicyInputList")
        boundary = base.boundary
        extra = input_policies(
            p.get("PermissionsBoundaryPolicyInputList"), "PermissionsBoundaryPolicyInputList"
        )
        if extra:
            boundary = extra
        return self._simulate(PolicySet(identity, boundary), p)

    @operation("SimulateCustomPolicy")
    def simulate_custom_policy(self, p: Params) -> Response:
        identity = input_policies(p["PolicyInputList"], "PolicyInputList")
        boundary_docs = p.get("PermissionsBoundaryPolicyInputList")
        boundary = (
            input_policies(boundary_docs, "PermissionsBoundaryPolicyInputList")
            if boundary_docs
            else None
        )
        return self._simulate(PolicySet(identity, boundary), p)

    def _simulate(self, policies: PolicySet, p: Params) -> Response:
        context = context_from_entries(p.get("ContextEntries"))
        results = simulate(policies, p["ActionNames"], p.get("ResourceArns"), context)
        return _page(results, p, "EvaluationResults")
