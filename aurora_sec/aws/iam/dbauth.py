"""IAM database authentication: the token boto3 makes, and the check the database makes.

``rds.generate_db_auth_token(DBHostname, Port, DBUsername, Region=None)`` is client-side in
boto3: a SigV4 presigned URL for ``GET https://<host>:<port>/?Action=connect&DBUser=<user>``,
service ``rds-db``, ``X-Amz-Expires=900``, with the ``https://`` removed. :func:`sign_db_auth_token`
computes exactly that (byte-for-byte what botocore's ``generate_db_auth_token`` returns for the
same credentials and time; the tests compare the two), with hmac/hashlib.

:func:`verify_db_auth_token` is what Aurora does when a role granted ``rds_iam`` logs in with a
token: the signature must be valid for an active access key, the token at most 15 minutes old
on the account's clock ("Each token has a lifetime of 15 minutes", aurora-facts.md section 4),
bound to the host, port, region and database user of the login, and the key's principal must
be allowed ``rds-db:connect`` on
``arn:aws:rds-db:<region>:<account>:dbuser:<DbClusterResourceId>/<db user>``. The client plane
turns any failure into PostgreSQL's ``FATAL:  PAM authentication failed for user "<user>"``.

UNCONFIRMED: the 5-minute allowance for a token signed "in the future" (SigV4's usual clock
skew); that a token made for another name of the same cluster (reader vs writer endpoint) is
refused (the host must be the one connected to).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, quote

import attrs

from aurora_sec.aws.iam.evaluate import Request, evaluate
from aurora_sec.secrets import Secret

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = [
    "DB_AUTH_FAILURES",
    "DbAuthResult",
    "db_user_arn",
    "sign_db_auth_token",
    "verify_db_auth_token",
]

SERVICE: Final = "rds-db"
ALGORITHM: Final = "AWS4-HMAC-SHA256"
LIFETIME: Final = 900
CLOCK_SKEW: Final = _dt.timedelta(minutes=5)
_EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()

#: Why a token was refused (the database says only "PAM authentication failed").
DB_AUTH_FAILURES: Final[Mapping[str, str]] = {
    "malformed": "not a presigned rds-db:connect URL",
    "host": "signed for another host or port",
    "user": "signed for another database user",
    "region": "signed for another region",
    "unknown-key": "the access key does not exist or is inactive",
    "signature": "the signature does not match the key's secret",
    "expired": "older than its X-Amz-Expires (15 minutes)",
    "future": "signed more than 5 minutes in the future",
    "no-cluster": "the host is not an endpoint of a cluster of this account",
    "iam-disabled": "the cluster does not have IAM database authentication enabled",
    "denied": "the principal is not allowed rds-db:connect on the db user",
}


def _quote(value: str) -> str:
    return quote(value, safe="-_.~")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _signature(
    secret: str, netloc: str, query_pairs: list[tuple[str, str]], amz_date: str, scope: str
) -> str:
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(query_pairs))
    canonical_request = "\n".join(
        ["GET", "/", canonical_query, f"host:{netloc}", "", "host", _EMPTY_SHA256]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    date_stamp, region, service, terminator = scope.split("/")
    key = _hmac(("AWS4" + secret).encode("utf-8"), date_stamp)
    key = _hmac(key, region)
    key = _hmac(key, service)
    key = _hmac(key, terminator)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_db_auth_token(
    host: str,
    port: int,
    user: str,
    region: str,
    access_key_id: str,
    secret: Secret | str,
    when: _dt.datetime,
) -> str:
    """The token (presigned URL without scheme) boto3 would make at time ``when``."""
    secret_text = secret.reveal() if isinstance(secret, Secret) else secret
    netloc = f"{host}:{port}"
    when = when.astimezone(_dt.UTC)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{when.strftime('%Y%m%d')}/{region}/{SERVICE}/aws4_request"
    pairs = [
        ("Action", "connect"),
        ("DBUser", _quote(user)),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", _quote(f"{access_key_id}/{scope}")),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(LIFETIME)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    signature = _signature(secret_text, netloc, pairs, amz_date, scope)
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{netloc}/?{query}&X-Amz-Signature={signature}"


def db_user_arn(acct: Account, cluster_resource_id: str, user: str) -> str:
    """``arn:aws:rds-db:<region>:<account>:dbuser:<DbClusterResourceId>/<user>``."""
    return (
        f"arn:{acct.partition}:rds-db:{acct.region}:{acct.account_id}:dbuser:"
        f"{cluster_resource_id}/{user}"
    )


@attrs.frozen
class DbAuthResult:
    """The outcome of :func:`verify_db_auth_token`: a principal ARN, or a failure reason."""

    principal: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.principal is not None


def _fail(reason: str) -> DbAuthResult:
    return DbAuthResult(None, reason)


def verify_db_auth_token(
    acct: Account, token: str, host: str, port: int, user: str
) -> DbAuthResult:
    """Check an IAM authentication token presented as the password of ``user``.

    Returns the principal's ARN when the login may proceed, else the failure reason (one of
    :data:`DB_AUTH_FAILURES`). Never raises.
    """
    if not isinstance(token, str) or "/?" not in token:
        return _fail("malformed")
    netloc, _, query = token.partition("/?")
    raw_pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        key, eq, value = piece.partition("=")
        if not eq:
            return _fail("malformed")
        raw_pairs.append((key, value))
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return _fail("malformed")
    needed = (
        "Action", "DBUser", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
        "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
    )  # fmt: skip
    if any(k not in params for k in needed) or params["Action"] != "connect":
        return _fail("malformed")
    if params["X-Amz-Algorithm"] != ALGORITHM or params["X-Amz-SignedHeaders"] != "host":
        return _fail("malformed")
    credential = params["X-Amz-Credential"].split("/")
    if len(credential) != 5 or credential[3:] != [SERVICE, "aws4_request"]:
        return _fail("malformed")
    key_id, date_stamp, region = credential[0], credential[1], credential[2]
    try:
        signed_at = _dt.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=_dt.UTC
        )
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        return _fail("malformed")
    if date_stamp != signed_at.strftime("%Y%m%d") or not 0 < expires <= LIFETIME:
        return _fail("malformed")
    if netloc.lower() != f"{host}:{port}".lower():
        return _fail("host")
    if params["DBUser"] != user:
        return _fail("user")
    if region != acct.region:
        return _fail("region")
    secret = acct.iam.secret_for(key_id)
    owner = acct.iam.access_keys.get(key_id)
    if secret is None or owner is None or owner.user_name.lower() not in acct.iam.users:
        return _fail("unknown-key")
    signed_pairs = [(k, v) for k, v in raw_pairs if k != "X-Amz-Signature"]
    scope = "/".join(credential[1:])
    expected = _signature(secret.reveal(), netloc, signed_pairs, params["X-Amz-Date"], scope)
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        return _fail("signature")
    now = acct.iam.now
    if now > signed_at + _dt.timedelta(seconds=expires):
        return _fail("expired")
    if signed_at > now + CLOCK_SKEW:
        return _fail("future")
    endpoint = acct.rds.resolve_endpoint(host)
    cluster = acct.rds.clusters.get(endpoint.cluster_id) if endpoint is not None else None
    if cluster is None:
        return _fail("no-cluster")
    if not cluster.iam_auth:
        return _fail("iam-disabled")
    principal = acct.iam.users[owner.user_name.lower()].arn
    caller = acct.iam.resolve(principal)
    if caller is None:
        return _fail("unknown-key")
    from aurora_sec.aws.iam.enforcement import global_context

    ctx = global_context(acct, "rds-db")
    ctx.update(caller.context)
    resource = db_user_arn(acct, cluster.resource_id, user)
    decision = evaluate(caller.policies, Request("rds-db:connect", resource, ctx))
    if not decision.allowed:
        return _fail("denied")
    return DbAuthResult(principal)
