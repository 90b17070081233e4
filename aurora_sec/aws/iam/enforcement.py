"""Enforcement: authorize one API call for a principal, or raise AWS's denial.

:func:`authorize` resolves the principal, asks :mod:`~aurora_sec.aws.iam.actions` what the call
touches, evaluates each resource with :func:`~aurora_sec.aws.iam.evaluate.evaluate`, and raises
the service's error for the first resource denied. It runs before the call's handler, so a
denied call changes nothing.

Messages, as AWS prints them now (issue 5; observed in public issue threads, e.g.
mattermost-cloud-monitoring#446 for RDS, hashicorp/terraform-provider-aws#34234 and
aws/karpenter-provider-aws#7370 for EC2, nebari-dev/nebari#2152 for the boundary form):

* RDS and IAM: ``AccessDenied`` (HTTP 403) ``User: <arn> is not authorized to perform: <action>
  on resource: <arn> because no identity-based policy allows the <action> action``, or ``... with
  an explicit deny in an identity-based policy``, ``... because no permissions boundary allows
  the <action> action``, ``... with an explicit deny in a permissions boundary``;
* EC2: ``UnauthorizedOperation`` (403) ``You are not authorized to perform this operation.
  User: ... action. Encoded authorization failure message: <opaque>``; actions without
  resource types (``ec2:Describe*``) name no resource and carry no encoded message.

Credentials: an unknown or inactive access key (or a principal that no longer exists) gets
``InvalidClientTokenId`` "The security token included in the request is invalid." from RDS and
IAM and ``AuthFailure`` (401) "AWS was not able to validate the provided access credentials"
from EC2; a wrong secret gets ``SignatureDoesNotMatch`` (RDS, IAM) or the same ``AuthFailure``
(EC2).

UNCONFIRMED: the message for RDS actions without resource types (we use the EC2 form without
"on resource"); the encoded message's content (an opaque deterministic token); when both the
identity policies and the boundary deny explicitly, the identity-based wording is used; when
neither allows, "no identity-based policy allows" (the evaluation flow chart checks identity
policies before the boundary).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from aurora_sec.aws.iam.actions import AuthRequest, authorization_request
from aurora_sec.aws.iam.backend import Caller
from aurora_sec.aws.iam.evaluate import Decision, Request, evaluate
from aurora_sec.errors import AwsError

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = [
    "authorize",
    "bad_signature",
    "call_contexts",
    "denial_message",
    "global_context",
    "invalid_token",
]

_SIGNATURE_TEXT: Final = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


def invalid_token(service: str) -> AwsError:
    """The error for an unknown access key / a principal that does not exist."""
    if service == "ec2":
        return AwsError(
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
            http_status=401,
        )
    return AwsError(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        http_status=403,
    )


def bad_signature(service: str) -> AwsError:
    """The error for a known access key with the wrong secret."""
    if service == "ec2":
        return invalid_token("ec2")
    return AwsError("SignatureDoesNotMatch", _SIGNATURE_TEXT, http_status=403)


def global_context(
    acct: Account, service: str, extra: Mapping[str, tuple[str, ...]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Keys every request carries: time, region, transport (and what the client adds)."""
    ctx = dict(acct.iam.time_context())
    ctx["aws:requestedregion"] = ("us-east-1" if service == "iam" else acct.region,)
    ctx["aws:securetransport"] = ("true",)
    if extra:
        ctx.update(extra)
    return ctx


def call_contexts(
    acct: Account,
    caller: Caller,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    extra: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[AuthRequest, list[tuple[str, dict[str, tuple[str, ...]]]]]:
    """The action and, per resource, the full context a call is evaluated with."""
    request = authorization_request(acct, service, operation, params, caller.arn)
    base = global_context(acct, service, extra)
    base.update(caller.context)
    base.update(request.context)
    per_resource = []
    for ref in request.resources:
        ctx = dict(base)
        ctx.update(ref.context)
        per_resource.append((ref.arn, ctx))
    return request, per_resource


def denial_message(caller_arn: str, action: str, resource: str | None, decision: Decision) -> str:
    """``User: ... is not authorized to perform: ...`` for a denied decision."""
    on = f" on resource: {resource}" if resource else ""
    head = f"User: {caller_arn} is not authorized to perform: {action}{on}"
    if decision.decision == "explicitDeny":
        where = (
            "an identity-based policy"
            if decision.denied_by == "identity"
            else "a permissions boundary"
        )
        return f"{head} with an explicit deny in {where}"
    kind = "identity-based policy" if decision.denied_by == "identity" else "permissions boundary"
    return f"{head} because no {kind} allows the {action} action"


def _denied(
    acct: Account,
    service: str,
    caller: Caller,
    request: AuthRequest,
    resource: str,
    decision: Decision,
) -> AwsError:
    shown = resource if request.names_resource else None
    message = denial_message(caller.arn, request.action, shown, decision)
    if service == "ec2":
        text = f"You are not authorized to perform this operation. {message}"
        if request.names_resource:
            blob = base64.urlsafe_b64encode(acct.ids.token("ec2-auth-failure", 32) * 4)
            text += f". Encoded authorization failure message: {blob.decode().rstrip('=')}"
        return AwsError("UnauthorizedOperation", text, http_status=403)
    return AwsError("AccessDenied", message, http_status=403)


def authorize(
    acct: Account,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    principal: str | None,
    extra: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """Allow the call or raise the service's denial. ``principal=None`` is the root user."""
    if principal is None:
        return
    caller = acct.iam.resolve(principal)
    if caller is None:
        raise invalid_token(service).for_operation(operation)
    if caller.kind == "root":
        return
    request, per_resource = call_contexts(acct, caller, service, operation, params, extra)
    for arn, ctx in per_resource:
        decision = evaluate(caller.policies, Request(request.action, arn, ctx))
        if not decision.allowed:
            raise _denied(acct, service, caller, request, arn, decision).for_operation(operation)
