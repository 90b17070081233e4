"""Query-protocol request bodies back to the keyword arguments boto3 was called with.

botocore's ``QuerySerializer`` (rds, iam) and ``EC2Serializer`` flatten a call into form
fields: structure members as ``Prefix.Name``, lists as ``Prefix.member.N`` (query; the item
name comes from the model, flattened lists drop it) or ``Prefix.N`` (ec2, whose names are the
model's ``queryName`` or capitalised ``locationName``), maps as ``Prefix.entry.N.key``, an
empty query list as ``Prefix=``. This module walks the operation's input shape from
botocore's own model and undoes exactly that: the dotted names become a tree first, so the
cost is the number of fields sent, not the size of the shape.
"""

from __future__ import annotations

import base64
import datetime as _dt
from collections.abc import Mapping
from typing import Any, TypeAlias

from aurora_sec.errors import AwsError

__all__ = ["parse_params"]

#: A field's value, or the fields under a dotted prefix.
Node: TypeAlias = str | dict[str, "Node"]

_MEMBERS: dict[tuple[int, bool], tuple[Any, dict[str, tuple[str, Any]]]] = {}


def _ec2_name(shape: Any, default: str) -> str:
    serialization = shape.serialization
    if "queryName" in serialization:
        return str(serialization["queryName"])
    if "name" in serialization:
        name = str(serialization["name"])
        return name[0].upper() + name[1:]
    return default


def _query_name(shape: Any, default: str) -> str:
    return str(shape.serialization.get("name", default))


def _members(shape: Any, ec2: bool) -> dict[str, tuple[str, Any]]:
    """Wire name -> (member name, member shape) of a structure (cached per shape)."""
    key = (id(shape), ec2)
    cached = _MEMBERS.get(key)
    if cached is not None and cached[0] is shape:
        return cached[1]
    table: dict[str, tuple[str, Any]] = {}
    for name, member in shape.members.items():
        wire = _ec2_name(member, name) if ec2 else _query_name(member, name)
        if (
            not ec2
            and member.type_name == "list"
            and member.serialization.get("flattened")
            and member.member.serialization.get("name")
        ):
            wire = _query_name(member.member, wire)
        table[wire] = (name, member)
    _MEMBERS[key] = (shape, table)
    return table


def _tree(fields: Mapping[str, str]) -> dict[str, Node]:
    root: dict[str, Node] = {}
    for key, value in fields.items():
        if key in ("Action", "Version"):
            continue
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if parts[-1] not in node:
            node[parts[-1]] = value
    return root


def _invalid(text: str, where: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({text}) for parameter {where} is invalid.")


def _items(node: Node, where: str) -> list[Node]:
    if isinstance(node, str):
        if node:
            raise _invalid(node, where)
        return []
    try:
        numbered = sorted((int(k), v) for k, v in node.items())
    except ValueError:
        raise _invalid(",".join(node), where) from None
    return [v for _, v in numbered]


def _read(shape: Any, node: Node, where: str, ec2: bool) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if isinstance(node, str):
            raise _invalid(node, where)
        table = _members(shape, ec2)
        out: dict[str, Any] = {}
        for wire, child in node.items():
            found = table.get(wire)
            if found is not None:  # AWS ignores unknown fields; botocore never sends them
                out[found[0]] = _read(found[1], child, f"{where}.{wire}".lstrip("."), ec2)
        return out
    if kind == "list":
        if not ec2 and isinstance(node, dict) and not shape.serialization.get("flattened"):
            node = node.get(_query_name(shape.member, "member"), "")
        return [_read(shape.member, item, where, ec2) for item in _items(node, where)]
    if kind == "map":
        if isinstance(node, dict) and not shape.serialization.get("flattened"):
            node = node.get("entry", "")
        key_name = _ec2_name(shape.key, "key") if ec2 else _query_name(shape.key, "key")
        value_name = _ec2_name(shape.value, "value") if ec2 else _query_name(shape.value, "value")
        result: dict[Any, Any] = {}
        for entry in _items(node, where):
            if not isinstance(entry, dict) or key_name not in entry:
                raise _invalid(str(entry), where)
            key = _read(shape.key, entry[key_name], where, ec2)
            result[key] = _read(shape.value, entry.get(value_name, ""), where, ec2)
        return result
    if not isinstance(node, str):
        raise _invalid(".".join(node), where)
    return _scalar(kind, node, where)


def _scalar(kind: str, text: str, where: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if kind == "timestamp":
            return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if kind == "blob":
            return base64.b64decode(text, validate=True)
    except ValueError:
        raise _invalid(text, where) from None
    return text


def parse_params(fields: Mapping[str, str], input_shape: Any, *, ec2: bool) -> dict[str, Any]:
    """The kwargs for the operation whose input shape is ``input_shape`` (None: no input).

    A value that cannot be of its member's type is AWS's ``InvalidParameterValue``.
    """
    if input_shape is None:
        return {}
    result: dict[str, Any] = _read(input_shape, _tree(fields), "", ec2)
    return result
