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


#: Per structure shape: member name -> (element name, shape, its type, a flattened list?).
_Plan = dict[str, tuple[str, Any, str, bool]]
_PLANS: dict[int, tuple[Any, _Plan]] = {}


def _plan(shape: Any) -> _Plan:
    cached = _PLANS.get(id(shape))
    if cached is not None and cached[0] is shape:
        return cached[1]
    plan: _Plan = {}
    for name, member in shape.members.items():
        kind = member.type_name
        flat = kind == "list" and bool(member.serialization.get("flattened"))
        element = _member_name(member, name)
        if flat:
            element = _member_name(member.member, element)
        plan[name] = (element, member, kind, flat)
    _PLANS[id(shape)] = (shape, plan)
    return plan


def _body(shape: Any, value: Any, out: list[str]) -> None:
    """Append the children of an element of ``shape`` holding ``value``."""
    kind = shape.type_name
    if kind == "structure":
        plan = _plan(shape)
        for name, item in value.items():
            found = plan.get(name)
            if found is None or item is None:
                continue  # not in the output shape: botocore would not read it either
            element, member, member_kind, flat = found
            if member_kind == "string" and isinstance(item, str):
                out.append(f"<{element}>{escape(item)}</{element}>")
            elif flat:
                for each in item:
                    out.append(f"<{element}>")
                    _body(member.member, each, out)
                    out.append(f"</{element}>")
            else:
                out.append(f"<{element}>")
                _body(member, item, out)
                out.append(f"</{element}>")
    elif kind == "list":
        tag = _member_name(shape.member, "member")
        for element in value:
            out.append(f"<{tag}>")
            _body(shape.member, element, out)
            out.append(f"</{tag}>")
    elif kind == "map":
        key_name = _member_name(shape.key, "key")
        value_name = _member_name(shape.value, "value")
        for key, element in value.items():
            out.append(f"<entry><{key_name}>")
            _body(shape.key, key, out)
            out.append(f"</{key_name}><{value_name}>")
            _body(shape.value, element, out)
            out.append(f"</{value_name}></entry>")
    elif kind == "string" and isinstance(value, str):
        out.append(escape(value))
    else:
        out.append(_scalar(shape, value))


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
