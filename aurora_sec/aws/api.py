"""The boto3-shaped front door: parameter validation and operation dispatch.

A client method such as ``rds.create_db_cluster(**kwargs)`` goes through three steps, the way
a boto3 call does:

1. its keyword arguments are validated against the operation's input shape, with botocore's
   exact report (:class:`~aurora_sec.errors.ParamValidationError`) and nothing else happens;
2. the handler runs against the account's state and returns a response dict, or raises an
   :class:`~aurora_sec.errors.AwsError`, which is stamped with the operation name;
3. ``ResponseMetadata`` is added, as botocore adds it.

The shapes are data generated from botocore's model (``aurora_sec/aws/_generated``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from aurora_sec.errors import AwsError, ParamValidationError

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["BaseClient", "Params", "operation", "validate_params"]

Params = Mapping[str, Any]
Handler = Callable[[Any, Params], dict[str, Any]]
F = TypeVar("F", bound=Handler)

_SCALARS: dict[str, tuple[type, ...]] = {
    "float": (float, decimal.Decimal, int),
    "double": (float, decimal.Decimal, int),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "string": (str,),
}
_CONTAINERS: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list, tuple),
}
_REDACTED = "***"


class _Report:
    """Collects botocore-worded validation messages."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    @staticmethod
    def name(path: str) -> str:
        if not path:
            return "input"
        return path[1:] if path.startswith(".") else path

    def type_error(self, path: str, value: Any, valid: list[str], secret: bool) -> None:
        shown = _REDACTED if secret else value
        self.lines.append(
            f"Invalid type for parameter {self.name(path)}, value: {shown}, "
            f"type: {type(value)}, valid types: {', '.join(valid)}"
        )


class _Validator:
    def __init__(self, shapes: Mapping[str, tuple[Any, ...]], sensitive: frozenset[str]) -> None:
        self.shapes = shapes
        self.sensitive = sensitive
        self._fast: dict[str, Callable[[Any], bool]] = {}

    def is_valid(self, value: Any, shape_name: str) -> bool:
        """The fast path: True when botocore would report nothing (no report is built)."""
        return self.check(shape_name)(value)

    def check(self, shape_name: str) -> Callable[[Any], bool]:
        """The compiled fast check of a shape (compiled on first use)."""
        check = self._fast.get(shape_name)
        if check is None:
            check = self._fast[shape_name] = self._compile(shape_name)
        return check

    def _compile(self, shape_name: str) -> Callable[[Any], bool]:
        shape = self.shapes[shape_name]
        kind = shape[0]
        is_valid = self.is_valid
        check_of = self.check
        if kind == "structure":
            members: dict[str, str] = shape[1]
            required: tuple[str, ...] = shape[2]
            # Members that are plain scalars (no minimum) need only an isinstance test.
            plain = {
                key: _SCALARS[self.shapes[member][0]]
                for key, member in members.items()
                if self.shapes[member][0] in _SCALARS
                and (len(self.shapes[member]) < 2 or self.shapes[member][1] is None)
            }
            # Any other member's check, looked up on first use (shapes may be recursive).
            checks: dict[str, Callable[[Any], bool]] = {}

            def structure(value: Any) -> bool:
                if not isinstance(value, dict):
                    return False
                for name in required:
                    if name not in value:
                        return False
                for key, item in value.items():
                    types = plain.get(key)
                    if types is not None:
                        if not isinstance(item, types):
                            return False
                        continue
                    check = checks.get(key)
                    if check is None:
                        member = members.get(key)
                        if member is None:
                            return False
                        check = checks[key] = check_of(member)
                    if not check(item):
                        return False
                return True

            return structure
        if kind == "list":
            item_shape: str = shape[1]
            minimum = shape[2]

            def listing(value: Any) -> bool:
                if not isinstance(value, list | tuple):
                    return False
                if minimum is not None and len(value) < minimum:
                    return False
                check = check_of(item_shape)
                return all(check(item) for item in value)

            return listing
        if kind == "map":
            key_shape, value_shape = shape[1], shape[2]
            return lambda v: (
                isinstance(v, dict)
                and all(is_valid(k, key_shape) and is_valid(i, value_shape) for k, i in v.items())
            )
        if kind == "timestamp":
            return _is_timestamp
        if kind == "blob":
            return lambda v: isinstance(v, bytes | bytearray | str) or hasattr(v, "read")
        valid = _SCALARS.get(kind)
        if valid is None:
            return lambda v: True
        minimum = shape[1] if len(shape) > 1 else None
        if minimum is None:
            return lambda v: isinstance(v, valid)
        if kind == "string":
            return lambda v: isinstance(v, str) and len(v) >= minimum
        if kind in ("integer", "long"):
            return lambda v: isinstance(v, int) and v >= minimum
        return lambda v: isinstance(v, valid)

    def validate(self, value: Any, shape_name: str, path: str, report: _Report) -> None:
        shape = self.shapes[shape_name]
        kind = shape[0]
        secret = shape_name in self.sensitive
        if kind in _CONTAINERS:
            if not isinstance(value, _CONTAINERS[kind]):
                report.type_error(path, value, [str(t) for t in _CONTAINERS[kind]], secret)
                return
            getattr(self, f"_{kind}")(value, shape, path, report)
            return
        if kind == "timestamp":
            if not _is_timestamp(value):
                report.type_error(path, value, [str(_dt.datetime), "timestamp-string"], secret)
            return
        if kind == "blob":
            if not isinstance(value, bytes | bytearray | str) and not hasattr(value, "read"):
                report.type_error(
                    path, value, [str(bytes), str(bytearray), "file-like object"], secret
                )
            return
        valid = _SCALARS.get(kind)
        if valid is None:
            return
        if not isinstance(value, valid):
            report.type_error(path, value, [str(t) for t in valid], secret)
            return
        minimum = shape[1] if len(shape) > 1 else None
        if minimum is None:
            return
        if kind == "string" and isinstance(value, str) and len(value) < minimum:
            report.lines.append(
                f"Invalid length for parameter {report.name(path)}, value: {len(value)}, "
                f"valid min length: {minimum}"
            )
        elif kind in ("integer", "long") and value < minimum:
            report.lines.append(
                f"Invalid value for parameter {report.name(path)}, value: {value}, "
                f"valid min value: {minimum}"
            )

    def _structure(
        self, value: dict[str, Any], shape: tuple[Any, ...], path: str, report: _Report
    ) -> None:
        members: dict[str, str] = shape[1]
        for required in shape[2]:
            if required not in value:
                report.lines.append(
                    f'Missing required parameter in {report.name(path)}: "{required}"'
                )
        known = []
        for key in value:
            if key not in members:
                report.lines.append(
                    f'Unknown parameter in {report.name(path)}: "{key}", '
                    f"must be one of: {', '.join(members)}"
                )
            else:
                known.append(key)
        for key in known:
            self.validate(value[key], members[key], f"{path}.{key}", report)

    def _list(
        self, value: list[Any] | tuple[Any, ...], shape: tuple[Any, ...], path: str, report: _Report
    ) -> None:
        minimum = shape[2]
        if minimum is not None and len(value) < minimum:
            report.lines.append(
                f"Invalid length for parameter {report.name(path)}, value: {len(value)}, "
                f"valid min length: {minimum}"
            )
        for i, item in enumerate(value):
            self.validate(item, shape[1], f"{path}[{i}]", report)

    def _map(
        self, value: dict[Any, Any], shape: tuple[Any, ...], path: str, report: _Report
    ) -> None:
        for key, item in value.items():
            self.validate(key, shape[1], f"{path} (key: {key})", report)
            self.validate(item, shape[2], f"{path}.{key}", report)


def _is_timestamp(value: Any) -> bool:
    if isinstance(value, _dt.datetime | _dt.date | int | float) and not isinstance(value, bool):
        return True
    if isinstance(value, str):
        try:
            _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return False


@functools.cache
def _validator(module: ModuleType) -> _Validator:
    return _Validator(module.SHAPES, module.SENSITIVE)


@functools.cache
def _operation_check(module: ModuleType, operation_name: str) -> Callable[[Any], bool]:
    return _validator(module).check(module.OPERATIONS[operation_name])


def validate_params(module: ModuleType, operation_name: str, params: Params) -> None:
    """Raise :class:`ParamValidationError` as botocore would for ``params``."""
    if _operation_check(module, operation_name)(params):
        return
    report = _Report()
    _validator(module).validate(dict(params), module.OPERATIONS[operation_name], "", report)
    if report.lines:
        raise ParamValidationError("\n".join(report.lines))


def operation(name: str) -> Callable[[F], Callable[..., dict[str, Any]]]:
    """Turn ``handler(self, params) -> dict`` into a boto3-style ``method(**kwargs)``."""

    def wrap(handler: F) -> Callable[..., dict[str, Any]]:
        @functools.wraps(handler)
        def method(self: BaseClient, **kwargs: Any) -> dict[str, Any]:
            validate_params(self._shapes, name, kwargs)
            self._authorize(name, kwargs)
            try:
                with self._account.lock:
                    response = handler(self, kwargs)
            except AwsError as err:
                raise err.for_operation(name) from None
            response["ResponseMetadata"] = {
                "RequestId": self._account.ids.request_id(),
                "HTTPStatusCode": 200,
                "HTTPHeaders": {},
                "RetryAttempts": 0,
            }
            return response

        method.operation_name = name  # type: ignore[attr-defined]
        return method

    return wrap


class BaseClient:
    """A boto3-shaped client bound to one :class:`~aurora_sec.Account`."""

    service_name: str = ""
    _shapes: ModuleType

    def __init__(self, account: Account, principal: str | None = None) -> None:
        self._account = account
        self.principal = principal

    def _authorize(self, operation_name: str, params: Params) -> None:
        """Hook for IAM: every call is authorized before it runs (see the IAM plane)."""
        if self.principal is not None:  # the root user may call everything
            self._account.authorize(self.service_name, operation_name, params, self.principal)

    @classmethod
    def operation_names(cls) -> tuple[str, ...]:
        """The AWS operations this client serves."""
        names = []
        for attr in dir(cls):
            op = getattr(getattr(cls, attr), "operation_name", None)
            if op is not None:
                names.append(op)
        return tuple(sorted(names))

    def can_paginate(self, operation_name: str) -> bool:
        return False

    def __repr__(self) -> str:
        who = f", principal={self.principal!r}" if self.principal else ""
        return f"<{type(self).__name__} account={self._account.account_id}{who}>"
