"""The IAM state of one account and the rules that change it.

Every public method either raises an :class:`~aurora_sec.errors.AwsError` having changed
nothing, or makes its whole change (and bumps :attr:`IamBackend.generation`, which invalidates
the cached policy sets of principals). Errors carry IAM's codes, HTTP statuses and wording:
``NoSuchEntity`` (404) "The user with name bob cannot be found.", ``EntityAlreadyExists`` (409)
"User with name alice already exists.", ``LimitExceeded`` (409) "A managed policy can have up
to 5 versions. Before you create a new version, you must delete an existing version.",
``DeleteConflict`` (409) "Cannot delete entity, must detach all policies first.",
``MalformedPolicyDocument`` (400). Sources: the IAM API reference error lists and the texts
quoted in public issue threads; where no text was found the choice is marked UNCONFIRMED here
and in docs/fidelity.md.

Identifiers are deterministic (``AIDA``/``AGPA``/``AROA``/``ANPA`` + 17, ``AKIA`` + 16
characters, drawn from the account's seeded id generator). Secrets: an access key's secret is
returned once by :meth:`IamBackend.create_access_key` and kept as a
:class:`~aurora_sec.secrets.Secret`; a login password is kept only as a salted HMAC-SHA256.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from aurora_sec.aws._generated import iam_shapes
from aurora_sec.aws.iam.aws_managed import AWS_MANAGED
from aurora_sec.aws.iam.evaluate import PolicySet, SourcedPolicy
from aurora_sec.aws.iam.models import (
    AccessKey,
    Group,
    InlinePolicy,
    LoginProfile,
    ManagedPolicy,
    PolicyVersion,
    Role,
    Tags,
    User,
)
from aurora_sec.aws.iam.policy import Policy, malformed, parse_policy
from aurora_sec.errors import AwsError
from aurora_sec.secrets import Secret

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["Caller", "IamBackend", "iam_error"]

EntityKind = Literal["user", "group", "role"]

MAX_POLICY_VERSIONS: Final = 5
MAX_ACCESS_KEYS: Final = 2
MAX_ATTACHED: Final = 10
MAX_GROUPS_PER_USER: Final = 10
#: Aggregate inline policy size per entity, and managed policy size (whitespace not counted).
INLINE_LIMITS: Final = {"user": 2048, "group": 5120, "role": 10240}
MANAGED_LIMIT: Final = 6144
#: The session name a role principal given as ``arn:...:role/x`` runs under (UNCONFIRMED).
DEFAULT_SESSION: Final = "aurora-sec"

_NAME_RE: Final = re.compile(r"[\w+=,.@-]+")
_PATH_RE: Final = re.compile(r"(/)|(/[\x21-\x7e]+/)")
_ID_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SECRET_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NAME_LIMITS: Final = {"user": 64, "group": 128, "role": 64, "policy": 128}
_WHITESPACE: Final = re.compile(r"\s+")


def iam_error(code: str, message: str) -> AwsError:
    """An IAM error with the HTTP status botocore's model gives ``code``."""
    return AwsError(code, message, http_status=iam_shapes.ERRORS.get(code, 400))


def _validation(member: str, value: str, constraint: str) -> AwsError:
    return AwsError(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
        http_status=400,
    )


def _check_name(kind: str, member: str, name: str) -> None:
    if len(name) > _NAME_LIMITS[kind]:
        raise _validation(
            member, name, f"Member must have length less than or equal to {_NAME_LIMITS[kind]}"
        )
    if not _NAME_RE.fullmatch(name):
        raise _validation(
            member, name, r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
        )


def _check_path(path: str) -> None:
    if len(path) > 512 or not _PATH_RE.fullmatch(path):
        raise AwsError(
            "ValidationError",
            "The specified value for path is invalid. It must begin and end with / and contain "
            "only alphanumeric characters and/or / characters.",
            http_status=400,
        )


def _size(document: str) -> int:
    return len(_WHITESPACE.sub("", document))


def _tags(items: Iterable[Mapping[str, Any]] | None) -> Tags:
    return tuple((str(t.get("Key", "")), str(t.get("Value", ""))) for t in items or ())


@attrs.frozen
class Caller:
    """A resolved calling principal: who it is, what decides for it, its context keys."""

    #: The ARN AWS prints after ``User:`` (a user, ``...:assumed-role/R/session``, or root).
    arn: str
    kind: Literal["root", "user", "role"]
    #: ``aws:PrincipalArn``: the user, the role (not the session), or the root ARN.
    principal_arn: str
    policies: PolicySet
    context: Mapping[str, tuple[str, ...]]
    name: str = ""


class IamBackend:
    """Users, groups, roles, managed and inline policies, access keys, login profiles."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.roles: dict[str, Role] = {}
        self.policies: dict[str, ManagedPolicy] = {}
        self.inline: dict[tuple[EntityKind, str], dict[str, InlinePolicy]] = {}
        self.attached: dict[tuple[EntityKind, str], list[str]] = {}
        self.members: dict[str, list[str]] = {}
        self.access_keys: dict[str, AccessKey] = {}
        self.login_profiles: dict[str, LoginProfile] = {}
        #: Bumped by every change; cached principals are keyed by it.
        self.generation = 0
        self._callers: dict[str, tuple[int, Caller | None]] = {}
        self._time: tuple[_dt.datetime, dict[str, tuple[str, ...]]] | None = None

    # ----------------------------------------------------------------- helpers ------

    @property
    def now(self) -> _dt.datetime:
        """The account's clock (the RDS backend's ``now``, which tests may set)."""
        return self._account.rds.now

    def time_context(self) -> Mapping[str, tuple[str, ...]]:
        """``aws:CurrentTime`` and ``aws:EpochTime`` from the account's clock."""
        now = self.now
        cached = self._time
        if cached is None or cached[0] != now:
            iso = now.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            cached = self._time = (
                now,
                {"aws:currenttime": (iso,), "aws:epochtime": (str(int(now.timestamp())),)},
            )
        return cached[1]

    def _changed(self) -> None:
        self.generation += 1
        self._callers.clear()

    def _id(self, prefix: str, length: int) -> str:
        raw = self._account.ids.token("iam-" + prefix, 32)
        return prefix + "".join(_ID_ALPHABET[b % 32] for b in raw[:length])

    def _arn(self, kind: str, path: str, name: str) -> str:
        return f"arn:{self._account.partition}:iam::{self._account.account_id}:{kind}{path}{name}"

    def find(self, kind: str, name: str) -> User | Group | Role | None:
        """A user, group or role by name (case-insensitive), or None."""
        table: Mapping[str, User | Group | Role] = (
            self.users if kind == "user" else self.groups if kind == "group" else self.roles
        )
        return table.get(name.lower())

    def get_user(self, name: str) -> User:
        user = self.users.get(name.lower())
        if user is None:
            raise iam_error("NoSuchEntity", f"The user with name {name} cannot be found.")
        return user

    def get_group(self, name: str) -> Group:
        group = self.groups.get(name.lower())
        if group is None:
            raise iam_error("NoSuchEntity", f"The group with name {name} cannot be found.")
        return group

    def get_role(self, name: str) -> Role:
        role = self.roles.get(name.lower())
        if role is None:
            raise iam_error("NoSuchEntity", f"The role with name {name} cannot be found.")
        return role

    def _entity(self, kind: EntityKind, name: str) -> User | Group | Role:
        if kind == "user":
            return self.get_user(name)
        if kind == "group":
            return self.get_group(name)
        return self.get_role(name)

    # ------------------------------------------------------------------- users ------

    def create_user(
        self,
        name: str,
        path: str = "/",
        tags: Sequence[Mapping[str, Any]] | None = None,
        boundary: str | None = None,
    ) -> User:
        _check_name("user", "userName", name)
        _check_path(path)
        if name.lower() in self.users:
            raise iam_error("EntityAlreadyExists", f"User with name {name} already exists.")
        if boundary is not None:
            self._attachable(boundary)
        user = User(
            name=name,
            path=path,
            user_id=self._id("AIDA", 17),
            arn=self._arn("user", path, name),
            create_date=self.now,
            tags=_tags(tags),
            boundary_arn=boundary,
        )
        self.users[name.lower()] = user
        self._changed()
        return user

    def list_users(self, path_prefix: str = "/") -> list[User]:
        return sorted(
            (u for u in self.users.values() if u.path.startswith(path_prefix)),
            key=lambda u: u.name.lower(),
        )

    def tag_user(self, name: str, tags: Sequence[Mapping[str, Any]]) -> None:
        user = self.get_user(name)
        merged = dict(user.tags)
        merged.update(_tags(tags))
        self.users[name.lower()] = attrs.evolve(user, tags=tuple(merged.items()))
        self._changed()

    def delete_user(self, name: str) -> None:
        user = self.get_user(name)
        key = user.name.lower()
        if key in self.login_profiles:
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must delete login profile first."
            )
        if any(k.user_name.lower() == key for k in self.access_keys.values()):
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must delete access keys first."
            )
        if self.inline.get(("user", key)):
            raise iam_error("DeleteConflict", "Cannot delete entity, must delete policies first.")
        if self.attached.get(("user", key)):
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must detach all policies first."
            )
        if any(key in members for members in self.members.values()):
            # UNCONFIRMED wording
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must remove user from all groups first."
            )
        del self.users[key]
        self.inline.pop(("user", key), None)
        self.attached.pop(("user", key), None)
        self._changed()

    # ------------------------------------------------------------------ groups ------

    def create_group(self, name: str, path: str = "/") -> Group:
        _check_name("group", "groupName", name)
        _check_path(path)
        if name.lower() in self.groups:
            raise iam_error("EntityAlreadyExists", f"Group with name {name} already exists.")
        group = Group(name, path, self._id("AGPA", 17), self._arn("group", path, name), self.now)
        self.groups[name.lower()] = group
        self.members[name.lower()] = []
        self._changed()
        return group

    def list_groups(self, path_prefix: str = "/") -> list[Group]:
        return sorted(
            (g for g in self.groups.values() if g.path.startswith(path_prefix)),
            key=lambda g: g.name.lower(),
        )

    def delete_group(self, name: str) -> None:
        group = self.get_group(name)
        key = group.name.lower()
        if self.members.get(key):
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must remove users from group first."
            )
        if self.inline.get(("group", key)):
            raise iam_error("DeleteConflict", "Cannot delete entity, must delete policies first.")
        if self.attached.get(("group", key)):
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must detach all policies first."
            )
        del self.groups[key]
        self.members.pop(key, None)
        self._changed()

    def add_user_to_group(self, group_name: str, user_name: str) -> None:
        group = self.get_group(group_name)
        user = self.get_user(user_name)
        members = self.members.setdefault(group.name.lower(), [])
        if user.name.lower() in members:
            return
        if len(self.groups_for_user(user.name)) >= MAX_GROUPS_PER_USER:
            raise iam_error(
                "LimitExceeded", f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}"
            )
        members.append(user.name.lower())
        self._changed()

    def remove_user_from_group(self, group_name: str, user_name: str) -> None:
        group = self.get_group(group_name)
        user = self.get_user(user_name)
        members = self.members.get(group.name.lower(), [])
        if user.name.lower() not in members:
            # UNCONFIRMED wording
            raise iam_error(
                "NoSuchEntity",
                f"The user with name {user_name} cannot be found in group {group_name}.",
            )
        members.remove(user.name.lower())
        self._changed()

    def groups_for_user(self, user_name: str) -> list[Group]:
        key = self.get_user(user_name).name.lower()
        return [self.groups[g] for g, members in self.members.items() if key in members]

    def group_members(self, group_name: str) -> list[User]:
        group = self.get_group(group_name)
        return [self.users[u] for u in self.members.get(group.name.lower(), [])]

    # ------------------------------------------------------------------- roles ------

    def create_role(
        self,
        name: str,
        trust_document: str,
        path: str = "/",
        description: str | None = None,
        max_session_duration: int = 3600,
        tags: Sequence[Mapping[str, Any]] | None = None,
        boundary: str | None = None,
    ) -> Role:
        _check_name("role", "roleName", name)
        _check_path(path)
        if name.lower() in self.roles:
            raise iam_error("EntityAlreadyExists", f"Role with name {name} already exists.")
        if not 3600 <= max_session_duration <= 43200:
            raise _validation(
                "maxSessionDuration",
                str(max_session_duration),
                "Member must have value less than or equal to 43200",
            )
        trust = self._trust_policy(trust_document)
        if boundary is not None:
            self._attachable(boundary)
        role = Role(
            name=name,
            path=path,
            role_id=self._id("AROA", 17),
            arn=self._arn("role", path, name),
            create_date=self.now,
            trust_policy=trust,
            description=description,
            max_session_duration=max_session_duration,
            tags=_tags(tags),
            boundary_arn=boundary,
        )
        self.roles[name.lower()] = role
        self._changed()
        return role

    def _trust_policy(self, document: str) -> Policy:
        trust = parse_policy(document, "trust")
        account = self._account.account_id
        own = f"arn:{self._account.partition}:iam::{account}:"
        for st in trust.statements:
            if st.principal is None or st.principal.everyone:
                continue
            for value in st.principal.identifiers("AWS"):
                if value == "*" or re.fullmatch(r"[0-9]{12}", value):
                    continue
                if value.startswith(own):
                    rest = value[len(own) :]
                    if rest == "root":
                        continue
                    kind, _, tail = rest.partition("/")
                    name = tail.rsplit("/", 1)[-1]
                    record = self.find(kind, name) if kind in ("user", "role") else None
                    if record is not None and record.arn == value:
                        continue
                elif re.fullmatch(r"arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:.+", value):
                    continue  # another account's principal: not ours to check
                raise malformed(f'Invalid principal in policy: "AWS":"{value}"')
        return trust

    def list_roles(self, path_prefix: str = "/") -> list[Role]:
        return sorted(
            (r for r in self.roles.values() if r.path.startswith(path_prefix)),
            key=lambda r: r.name.lower(),
        )

    def delete_role(self, name: str) -> None:
        role = self.get_role(name)
        key = role.name.lower()
        if self.inline.get(("role", key)):
            raise iam_error("DeleteConflict", "Cannot delete entity, must delete policies first.")
        if self.attached.get(("role", key)):
            raise iam_error(
                "DeleteConflict", "Cannot delete entity, must detach all policies first."
            )
        del self.roles[key]
        self._changed()

    # -------------------------------------------------------- managed policies ------

    def _aws_managed(self, arn: str) -> ManagedPolicy | None:
        prefix = f"arn:{self._account.partition}:iam::aws:policy/"
        if not arn.startswith(prefix):
            return None
        row = AWS_MANAGED.get(arn[len(prefix) :])
        if row is None:
            return None
        name = arn[len(prefix) :]
        version_id, date_text, document = row
        when = _dt.datetime.fromisoformat(date_text)
        digest = hashlib.sha256(name.encode()).digest()
        policy = ManagedPolicy(
            name=name,
            path="/",
            policy_id="ANPA" + "".join(_ID_ALPHABET[b % 32] for b in digest[:17]),
            arn=arn,
            create_date=when,
            update_date=when,
            default_version_id=version_id,
            versions=(PolicyVersion(version_id, parse_policy(document), when),),
            next_version=int(version_id[1:]) + 1,
            aws_managed=True,
        )
        self.policies[arn] = policy
        return policy

    def managed_policy(self, arn: str) -> ManagedPolicy | None:
        """A customer or (known) AWS managed policy by ARN, or None."""
        found = self.policies.get(arn)
        return found if found is not None else self._aws_managed(arn)

    def get_policy(self, arn: str) -> ManagedPolicy:
        policy = self.managed_policy(arn)
        if policy is None:
            raise iam_error("NoSuchEntity", f"Policy {arn} was not found.")
        return policy

    def _attachable(self, arn: str) -> ManagedPolicy:
        policy = self.managed_policy(arn)
        if policy is None:
            raise iam_error("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
        return policy

    def _managed_document(self, document: str) -> Policy:
        policy = parse_policy(document)
        if _size(document) > MANAGED_LIMIT:
            raise iam_error("LimitExceeded", f"Cannot exceed quota for PolicySize: {MANAGED_LIMIT}")
        return policy

    def create_policy(
        self,
        name: str,
        document: str,
        path: str = "/",
        description: str | None = None,
        tags: Sequence[Mapping[str, Any]] | None = None,
    ) -> ManagedPolicy:
        _check_name("policy", "policyName", name)
        _check_path(path)
        arn = self._arn("policy", path, name)
        if any(
            p.name.lower() == name.lower() and not p.aws_managed for p in self.policies.values()
        ):
            raise iam_error(
                "EntityAlreadyExists",
                f"A policy called {name} already exists. Duplicate names are not allowed.",
            )
        parsed = self._managed_document(document)
        now = self.now
        policy = ManagedPolicy(
            name=name,
            path=path,
            policy_id=self._id("ANPA", 17),
            arn=arn,
            create_date=now,
            update_date=now,
            default_version_id="v1",
            versions=(PolicyVersion("v1", parsed, now),),
            description=description,
            tags=_tags(tags),
        )
        self.policies[arn] = policy
        self._changed()
        return policy

    def list_policies(
        self, scope: str = "All", only_attached: bool = False, path_prefix: str = "/"
    ) -> list[ManagedPolicy]:
        if scope in ("All", "AWS"):
            for name in AWS_MANAGED:
                self.managed_policy(f"arn:{self._account.partition}:iam::aws:policy/{name}")
        out = []
        for policy in self.policies.values():
            if scope == "Local" and policy.aws_managed:
                continue
            if scope == "AWS" and not policy.aws_managed:
                continue
            if only_attached and not self.attachment_count(policy.arn):
                continue
            if policy.path.startswith(path_prefix):
                out.append(policy)
        return sorted(out, key=lambda p: p.name.lower())

    def attachment_count(self, arn: str) -> int:
        return sum(1 for arns in self.attached.values() if arn in arns)

    def boundary_usage_count(self, arn: str) -> int:
        return sum(1 for u in self.users.values() if u.boundary_arn == arn) + sum(
            1 for r in self.roles.values() if r.boundary_arn == arn
        )

    def delete_policy(self, arn: str) -> None:
        policy = self.get_policy(arn)
        if policy.aws_managed:
            raise iam_error(
                "UnmodifiableEntity", f"Cannot delete AWS managed policy {arn}."
            )  # UNCONFIRMED wording
        if self.attachment_count(arn):
            raise iam_error("DeleteConflict", "Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise iam_error(
                "DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            )
        del self.policies[arn]
        self._changed()

    def _customer_policy(self, arn: str) -> ManagedPolicy:
        policy = self.get_policy(arn)
        if policy.aws_managed:
            raise iam_error(
                "UnmodifiableEntity", f"Cannot modify AWS managed policy {arn}."
            )  # UNCONFIRMED
        return policy

    def create_policy_version(
        self, arn: str, document: str, set_as_default: bool = False
    ) -> PolicyVersion:
        policy = self._customer_policy(arn)
        parsed = self._managed_document(document)
        if len(policy.versions) >= MAX_POLICY_VERSIONS:
            raise iam_error(
                "LimitExceeded",
                f"A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you "
                "create a new version, you must delete an existing version.",
            )
        now = self.now
        version = PolicyVersion(f"v{policy.next_version}", parsed, now)
        self.policies[arn] = attrs.evolve(
            policy,
            versions=(*policy.versions, version),
            next_version=policy.next_version + 1,
            default_version_id=version.version_id if set_as_default else policy.default_version_id,
            update_date=now if set_as_default else policy.update_date,
        )
        self._changed()
        return version

    def get_policy_version(self, arn: str, version_id: str) -> tuple[ManagedPolicy, PolicyVersion]:
        policy = self.get_policy(arn)
        version = policy.version(version_id)
        if version is None:
            raise iam_error(
                "NoSuchEntity",
                f"Policy {arn} version {version_id} does not exist or is not attachable.",
            )
        return policy, version

    def delete_policy_version(self, arn: str, version_id: str) -> None:
        policy, _ = self.get_policy_version(arn, version_id)
        if policy.aws_managed:
            raise iam_error("UnmodifiableEntity", f"Cannot modify AWS managed policy {arn}.")
        if version_id == policy.default_version_id:
            raise iam_error("DeleteConflict", "Cannot delete the default version of a policy.")
        self.policies[arn] = attrs.evolve(
            policy, versions=tuple(v for v in policy.versions if v.version_id != version_id)
        )
        self._changed()

    def set_default_policy_version(self, arn: str, version_id: str) -> None:
        policy, _ = self.get_policy_version(arn, version_id)
        if policy.aws_managed:
            raise iam_error("UnmodifiableEntity", f"Cannot modify AWS managed policy {arn}.")
        self.policies[arn] = attrs.evolve(
            policy, default_version_id=version_id, update_date=self.now
        )
        self._changed()

    # ---------------------------------------------------------- attachments ------

    def attach(self, kind: EntityKind, name: str, arn: str) -> None:
        entity = self._entity(kind, name)
        self._attachable(arn)
        arns = self.attached.setdefault((kind, entity.name.lower()), [])
        if arn in arns:
            return
        if len(arns) >= MAX_ATTACHED:
            raise iam_error(
                "LimitExceeded",
                f"Cannot exceed quota for PoliciesPer{kind.capitalize()}: {MAX_ATTACHED}",
            )
        arns.append(arn)
        self._changed()

    def detach(self, kind: EntityKind, name: str, arn: str) -> None:
        entity = self._entity(kind, name)
        arns = self.attached.get((kind, entity.name.lower()), [])
        if arn not in arns:
            raise iam_error("NoSuchEntity", f"Policy {arn} was not found.")
        arns.remove(arn)
        self._changed()

    def attached_policies(self, kind: EntityKind, name: str) -> list[ManagedPolicy]:
        entity = self._entity(kind, name)
        return [self.get_policy(arn) for arn in self.attached.get((kind, entity.name.lower()), [])]

    # ------------------------------------------------------- inline policies ------

    def put_inline(self, kind: EntityKind, name: str, policy_name: str, document: str) -> None:
        entity = self._entity(kind, name)
        _check_name("policy", "policyName", policy_name)
        parsed = parse_policy(document)
        key = (kind, entity.name.lower())
        current = dict(self.inline.get(key, {}))
        current[policy_name] = InlinePolicy(policy_name, parsed)
        total = sum(_size(p.policy.document) for p in current.values())
        if total > INLINE_LIMITS[kind]:
            raise iam_error(
                "LimitExceeded",
                f"Maximum policy size of {INLINE_LIMITS[kind]} bytes exceeded for {kind} "
                f"{entity.name}",
            )
        self.inline[key] = current
        self._changed()

    def get_inline(self, kind: EntityKind, name: str, policy_name: str) -> InlinePolicy:
        entity = self._entity(kind, name)
        found = self.inline.get((kind, entity.name.lower()), {}).get(policy_name)
        if found is None:
            raise iam_error(
                "NoSuchEntity", f"The {kind} policy with name {policy_name} cannot be found."
            )
        return found

    def list_inline(self, kind: EntityKind, name: str) -> list[str]:
        entity = self._entity(kind, name)
        return sorted(self.inline.get((kind, entity.name.lower()), {}))

    def delete_inline(self, kind: EntityKind, name: str, policy_name: str) -> None:
        self.get_inline(kind, name, policy_name)
        entity = self._entity(kind, name)
        del self.inline[(kind, entity.name.lower())][policy_name]
        self._changed()

    # --------------------------------------------------------------- boundaries ------

    def put_boundary(self, kind: Literal["user", "role"], name: str, arn: str | None) -> None:
        if arn is not None:
            self._attachable(arn)
        if kind == "user":
            user = self.get_user(name)
            self.users[user.name.lower()] = attrs.evolve(user, boundary_arn=arn)
        else:
            role = self.get_role(name)
            self.roles[role.name.lower()] = attrs.evolve(role, boundary_arn=arn)
        self._changed()

    # -------------------------------------------------------------- access keys ------

    def create_access_key(self, user_name: str) -> tuple[AccessKey, str]:
        """A new key; the secret is returned here once and never again."""
        user = self.get_user(user_name)
        owned = [k for k in self.access_keys.values() if k.user_name == user.name]
        if len(owned) >= MAX_ACCESS_KEYS:
            raise iam_error(
                "LimitExceeded", f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS}"
            )
        key_id = self._id("AKIA", 16)
        raw = self._account.ids.token("iam-secret", 32) + self._account.ids.token(
            "iam-secret-tail", 8
        )
        secret = "".join(_SECRET_ALPHABET[b % 64] for b in raw[:40])
        key = AccessKey(key_id, user.name, Secret(secret), self.now)
        self.access_keys[key_id] = key
        self._changed()
        return key, secret

    def list_access_keys(self, user_name: str) -> list[AccessKey]:
        user = self.get_user(user_name)
        return [k for k in self.access_keys.values() if k.user_name == user.name]

    def _own_key(self, user_name: str, key_id: str) -> AccessKey:
        user = self.get_user(user_name)
        key = self.access_keys.get(key_id)
        if key is None or key.user_name != user.name:
            raise iam_error("NoSuchEntity", f"The Access Key with id {key_id} cannot be found.")
        return key

    def update_access_key(self, user_name: str, key_id: str, status: str) -> None:
        key = self._own_key(user_name, key_id)
        if status == "Active":
            self.access_keys[key_id] = attrs.evolve(key, status="Active")
        elif status == "Inactive":
            self.access_keys[key_id] = attrs.evolve(key, status="Inactive")
        else:
            raise _validation(
                "status", status, "Member must satisfy enum value set: [Active, Inactive]"
            )
        self._changed()

    def delete_access_key(self, user_name: str, key_id: str) -> None:
        self._own_key(user_name, key_id)
        del self.access_keys[key_id]
        self._changed()

    # ----------------------------------------------------------- login profiles ------

    def _digest(self, salt: bytes, password: str) -> bytes:
        return hmac.new(salt, password.encode("utf-8"), hashlib.sha256).digest()

    def create_login_profile(
        self, user_name: str, password: str, reset_required: bool = False
    ) -> LoginProfile:
        user = self.get_user(user_name)
        key = user.name.lower()
        if key in self.login_profiles:
            raise iam_error(
                "EntityAlreadyExists", f"Login Profile for user {user.name} already exists."
            )
        salt = self._account.ids.token("iam-login-salt", 16)
        profile = LoginProfile(
            user.name, self.now, salt, self._digest(salt, password), reset_required
        )
        self.login_profiles[key] = profile
        self._changed()
        return profile

    def get_login_profile(self, user_name: str) -> LoginProfile:
        user = self.get_user(user_name)
        profile = self.login_profiles.get(user.name.lower())
        if profile is None:
            raise iam_error("NoSuchEntity", f"Login Profile for User {user.name} cannot be found.")
        return profile

    def delete_login_profile(self, user_name: str) -> None:
        profile = self.get_login_profile(user_name)
        del self.login_profiles[profile.user_name.lower()]
        self._changed()

    def check_password(self, user_name: str, password: str) -> User | None:
        """The user when ``password`` is its console password, else None (constant time)."""
        user = self.users.get(user_name.lower()) if isinstance(user_name, str) else None
        profile = self.login_profiles.get(user.name.lower()) if user is not None else None
        if user is None or profile is None or not isinstance(password, str):
            return None
        if hmac.compare_digest(self._digest(profile.salt, password), profile.digest):
            return user
        return None

    def key_owner(
        self, key_id: str, secret: str
    ) -> tuple[Literal["ok", "unknown", "signature"], User | None]:
        """Check an access key pair: ("ok", user), ("unknown", None) or ("signature", None)."""
        key = self.access_keys.get(key_id)
        if key is None or key.status != "Active":
            return "unknown", None
        user = self.users.get(key.user_name.lower())
        if user is None:
            return "unknown", None
        if not hmac.compare_digest(key.secret.reveal().encode(), secret.encode()):
            return "signature", None
        return "ok", user

    def secret_for(self, key_id: str) -> Secret | None:
        """The secret of an active key (for verifying signatures), or None."""
        key = self.access_keys.get(key_id)
        return key.secret if key is not None and key.status == "Active" else None

    # ------------------------------------------------------------ principals ------

    def _sourced(self, arn: str) -> SourcedPolicy:
        policy = self.get_policy(arn)
        return SourcedPolicy(
            arn, "aws-managed" if policy.aws_managed else "user-managed", policy.default.policy
        )

    def _entity_policies(self, kind: EntityKind, key: str) -> list[SourcedPolicy]:
        out = [
            SourcedPolicy(p.name, kind, p.policy)
            for _, p in sorted(self.inline.get((kind, key), {}).items())
        ]
        out.extend(self._sourced(arn) for arn in self.attached.get((kind, key), []))
        return out

    def policy_set(self, kind: Literal["user", "role", "group"], name: str) -> PolicySet:
        """The identity policies (and boundary) that decide for a user, role or group."""
        entity = self._entity(kind, name)
        key = entity.name.lower()
        identity = self._entity_policies(kind, key)
        if kind == "user":
            for group in self.groups_for_user(entity.name):
                identity.extend(self._entity_policies("group", group.name.lower()))
        boundary_arn = getattr(entity, "boundary_arn", None)
        boundary = None
        if boundary_arn is not None:
            boundary = (self._sourced(boundary_arn),)
        return PolicySet(tuple(identity), boundary)

    def resolve(self, arn: str) -> Caller | None:
        """The caller behind a principal ARN, or None if it does not (or no longer) exist."""
        cached = self._callers.get(arn)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        caller = self._resolve(arn)
        self._callers[arn] = (self.generation, caller)
        return caller

    def _resolve(self, arn: str) -> Caller | None:
        acct = self._account
        iam_prefix = f"arn:{acct.partition}:iam::{acct.account_id}:"
        sts_prefix = f"arn:{acct.partition}:sts::{acct.account_id}:assumed-role/"
        base: dict[str, tuple[str, ...]] = {
            "aws:principalaccount": (acct.account_id,),
            "aws:principalisawsservice": ("false",),
            "aws:viaawsservice": ("false",),
        }
        if arn == iam_prefix + "root":
            base.update(
                {
                    "aws:principalarn": (arn,),
                    "aws:principaltype": ("Account",),
                    "aws:userid": (acct.account_id,),
                }
            )
            return Caller(arn, "root", arn, PolicySet(), base, "root")
        if arn.startswith(iam_prefix + "user/"):
            user = self.users.get(arn.rsplit("/", 1)[1].lower())
            if user is None or user.arn != arn:
                return None
            base.update(
                {
                    "aws:principalarn": (user.arn,),
                    "aws:principaltype": ("User",),
                    "aws:userid": (user.user_id,),
                    "aws:username": (user.name,),
                }
            )
            for k, v in user.tags:
                base[f"aws:principaltag/{k.lower()}"] = (v,)
            return Caller(
                user.arn, "user", user.arn, self.policy_set("user", user.name), base, user.name
            )
        role_name: str | None = None
        session = DEFAULT_SESSION
        if arn.startswith(iam_prefix + "role/"):
            role_name = arn.rsplit("/", 1)[1]
        elif arn.startswith(sts_prefix):
            pieces = arn[len(sts_prefix) :].split("/")
            if len(pieces) == 2 and all(pieces):
                role_name, session = pieces
        if role_name is None:
            return None
        role = self.roles.get(role_name.lower())
        if role is None or (arn.startswith(iam_prefix) and role.arn != arn):
            return None
        base.update(
            {
                "aws:principalarn": (role.arn,),
                "aws:principaltype": ("AssumedRole",),
                "aws:userid": (f"{role.role_id}:{session}",),
            }
        )
        for k, v in role.tags:
            base[f"aws:principaltag/{k.lower()}"] = (v,)
        shown = f"arn:{acct.partition}:sts::{acct.account_id}:assumed-role/{role.name}/{session}"
        return Caller(shown, "role", role.arn, self.policy_set("role", role.name), base, role.name)
