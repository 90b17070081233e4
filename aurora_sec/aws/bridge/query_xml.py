"""Response dicts to the XML a query-protocol service sends, walking botocore's output shape.

rds and iam answer ``<OpResponse><OpResult>...</OpResult><ResponseMetadata>...`` (the result
wrapper is the model's ``resultWrapper``), ec2 answers ``<OpResponse xmlns=...><requestId>``
and the members directly. Element names are the model's ``locationName`` (else the member
name); non-flattened lists wrap items in the list member's name (``member``, ec2's ``item``),
timestamps are ISO 8601 UTC, booleans ``true``/``false``, IAM policy documents url-encoded
JSON (boto3 decodes them). Errors are ``<ErrorResponse>`` (query)
or ``<Response><Errors>`` (ec2). botocore's own parsers read these back; the tests prove the
round trip gives the in-process client's dict.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from aurora_sec.errors import AwsError

__all__ = ["error_xml", "response_xml"]

_EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _scalar(shape: Any, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, _dt.datetime):
            when = value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)
            when = when.astimezone(_dt.UTC)
            if when.microsecond:
                return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return escape(str(value))
    if kind == "blob":
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    if kind in ("float", "double"):
        return repr(float(value))
    if isinstance(value, dict | list):
        # IAM policy documents: boto3 shows them decoded, the wire carries url-encoded JSON
        # (botocore's json_decode_policies turns them back into the dict).
        return escape(quote(json.dumps(value), safe=""))
    return escape(str(value))


def _element(name: str, inner: str) -> str:
    return f"<{name}>{inner}</{name}>"


def _member_name(shape: Any, default: str) -> str:
    return str(shape.serialization.get("name", default))


#: Writes the children of an element holding a value of one shape.
Writer = Callable[[Any, list[str]], None]
#: id(shape) -> (shape, its writer), compiled once per shape of botocore's models.
_WRITERS: dict[int, tuple[Any, Writer]] = {}


def _writer(shape: Any) -> Writer:
    """The compiled writer of ``shape`` (element names and types resolved once)."""
    cached = _WRITERS.get(id(shape))
    if cached is not None and cached[0] is shape:
        return cached[1]
    kind = shape.type_name
    write: Writer
    if kind == "structure":
        members: dict[str, Writer] = {}

        def write_structure(value: Any, out: list[str]) -> None:
            for name, item in value.items():
                member = members.get(name)
                if member is not None and item is not None:
                    member(item, out)
                # not in the output shape: botocore would not read it either

        # registered before its members: a recursive shape finds itself
        _WRITERS[id(shape)] = (shape, write_structure)
        for name, member in shape.members.items():
            members[name] = _member_writer(member, name)
        return write_structure
    if kind == "list":
        tag = _member_name(shape.member, "member")
        write = _repeated(f"<{tag}>", f"</{tag}>", _writer(shape.member))
    elif kind == "map":
        write = _map_writer(shape)
    elif kind == "string":

        def write_string(value: Any, out: list[str]) -> None:
            out.append(escape(value) if isinstance(value, str) else _scalar(shape, value))

        write = write_string
    else:
        text = _scalar_text(shape)

        def write_scalar(value: Any, out: list[str]) -> None:
            out.append(text(value))

        write = write_scalar
    _WRITERS[id(shape)] = (shape, write)
    return write


def _scalar_text(shape: Any) -> Callable[[Any], str]:
    """``_scalar(shape, value)`` as a function of the value, quicker for the common types."""
    kind = shape.type_name
    if kind == "boolean":
        return lambda value: "true" if value else "false"
    if kind in ("integer", "long"):
        # str() of an int has nothing to escape: the same text as _scalar's
        return lambda value: str(value) if type(value) is int else _scalar(shape, value)
    return lambda value: _scalar(shape, value)


def _repeated(open_tag: str, close_tag: str, inner: Writer) -> Writer:
    def write_items(value: Any, out: list[str]) -> None:
        for item in value:
            out.append(open_tag)
            inner(item, out)
            out.append(close_tag)

    return write_items


def _member_writer(member: Any, name: str) -> Writer:
    """Writes a structure member: its element (or, flattened, one element per item)."""
    kind = member.type_name
    element = _member_name(member, name)
    if kind == "list" and member.serialization.get("flattened"):
        element = _member_name(member.member, element)
        return _repeated(f"<{element}>", f"</{element}>", _writer(member.member))
    open_tag, close_tag = f"<{element}>", f"</{element}>"
    if kind not in ("structure", "list", "map", "string"):
        text = _scalar_text(member)

        def write_scalar_member(item: Any, out: list[str]) -> None:
            out.append(open_tag + text(item) + close_tag)

        return write_scalar_member
    inner = _writer(member)
    if kind == "string":

        def write_string_member(item: Any, out: list[str]) -> None:
            if isinstance(item, str):
                out.append(open_tag + escape(item) + close_tag)
            else:
                out.append(open_tag)
                inner(item, out)
                out.append(close_tag)

        return write_string_member

    def write_member(item: Any, out: list[str]) -> None:
        out.append(open_tag)
        inner(item, out)
        out.append(close_tag)

    return write_member


def _map_writer(shape: Any) -> Writer:
    key_name = _member_name(shape.key, "key")
    value_name = _member_name(shape.value, "value")
    write_key, write_value = _writer(shape.key), _writer(shape.value)
    key_open, middle = f"<entry><{key_name}>", f"</{key_name}><{value_name}>"
    value_close = f"</{value_name}></entry>"

    def write_map(value: Any, out: list[str]) -> None:
        for key, item in value.items():
            out.append(key_open)
            write_key(key, out)
            out.append(middle)
            write_value(item, out)
            out.append(value_close)

    return write_map


def _body(shape: Any, value: Any, out: list[str]) -> None:
    """Append the children of an element of ``shape`` holding ``value``."""
    _writer(shape)(value, out)


def response_xml(operation_model: Any, result: dict[str, Any], request_id: str) -> bytes:
    """The 200 response body for ``result`` (the in-process dict, ResponseMetadata ignored)."""
    name = operation_model.name
    service = operation_model.service_model
    shape = operation_model.output_shape
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']
    if service.protocol == "ec2":
        out.append(f'<{name}Response xmlns="{_EC2_NS}">')
        out.append(_element("requestId", escape(request_id)))
        if shape is not None:
            _body(shape, result, out)
        out.append(f"</{name}Response>")
    else:
        namespace = service.metadata.get("xmlNamespace", "")
        out.append(f'<{name}Response xmlns="{escape(namespace)}">')
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
            out.append(f"<{wrapper}>")
            _body(shape, result, out)
            out.append(f"</{wrapper}>")
        out.append(_element("ResponseMetadata", _element("RequestId", escape(request_id))))
        out.append(f"</{name}Response>")
    return "".join(out).encode("utf-8")


def error_xml(protocol: str, error: AwsError, request_id: str) -> bytes:
    """The error body botocore turns into ``ClientError`` with this code and message."""
    code, message = escape(error.code), escape(error.message)
    if protocol == "ec2":
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>"
        )
    else:
        kind = "Sender" if error.sender_fault else "Receiver"
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error>"
            f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        )
    return text.encode("utf-8")
