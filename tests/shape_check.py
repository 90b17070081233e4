"""Check an emulator response against botocore's output shape of the real operation.

``assert_matches_output("rds", "DescribeDBEngineVersions", response)`` fails, listing every
problem, when the response has a key the botocore model does not define, lacks a required
member, holds a None, or holds a value of the wrong Python type for its shape (the types
botocore's parser produces: str, int, bool, float, datetime, bytes, list, dict).
``ResponseMetadata`` (added by botocore, not part of the model) is allowed at the top level.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from typing import Any

import botocore.session

__all__ = ["assert_matches_output", "output_problems"]

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (float, int),
    "float": (float, int),
    "timestamp": (_dt.datetime,),
    "blob": (bytes, bytearray),
}


@functools.cache
def _service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _check(value: Any, shape: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if value is None:
        problems.append(f"{path}: None (botocore never returns None for a {kind})")
        return
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected dict for {shape.name}, got {type(value).__name__}")
            return
        members = shape.members
        for required in getattr(shape, "required_members", ()):
            if required not in value:
                problems.append(f"{path}: missing required member {required!r}")
        for key, item in value.items():
            if key not in members:
                problems.append(f"{path}: {key!r} is not a member of {shape.name}")
                continue
            _check(item, members[key], f"{path}.{key}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected list for {shape.name}, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(item, shape.member, f"{path}[{i}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected dict for {shape.name}, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check(key, shape.key, f"{path} (key)", problems)
            _check(item, shape.value, f"{path}[{key!r}]", problems)
    else:
        expected = _SCALARS.get(kind)
        if expected is None:
            problems.append(f"{path}: unknown shape type {kind}")
            return
        if isinstance(value, bool) and kind != "boolean":
            problems.append(f"{path}: bool where {kind} expected")
        elif not isinstance(value, expected):
            problems.append(f"{path}: expected {kind}, got {type(value).__name__} {value!r}")
        elif isinstance(value, _dt.datetime) and value.tzinfo is None:
            problems.append(f"{path}: naive datetime (botocore returns aware ones)")
        elif kind == "string" and shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in enum {shape.enum}")


def output_problems(service: str, operation_name: str, response: Mapping[str, Any]) -> list[str]:
    """Every way ``response`` differs from the output shape of the operation."""
    shape = _service_model(service).operation_model(operation_name).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    problems: list[str] = []
    if shape is None:
        if body:
            problems.append(f"{operation_name} has no output shape, got keys {sorted(body)}")
        return problems
    _check(body, shape, operation_name, problems)
    metadata = response.get("ResponseMetadata")
    if "ResponseMetadata" in response and not isinstance(metadata, dict):
        problems.append("ResponseMetadata: expected dict")
    return problems


def assert_matches_output(service: str, operation_name: str, response: Mapping[str, Any]) -> None:
    """Assert that ``response`` fits botocore's output shape of ``operation_name``."""
    problems = output_problems(service, operation_name, response)
    assert not problems, "response does not match botocore's shape:\n" + "\n".join(problems)
