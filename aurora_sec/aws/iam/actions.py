"""What each emulated API call asks IAM: its action, its resources, its request context.

:data:`ACTIONS` maps ``(service, operation)`` to an :class:`ActionSpec`: the IAM action
(``rds:ModifyDBClusterParameterGroup``), the resource types the Service Authorization Reference
lists for it (``*`` marks a required one), and a builder that turns the request parameters
into resource ARNs (with each resource's own context keys: its tags, engine, class...) and the
request's context keys (``aws:RequestTag/...``, ``aws:TagKeys``, ``rds:DatabaseEngine``...).
:func:`authorization_request` is the one entry point; the simulator and the enforcement both
use it, so they cannot disagree.

Sources: "Actions, resources, and condition keys for Amazon RDS / Amazon EC2 / AWS Identity
and Access Management" (Service Authorization Reference; resource types and condition keys
per action, read from the iann0036/iam-dataset copy of it). Observed in real AccessDenied
messages: ``rds:DescribeDBInstances`` without an identifier names ``arn:...:db:*``
(awslabs/pireporter#8); ``rds:CreateDBCluster`` is also authorized on the subnet group
(mattclay/aws-terminator#265, denial "on resource: arn:aws:rds:...:subgrp:..."),
``iam:ListUsers`` names ``arn:aws:iam::<account>:user/``, ``ec2:Describe*`` names no resource.

UNCONFIRMED choices (docs/fidelity.md, "IAM"):

* resources are authorized in the order of the reference's table (cluster, cluster-pg, subgrp
  for ``CreateDBCluster``); the first one denied is the one the message names;
* required resources are always checked (``CreateDBCluster``'s parameter group and subnet
  group fall back to ``default.<family>`` and ``default``); optional ones only when the request
  names them; the option group (``og*``) of ``CreateDBCluster`` is not checked (Aurora
  PostgreSQL has no option groups);
* RDS identifiers appear lower-cased in ARNs, as RDS stores them;
* ``DescribeDBClusterEndpoints`` without an identifier is authorized on ``cluster:*``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from aurora_sec.catalog import engine_versions

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = [
    "ACTIONS",
    "ActionSpec",
    "AuthRequest",
    "ResourceRef",
    "authorization_request",
]

Params = Mapping[str, Any]
ContextDict = dict[str, tuple[str, ...]]


@attrs.frozen
class ResourceRef:
    """One resource a call is authorized on, with the context keys it contributes."""

    arn: str
    context: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


@attrs.frozen
class AuthRequest:
    """Everything IAM evaluates for one API call (minus the principal's own keys)."""

    action: str
    resources: tuple[ResourceRef, ...]
    context: Mapping[str, tuple[str, ...]]
    #: False for actions without resource types: the denial names no resource.
    names_resource: bool = True


Builder = Callable[["Account", Params], tuple[list[ResourceRef], ContextDict]]


@attrs.frozen
class ActionSpec:
    """A row of :data:`ACTIONS`."""

    service: str
    operation: str
    action: str
    resource_types: tuple[str, ...]
    build: Builder = attrs.field(repr=False)


# ------------------------------------------------------------------------ helpers -----


def _tag_pairs(items: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    return [(str(t.get("Key", "")), str(t.get("Value", ""))) for t in items or ()]


def _request_tags(pairs: list[tuple[str, str]], service_key: str | None = None) -> ContextDict:
    ctx: ContextDict = {}
    if not pairs:
        return ctx
    for key, value in pairs:
        ctx[f"aws:requesttag/{key.lower()}"] = (value,)
        if service_key:
            ctx[f"{service_key}/{key.lower()}"] = (value,)
    ctx["aws:tagkeys"] = tuple(dict.fromkeys(k for k, _ in pairs))
    return ctx


def _resource_tags(
    tags: Iterable[tuple[str, str]], service_key: str | None
) -> dict[str, tuple[str, ...]]:
    ctx: dict[str, tuple[str, ...]] = {}
    for key, value in tags:
        ctx[f"aws:resourcetag/{key.lower()}"] = (value,)
        if service_key:
            ctx[f"{service_key}/{key.lower()}"] = (value,)
    return ctx


def _bool(value: object) -> tuple[str, ...]:
    return ("true" if value else "false",)


# ---------------------------------------------------------------------------- RDS -----

_RDS_TAG_KEYS: Final = {
    "cluster": "rds:cluster-tag",
    "db": "rds:db-tag",
    "pg": "rds:pg-tag",
    "cluster-pg": "rds:cluster-pg-tag",
    "subgrp": "rds:subgrp-tag",
    "secgrp": "rds:secgrp-tag",
    "og": "rds:og-tag",
    "snapshot": "rds:snapshot-tag",
    "cluster-snapshot": "rds:cluster-snapshot-tag",
    "es": "rds:es-tag",
    "ri": "rds:ri-tag",
}


def _rds_ref(acct: Account, kind: str, name: str | None) -> ResourceRef:
    """The ARN of an RDS resource named in a request, with its tags and attributes."""
    if name is None:
        return ResourceRef(acct.arn(kind, "*"))
    if name.startswith("arn:"):
        pieces = name.split(":", 6)
        arn = name
        if len(pieces) == 7 and pieces[5] == kind:
            name = pieces[6]
        else:
            return ResourceRef(arn)
    else:
        arn = acct.arn(kind, name.lower())
    key = name.lower()
    rds = acct.rds
    ctx: dict[str, tuple[str, ...]] = {}
    record: Any = None
    if kind == "cluster":
        record = rds.clusters.get(key)
    elif kind == "db":
        record = rds.instances.get(key)
        if record is not None:
            cluster = rds.clusters.get(record.cluster_id)
            ctx["rds:databaseclass"] = (record.instance_class,)
            ctx["rds:databaseengine"] = (engine_versions.ENGINE,)
            ctx["rds:vpc"] = ("true",)
            ctx["rds:multiaz"] = ("false",)
            if cluster is not None:
                ctx["rds:storageencrypted"] = _bool(cluster.storage_encrypted)
                if cluster.database_name:
                    ctx["rds:databasename"] = (cluster.database_name,)
    elif kind == "cluster-pg":
        record = rds.cluster_parameter_groups.get(key)
    elif kind == "pg":
        record = rds.db_parameter_groups.get(key)
    elif kind == "subgrp":
        record = rds.subnet_groups.get(key)
    elif kind == "cluster-endpoint":
        record = rds.endpoints.get(key)
    if record is not None:
        arn = record.arn
        ctx.update(_resource_tags(record.tags, _RDS_TAG_KEYS.get(kind)))
    return ResourceRef(arn, ctx)


def _rds_request_tags(p: Params) -> ContextDict:
    return _request_tags(_tag_pairs(p.get("Tags")), "rds:req-tag")


def _family_of(version_text: object) -> str:
    if version_text is None:
        return engine_versions.DEFAULT_VERSION_INFO.family
    info = engine_versions.lookup(version_text)
    if info is not None:
        return info.family
    m = re.match(r"([0-9]+)", str(version_text))
    major = m.group(1) if m else str(engine_versions.DEFAULT_VERSION_INFO.major)
    return f"aurora-postgresql{major}"


def _rds_one(kind: str, param: str, *, optional_ids: bool = False) -> Builder:
    """A call on one RDS resource named by ``param`` (``*`` when absent and allowed)."""

    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        name = p.get(param)
        if name is None and not optional_ids:
            name = ""
        return [_rds_ref(acct, kind, name)], {}

    return build


def _rds_create(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        return [_rds_ref(acct, kind, p.get(param, ""))], _rds_request_tags(p)

    return build


def _create_db_cluster(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    group = p.get("DBClusterParameterGroupName") or f"default.{_family_of(p.get('EngineVersion'))}"
    resources = [
        _rds_ref(acct, "cluster", p.get("DBClusterIdentifier", "")),
        _rds_ref(acct, "cluster-pg", group),
        _rds_ref(acct, "subgrp", p.get("DBSubnetGroupName") or "default"),
    ]
    ctx = _rds_request_tags(p)
    if "Engine" in p:
        ctx["rds:databaseengine"] = (str(p["Engine"]),)
    if p.get("DatabaseName"):
        ctx["rds:databasename"] = (str(p["DatabaseName"]),)
    if "StorageEncrypted" in p:
        ctx["rds:storageencrypted"] = _bool(p["StorageEncrypted"])
    if "ManageMasterUserPassword" in p:
        ctx["rds:managemasteruserpassword"] = _bool(p["ManageMasterUserPassword"])
    return resources, ctx


def _modify_db_cluster(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    resources = [_rds_ref(acct, "cluster", p.get("DBClusterIdentifier", ""))]
    if p.get("DBClusterParameterGroupName"):
        resources.append(_rds_ref(acct, "cluster-pg", p["DBClusterParameterGroupName"]))
    return resources, {}


def _delete_db_cluster(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    resources = [_rds_ref(acct, "cluster", p.get("DBClusterIdentifier", ""))]
    if p.get("FinalDBSnapshotIdentifier"):
        resources.append(_rds_ref(acct, "cluster-snapshot", p["FinalDBSnapshotIdentifier"]))
    return resources, {}


def _create_db_instance(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    resources = [_rds_ref(acct, "db", p.get("DBInstanceIdentifier", ""))]
    if p.get("DBClusterIdentifier"):
        resources.append(_rds_ref(acct, "cluster", p["DBClusterIdentifier"]))
    if p.get("DBParameterGroupName"):
        resources.append(_rds_ref(acct, "pg", p["DBParameterGroupName"]))
    if p.get("DBSubnetGroupName"):
        resources.append(_rds_ref(acct, "subgrp", p["DBSubnetGroupName"]))
    ctx = _rds_request_tags(p)
    if "DBInstanceClass" in p:
        ctx["rds:databaseclass"] = (str(p["DBInstanceClass"]),)
    if "Engine" in p:
        ctx["rds:databaseengine"] = (str(p["Engine"]),)
    return resources, ctx


def _modify_db_instance(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    resources = [_rds_ref(acct, "db", p.get("DBInstanceIdentifier", ""))]
    if p.get("DBParameterGroupName"):
        resources.append(_rds_ref(acct, "pg", p["DBParameterGroupName"]))
    return resources, {}


def _create_endpoint(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    resources = [
        _rds_ref(acct, "cluster", p.get("DBClusterIdentifier", "")),
        _rds_ref(acct, "cluster-endpoint", p.get("DBClusterEndpointIdentifier", "")),
    ]
    ctx = _rds_request_tags(p)
    if "EndpointType" in p:
        ctx["rds:endpointtype"] = (str(p["EndpointType"]),)
    return resources, ctx


def _describe_endpoints(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    if p.get("DBClusterEndpointIdentifier"):
        return [_rds_ref(acct, "cluster-endpoint", p["DBClusterEndpointIdentifier"])], {}
    return [_rds_ref(acct, "cluster", p.get("DBClusterIdentifier"))], {}


_ARN_KIND_RE: Final = re.compile(r"arn:[^:]+:rds:[^:]*:[^:]*:([a-z-]+):(.+)")


def _tagging(tag_param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        arn = str(p.get("ResourceName", ""))
        m = _ARN_KIND_RE.fullmatch(arn)
        ref = _rds_ref(acct, m.group(1), arn) if m else ResourceRef(arn)
        if tag_param == "Tags":
            ctx = _rds_request_tags(p)
        elif tag_param == "TagKeys" and p.get("TagKeys"):
            ctx = {"aws:tagkeys": tuple(str(k) for k in p["TagKeys"])}
        else:
            ctx = {}
        return [ref], ctx

    return build


# ---------------------------------------------------------------------------- EC2 -----


def _ec2_arn(acct: Account, kind: str, resource_id: str) -> str:
    return f"arn:{acct.partition}:ec2:{acct.region}:{acct.account_id}:{kind}/{resource_id}"


def _ec2_tags(p: Params, resource_type: str) -> ContextDict:
    pairs: list[tuple[str, str]] = []
    for spec in p.get("TagSpecifications") or ():
        if spec.get("ResourceType") in (None, resource_type):
            pairs.extend(_tag_pairs(spec.get("Tags")))
    return _request_tags(pairs)


def _ec2_ref(acct: Account, kind: str, resource_id: str | None) -> ResourceRef:
    if not resource_id:
        return ResourceRef(_ec2_arn(acct, kind, "*"))
    record: Any = None
    if kind == "vpc":
        record = acct.ec2.get_vpc(resource_id)
    elif kind == "subnet":
        record = acct.ec2.get_subnet(resource_id)
    elif kind == "security-group":
        record = acct.ec2.get_security_group(resource_id)
    ctx: dict[str, tuple[str, ...]] = {}
    if record is not None:
        ctx = _resource_tags(((t.key, t.value) for t in record.tags), "ec2:resourcetag")
    return ResourceRef(_ec2_arn(acct, kind, resource_id), ctx)


def _ec2_group_id(acct: Account, p: Params) -> str | None:
    if p.get("GroupId"):
        return str(p["GroupId"])
    name = p.get("GroupName")
    if name:
        for group in acct.ec2.security_groups.values():
            if group.group_name == name and group.vpc_id == acct.ec2.default_vpc().vpc_id:
                return group.group_id
    return None


def _ec2_none(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    return [ResourceRef("*")], {}


def _create_vpc(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    return [_ec2_ref(acct, "vpc", None)], _ec2_tags(p, "vpc")


def _create_subnet(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    return (
        [_ec2_ref(acct, "subnet", None), _ec2_ref(acct, "vpc", p.get("VpcId"))],
        _ec2_tags(p, "subnet"),
    )


def _create_security_group(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    vpc_id = p.get("VpcId") or acct.ec2.default_vpc().vpc_id
    return (
        [_ec2_ref(acct, "security-group", None), _ec2_ref(acct, "vpc", vpc_id)],
        _ec2_tags(p, "security-group"),
    )


def _ec2_one(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        return [_ec2_ref(acct, kind, p.get(param))], {}

    return build


def _ec2_group(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    return [_ec2_ref(acct, "security-group", _ec2_group_id(acct, p))], {}


# ---------------------------------------------------------------------------- IAM -----


def _iam_arn(acct: Account, kind: str, path: str, name: str) -> str:
    return f"arn:{acct.partition}:iam::{acct.account_id}:{kind}{path}{name}"


def _iam_entity(acct: Account, kind: str, name: str | None, path: str = "/") -> ResourceRef:
    if name is None:
        return ResourceRef(_iam_arn(acct, kind, path, ""))
    record: Any = acct.iam.find(kind, name)
    if record is None:
        return ResourceRef(_iam_arn(acct, kind, path, name))
    tags = getattr(record, "tags", ())
    return ResourceRef(record.arn, _resource_tags(tags, "iam:resourcetag"))


def _iam_caller_user(acct: Account, p: Params, caller: str | None) -> str | None:
    if p.get("UserName"):
        return str(p["UserName"])
    if caller and ":user/" in caller:
        return caller.rsplit("/", 1)[1]
    return None


def _iam_one(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        return [_iam_entity(acct, kind, str(p.get(param, "")))], {}

    return build


def _iam_create(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        ref = _iam_entity(acct, kind, str(p.get(param, "")), str(p.get("Path") or "/"))
        ctx = _request_tags(_tag_pairs(p.get("Tags")))
        if p.get("PermissionsBoundary"):
            ctx["iam:permissionsboundary"] = (str(p["PermissionsBoundary"]),)
        return [ref], ctx

    return build


def _iam_list(kind: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        return [ResourceRef(_iam_arn(acct, kind, str(p.get("PathPrefix") or "/"), ""))], {}

    return build


def _iam_attach(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        ctx: ContextDict = {}
        if p.get("PolicyArn"):
            ctx["iam:policyarn"] = (str(p["PolicyArn"]),)
        return [_iam_entity(acct, kind, str(p.get(param, "")))], ctx

    return build


def _iam_boundary(kind: str, param: str) -> Builder:
    def build(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
        ctx: ContextDict = {}
        if p.get("PermissionsBoundary"):
            ctx["iam:permissionsboundary"] = (str(p["PermissionsBoundary"]),)
        return [_iam_entity(acct, kind, str(p.get(param, "")))], ctx

    return build


def _iam_policy(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    arn = str(p.get("PolicyArn", ""))
    record = acct.iam.policies.get(arn)
    ctx = _resource_tags(record.tags, "iam:resourcetag") if record is not None else {}
    return [ResourceRef(arn, ctx)], {}


def _iam_create_policy(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    arn = _iam_arn(acct, "policy", str(p.get("Path") or "/"), str(p.get("PolicyName", "")))
    return [ResourceRef(arn)], _request_tags(_tag_pairs(p.get("Tags")))


def _iam_simulate_principal(acct: Account, p: Params) -> tuple[list[ResourceRef], ContextDict]:
    return [ResourceRef(str(p.get("PolicySourceArn", "")))], {}


_IAM_USER_SELF: Final = frozenset(
    {"CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey", "GetUser"}
)


# -------------------------------------------------------------------------- table -----


def _rows() -> dict[tuple[str, str], ActionSpec]:
    rows: list[tuple[str, str, tuple[str, ...], Builder]] = [
        # RDS: clusters, instances, endpoints
        ("rds", "CreateDBCluster", ("cluster*", "cluster-pg*", "subgrp*"), _create_db_cluster),
        (
            "rds",
            "DescribeDBClusters",
            ("cluster",),
            _rds_one("cluster", "DBClusterIdentifier", optional_ids=True),
        ),
        ("rds", "ModifyDBCluster", ("cluster*", "cluster-pg"), _modify_db_cluster),
        ("rds", "DeleteDBCluster", ("cluster*", "cluster-snapshot"), _delete_db_cluster),
        ("rds", "RebootDBCluster", ("cluster*",), _rds_one("cluster", "DBClusterIdentifier")),
        ("rds", "CreateDBInstance", ("db*", "cluster", "pg", "subgrp"), _create_db_instance),
        (
            "rds",
            "DescribeDBInstances",
            ("db",),
            _rds_one("db", "DBInstanceIdentifier", optional_ids=True),
        ),
        ("rds", "ModifyDBInstance", ("db*", "pg"), _modify_db_instance),
        ("rds", "DeleteDBInstance", ("db*",), _rds_one("db", "DBInstanceIdentifier")),
        ("rds", "RebootDBInstance", ("db*",), _rds_one("db", "DBInstanceIdentifier")),
        ("rds", "CreateDBClusterEndpoint", ("cluster*", "cluster-endpoint*"), _create_endpoint),
        ("rds", "DescribeDBClusterEndpoints", ("cluster", "cluster-endpoint"), _describe_endpoints),
        (
            "rds",
            "DeleteDBClusterEndpoint",
            ("cluster-endpoint*",),
            _rds_one("cluster-endpoint", "DBClusterEndpointIdentifier"),
        ),
        # RDS: parameter groups
        (
            "rds",
            "CreateDBClusterParameterGroup",
            ("cluster-pg*",),
            _rds_create("cluster-pg", "DBClusterParameterGroupName"),
        ),
        (
            "rds",
            "DescribeDBClusterParameterGroups",
            ("cluster-pg",),
            _rds_one("cluster-pg", "DBClusterParameterGroupName", optional_ids=True),
        ),
        (
            "rds",
            "ModifyDBClusterParameterGroup",
            ("cluster-pg*",),
            _rds_one("cluster-pg", "DBClusterParameterGroupName"),
        ),
        (
            "rds",
            "ResetDBClusterParameterGroup",
            ("cluster-pg*",),
            _rds_one("cluster-pg", "DBClusterParameterGroupName"),
        ),
        (
            "rds",
            "DeleteDBClusterParameterGroup",
            ("cluster-pg*",),
            _rds_one("cluster-pg", "DBClusterParameterGroupName"),
        ),
        (
            "rds",
            "DescribeDBClusterParameters",
            ("cluster-pg*",),
            _rds_one("cluster-pg", "DBClusterParameterGroupName"),
        ),
        ("rds", "CreateDBParameterGroup", ("pg*",), _rds_create("pg", "DBParameterGroupName")),
        (
            "rds",
            "DescribeDBParameterGroups",
            ("pg",),
            _rds_one("pg", "DBParameterGroupName", optional_ids=True),
        ),
        ("rds", "ModifyDBParameterGroup", ("pg*",), _rds_one("pg", "DBParameterGroupName")),
        ("rds", "ResetDBParameterGroup", ("pg*",), _rds_one("pg", "DBParameterGroupName")),
        ("rds", "DeleteDBParameterGroup", ("pg*",), _rds_one("pg", "DBParameterGroupName")),
        ("rds", "DescribeDBParameters", ("pg*",), _rds_one("pg", "DBParameterGroupName")),
        # RDS: subnet groups, tags
        ("rds", "CreateDBSubnetGroup", ("subgrp*",), _rds_create("subgrp", "DBSubnetGroupName")),
        (
            "rds",
            "DescribeDBSubnetGroups",
            ("subgrp",),
            _rds_one("subgrp", "DBSubnetGroupName", optional_ids=True),
        ),
        ("rds", "DeleteDBSubnetGroup", ("subgrp*",), _rds_one("subgrp", "DBSubnetGroupName")),
        (
            "rds",
            "AddTagsToResource",
            ("cluster", "db", "pg", "cluster-pg", "subgrp"),
            _tagging("Tags"),
        ),
        (
            "rds",
            "ListTagsForResource",
            ("cluster", "db", "pg", "cluster-pg", "subgrp"),
            _tagging(""),
        ),
        (
            "rds",
            "RemoveTagsFromResource",
            ("cluster", "db", "pg", "cluster-pg", "subgrp"),
            _tagging("TagKeys"),
        ),
        # RDS: catalogue reads (no resource types)
        ("rds", "DescribeDBEngineVersions", (), _ec2_none),
        ("rds", "DescribeOrderableDBInstanceOptions", (), _ec2_none),
        ("rds", "DescribeCertificates", (), _ec2_none),
        ("rds", "DescribeEngineDefaultClusterParameters", (), _ec2_none),
        ("rds", "DescribeEngineDefaultParameters", (), _ec2_none),
        # EC2
        ("ec2", "CreateVpc", ("vpc*",), _create_vpc),
        ("ec2", "DescribeVpcs", (), _ec2_none),
        ("ec2", "DeleteVpc", ("vpc*",), _ec2_one("vpc", "VpcId")),
        ("ec2", "CreateSubnet", ("subnet*", "vpc*"), _create_subnet),
        ("ec2", "DescribeSubnets", (), _ec2_none),
        ("ec2", "DeleteSubnet", ("subnet*",), _ec2_one("subnet", "SubnetId")),
        ("ec2", "CreateSecurityGroup", ("security-group*", "vpc*"), _create_security_group),
        ("ec2", "DescribeSecurityGroups", (), _ec2_none),
        ("ec2", "DeleteSecurityGroup", ("security-group*",), _ec2_group),
        ("ec2", "AuthorizeSecurityGroupIngress", ("security-group*",), _ec2_group),
        ("ec2", "AuthorizeSecurityGroupEgress", ("security-group*",), _ec2_group),
        ("ec2", "RevokeSecurityGroupIngress", ("security-group*",), _ec2_group),
        ("ec2", "RevokeSecurityGroupEgress", ("security-group*",), _ec2_group),
        # IAM: users, groups, roles
        ("iam", "CreateUser", ("user*",), _iam_create("user", "UserName")),
        ("iam", "GetUser", ("user*",), _iam_one("user", "UserName")),
        ("iam", "ListUsers", ("user*",), _iam_list("user")),
        ("iam", "DeleteUser", ("user*",), _iam_one("user", "UserName")),
        ("iam", "TagUser", ("user*",), _iam_create("user", "UserName")),
        ("iam", "CreateGroup", ("group*",), _iam_create("group", "GroupName")),
        ("iam", "GetGroup", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "ListGroups", ("group*",), _iam_list("group")),
        ("iam", "DeleteGroup", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "AddUserToGroup", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "RemoveUserFromGroup", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "ListGroupsForUser", ("user*",), _iam_one("user", "UserName")),
        ("iam", "CreateRole", ("role*",), _iam_create("role", "RoleName")),
        ("iam", "GetRole", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "ListRoles", ("role*",), _iam_list("role")),
        ("iam", "DeleteRole", ("role*",), _iam_one("role", "RoleName")),
        # IAM: managed policies
        ("iam", "CreatePolicy", ("policy*",), _iam_create_policy),
        ("iam", "GetPolicy", ("policy*",), _iam_policy),
        ("iam", "ListPolicies", ("policy*",), _iam_list("policy")),
        ("iam", "DeletePolicy", ("policy*",), _iam_policy),
        ("iam", "CreatePolicyVersion", ("policy*",), _iam_policy),
        ("iam", "GetPolicyVersion", ("policy*",), _iam_policy),
        ("iam", "ListPolicyVersions", ("policy*",), _iam_policy),
        ("iam", "DeletePolicyVersion", ("policy*",), _iam_policy),
        ("iam", "SetDefaultPolicyVersion", ("policy*",), _iam_policy),
        ("iam", "AttachUserPolicy", ("user*",), _iam_attach("user", "UserName")),
        ("iam", "AttachRolePolicy", ("role*",), _iam_attach("role", "RoleName")),
        ("iam", "AttachGroupPolicy", ("group*",), _iam_attach("group", "GroupName")),
        ("iam", "DetachUserPolicy", ("user*",), _iam_attach("user", "UserName")),
        ("iam", "DetachRolePolicy", ("role*",), _iam_attach("role", "RoleName")),
        ("iam", "DetachGroupPolicy", ("group*",), _iam_attach("group", "GroupName")),
        ("iam", "ListAttachedUserPolicies", ("user*",), _iam_one("user", "UserName")),
        ("iam", "ListAttachedRolePolicies", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "ListAttachedGroupPolicies", ("group*",), _iam_one("group", "GroupName")),
        # IAM: inline policies and boundaries
        ("iam", "PutUserPolicy", ("user*",), _iam_one("user", "UserName")),
        ("iam", "PutRolePolicy", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "PutGroupPolicy", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "GetUserPolicy", ("user*",), _iam_one("user", "UserName")),
        ("iam", "GetRolePolicy", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "GetGroupPolicy", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "ListUserPolicies", ("user*",), _iam_one("user", "UserName")),
        ("iam", "ListRolePolicies", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "ListGroupPolicies", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "DeleteUserPolicy", ("user*",), _iam_one("user", "UserName")),
        ("iam", "DeleteRolePolicy", ("role*",), _iam_one("role", "RoleName")),
        ("iam", "DeleteGroupPolicy", ("group*",), _iam_one("group", "GroupName")),
        ("iam", "PutUserPermissionsBoundary", ("user*",), _iam_boundary("user", "UserName")),
        ("iam", "PutRolePermissionsBoundary", ("role*",), _iam_boundary("role", "RoleName")),
        ("iam", "DeleteUserPermissionsBoundary", ("user*",), _iam_one("user", "UserName")),
        ("iam", "DeleteRolePermissionsBoundary", ("role*",), _iam_one("role", "RoleName")),
        # IAM: credentials
        ("iam", "CreateAccessKey", ("user*",), _iam_one("user", "UserName")),
        ("iam", "ListAccessKeys", ("user*",), _iam_one("user", "UserName")),
        ("iam", "UpdateAccessKey", ("user*",), _iam_one("user", "UserName")),
        ("iam", "DeleteAccessKey", ("user*",), _iam_one("user", "UserName")),
        ("iam", "CreateLoginProfile", ("user*",), _iam_one("user", "UserName")),
        ("iam", "GetLoginProfile", ("user*",), _iam_one("user", "UserName")),
        ("iam", "DeleteLoginProfile", ("user*",), _iam_one("user", "UserName")),
        # IAM: the simulator
        ("iam", "SimulatePrincipalPolicy", ("group*", "role*", "user*"), _iam_simulate_principal),
        ("iam", "SimulateCustomPolicy", (), _ec2_none),
    ]
    table: dict[tuple[str, str], ActionSpec] = {}
    for service, operation, types, build in rows:
        table[(service, operation)] = ActionSpec(
            service, operation, f"{service}:{operation}", types, build
        )
    return table


#: (service, operation) -> what IAM evaluates for that call.
ACTIONS: Mapping[tuple[str, str], ActionSpec] = MappingProxyType(_rows())


def authorization_request(
    acct: Account,
    service: str,
    operation: str,
    params: Params,
    caller: str | None = None,
) -> AuthRequest:
    """The action, resources and request context of one call.

    ``caller`` is the calling principal's ARN; IAM calls on "the caller's own user" (no
    ``UserName``) use it. Raises :class:`KeyError` for an operation with no row.
    """
    spec = ACTIONS[(service, operation)]
    if service == "iam" and operation in _IAM_USER_SELF and not params.get("UserName"):
        name = _iam_caller_user(acct, params, caller)
        resources = [
            _iam_entity(acct, "user", name)
            if name
            else ResourceRef(caller or _iam_arn(acct, "user", "/", ""))
        ]
        ctx: ContextDict = {}
    else:
        resources, ctx = spec.build(acct, params)
    names_resource = bool(spec.resource_types)
    return AuthRequest(spec.action, tuple(resources), ctx, names_resource)
