"""The IAM state as frozen records: users, groups, roles, managed policies, keys, logins.

Records are replaced (``attrs.evolve``), never mutated. Secrets stay out of every repr: an
access key's secret is a :class:`~aurora_sec.secrets.Secret` and a login password is kept only
as a salted HMAC-SHA256 digest.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

import attrs

from aurora_sec.aws.iam.policy import Policy
from aurora_sec.secrets import Secret

__all__ = [
    "AccessKey",
    "Group",
    "InlinePolicy",
    "LoginProfile",
    "ManagedPolicy",
    "PolicyVersion",
    "Role",
    "Tags",
    "User",
]

Tags = tuple[tuple[str, str], ...]
EntityKind = Literal["user", "group", "role"]


@attrs.frozen
class User:
    name: str
    path: str
    user_id: str
    arn: str
    create_date: _dt.datetime
    tags: Tags = ()
    boundary_arn: str | None = None


@attrs.frozen
class Group:
    name: str
    path: str
    group_id: str
    arn: str
    create_date: _dt.datetime


@attrs.frozen
class Role:
    name: str
    path: str
    role_id: str
    arn: str
    create_date: _dt.datetime
    trust_policy: Policy = attrs.field(repr=False)
    description: str | None = None
    max_session_duration: int = 3600
    tags: Tags = ()
    boundary_arn: str | None = None


@attrs.frozen
class PolicyVersion:
    version_id: str
    policy: Policy = attrs.field(repr=False)
    create_date: _dt.datetime

    @property
    def document(self) -> str:
        return self.policy.document


@attrs.frozen
class ManagedPolicy:
    name: str
    path: str
    policy_id: str
    arn: str
    create_date: _dt.datetime
    update_date: _dt.datetime
    default_version_id: str
    versions: tuple[PolicyVersion, ...]
    next_version: int = 2
    description: str | None = None
    tags: Tags = ()
    aws_managed: bool = False

    @property
    def default(self) -> PolicyVersion:
        for v in self.versions:
            if v.version_id == self.default_version_id:
                return v
        raise LookupError(self.default_version_id)  # pragma: no cover - kept consistent

    def version(self, version_id: str) -> PolicyVersion | None:
        for v in self.versions:
            if v.version_id == version_id:
                return v
        return None


@attrs.frozen
class InlinePolicy:
    name: str
    policy: Policy = attrs.field(repr=False)


@attrs.frozen
class AccessKey:
    access_key_id: str
    user_name: str
    secret: Secret = attrs.field(repr=False)
    create_date: _dt.datetime
    status: Literal["Active", "Inactive"] = "Active"


@attrs.frozen
class LoginProfile:
    user_name: str
    create_date: _dt.datetime
    salt: bytes = attrs.field(repr=False)
    digest: bytes = attrs.field(repr=False)
    password_reset_required: bool = False
