"""One request through the emulator: who signed it, which operation, the answer on the wire.

:class:`Server` turns a botocore ``AWSPreparedRequest`` into ``(status, headers, body)``:

1. the SigV4 ``Authorization`` header names the access key: a key of the account's IAM users
   (its secret checks the signature, then the user is the principal and IAM decides every
   call, through the same credentialed clients as ``acct.client(..., access_key_id=...)``),
   or one of the *root keys* given to the bridge (the account's root: everything allowed);
   any other key gets AWS's ``InvalidClientTokenId`` (ec2: ``AuthFailure``), and so does any
   session token (``X-Amz-Security-Token``: temporary credentials come from STS, which issues
   none here); an ``X-Amz-Date`` more than 5 minutes from the server's clock (``now``: real
   time, or the account's clock when clients sign with it) is ``SignatureDoesNotMatch``
   ``Signature expired: ...`` / ``Signature not yet current: ...``, as AWS answers;
2. the form body is parsed with botocore's model of the operation into boto3's kwargs;
3. the in-process client's method for the operation runs; its dict is written as the
   query-protocol XML of the output shape; an :class:`~aurora_sec.errors.AwsError` becomes
   the error XML with its HTTP status. An operation the emulator does not serve, or a
   parameter it does not model, is ``NotImplemented`` (HTTP 501) naming it, never an empty
   answer.

STS answers ``GetCallerIdentity`` (what Terraform's AWS provider asks first) with the
account id and the signing key's principal (a user's ARN and id; a root key:
``arn:aws:iam::<account>:root`` and the account id), written with botocore's STS model.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import uuid
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from aurora_sec.aws.api import BaseClient
from aurora_sec.aws.bridge.query_params import parse_params
from aurora_sec.aws.bridge.query_xml import error_xml, response_xml
from aurora_sec.aws.bridge.sigv4 import (
    Headers,
    lowered,
    parse_authorization,
    signature_matches,
)
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.iam import enforcement
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.aws.rds.errors import UnsupportedByEmulator
from aurora_sec.errors import AwsError, ParamValidationError

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = [
    "MAX_SKEW",
    "PARTIAL",
    "SERVICES",
    "Server",
    "not_implemented",
    "request_time_error",
    "served",
]

#: The services the bridge serves (botocore's hyphenised service ids).
SERVICES: Final = ("rds", "ec2", "iam", "sts")
#: Services whose requests are signed for us-east-1 whatever the account's region.
_GLOBAL: Final = frozenset({"iam", "sts"})
#: How far a request's X-Amz-Date may be from the server's clock, either way.
MAX_SKEW: Final = _dt.timedelta(minutes=5)
_AMZ_DATE: Final = "%Y%m%dT%H%M%SZ"


def _real_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _read_amz_date(text: str) -> _dt.datetime | None:
    """``YYYYMMDDTHHMMSSZ`` as an aware datetime (None: not that form)."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z":
        return None
    digits = text[:8] + text[9:15]
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return _dt.datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
            tzinfo=_dt.UTC,
        )
    except ValueError:
        return None


def request_time_error(amz_date: str | None, now: _dt.datetime) -> AwsError | None:
    """AWS's refusal of a request signed more than :data:`MAX_SKEW` from ``now``, or None.

    An ``X-Amz-Date`` that is missing or unreadable is left to the signature check (it is part
    of what is signed).
    """
    signed = _read_amz_date(amz_date) if amz_date else None
    if signed is None:
        return None
    now = now.astimezone(_dt.UTC).replace(microsecond=0)
    minutes = int(MAX_SKEW.total_seconds()) // 60
    if signed < now - MAX_SKEW:
        text = (
            f"Signature expired: {signed:{_AMZ_DATE}} is now earlier than "
            f"{now - MAX_SKEW:{_AMZ_DATE}} ({now:{_AMZ_DATE}} - {minutes} min.)"
        )
    elif signed > now + MAX_SKEW:
        text = (
            f"Signature not yet current: {signed:{_AMZ_DATE}} is still later than "
            f"{now + MAX_SKEW:{_AMZ_DATE}} ({now:{_AMZ_DATE}} + {minutes} min.)"
        )
    else:
        return None
    return AwsError("SignatureDoesNotMatch", text, http_status=403)


_CLASSES: Final[Mapping[str, type[BaseClient]]] = {
    "rds": RdsClient,
    "ec2": Ec2Client,
    "iam": IamClient,
}


def _methods(cls: type[BaseClient]) -> dict[str, str]:
    found: dict[str, str] = {}
    for attr in dir(cls):
        op = getattr(getattr(cls, attr, None), "operation_name", None)
        if isinstance(op, str):
            found[op] = attr
    return found


_METHODS: Final = {service: _methods(cls) for service, cls in _CLASSES.items()}


#: Services of which the emulator models only some operations: with moto's ``mock_aws`` also
#: active, the others go to moto (rds and iam are the emulator's alone).
PARTIAL: Final = frozenset({"ec2", "sts"})
_STS: Final = frozenset({"GetCallerIdentity"})


def served(operation_model: Any) -> bool:
    """Whether the emulator answers this operation when moto is active too."""
    service = operation_model.service_model.service_id.hyphenize()
    if service not in PARTIAL:
        return True
    if service == "sts":
        return operation_model.name in _STS
    return operation_model.name in _METHODS[service]


def not_implemented(service: str, what: str) -> AwsError:
    """The loud answer to what the emulator does not model (HTTP 501)."""
    return AwsError(
        "NotImplemented",
        f"aurora_sec does not emulate {what} of {service}",
        http_status=501,
    )


class Server:
    """Serves botocore requests for rds, ec2, iam and sts from one account."""

    def __init__(
        self,
        account: Account,
        root_keys: Mapping[str, str],
        now: Callable[[], _dt.datetime] | None = None,
    ) -> None:
        self.account = account
        self.root_keys = dict(root_keys)
        #: The server's clock for the request-age check (default: the real time).
        self.now: Callable[[], _dt.datetime] = now or _real_now
        self._errors = itertools.count(1)
        self._root: dict[str, Any] = {}
        self._date: tuple[float, str] = (float("nan"), "")

    def _error_request_id(self) -> str:
        # Errors draw no id from the account (an in-process error draws none either), so a
        # twin account driven in-process stays id-for-id equal; still deterministic.
        seed = f"{self.account.seed}/{next(self._errors)}".encode()
        return str(uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16], version=4))

    def handle(
        self, operation_model: Any, method: str, url: str, headers: Headers, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """``(status, headers, body)`` for one signed request."""
        service_model = operation_model.service_model
        service = service_model.service_id.hyphenize()
        try:
            # the query protocol also allows the fields in the URL (GET); the body wins
            query = url.partition("?")[2].partition("#")[0]
            fields = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
            fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            action = fields.get("Action", operation_model.name)
            if action != operation_model.name:
                if action not in service_model.operation_names:
                    raise AwsError(
                        "InvalidAction", f"The action {action} is not valid for this web service."
                    )
                operation_model = service_model.operation_model(action)
            key = self._authenticate(service, method, url, headers, body)
            if service == "sts":
                result = self._sts(operation_model.name, key)
            else:
                result = self._call(service, operation_model, key, fields)
        except AwsError as err:
            request_id = self._error_request_id()
            payload = error_xml(service_model.protocol, err, request_id)
            return err.http_status, self._headers(request_id, payload), payload
        request_id = result.get("ResponseMetadata", {}).get("RequestId", "")
        payload = response_xml(operation_model, result, request_id)
        return 200, self._headers(request_id, payload), payload

    def _call(
        self, service: str, operation_model: Any, key: str | None, fields: Mapping[str, str]
    ) -> dict[str, Any]:
        """Run one rds/ec2/iam operation as the key's principal (None: the root)."""
        client = self._client(service, key)
        attr = _METHODS[service].get(operation_model.name)
        if attr is None:
            raise not_implemented(service, f"the operation {operation_model.name}")
        kwargs = parse_params(
            fields, operation_model.input_shape, ec2=operation_model.service_model.protocol == "ec2"
        )
        try:
            result: dict[str, Any] = getattr(client, attr)(**kwargs)
        except UnsupportedByEmulator as err:
            raise not_implemented(service, f"{operation_model.name} ({err})") from None
        except ParamValidationError as err:
            raise AwsError("ValidationError", err.report) from None
        return result

    def _sts(self, operation: str, key: str | None) -> dict[str, Any]:
        """STS: ``GetCallerIdentity`` (no permission needed, as on AWS); nothing else."""
        if operation != "GetCallerIdentity":
            raise not_implemented("sts", f"the operation {operation}")
        account_id = self.account.account_id
        if key is None:
            user_id, arn = account_id, f"arn:aws:iam::{account_id}:root"
        else:
            user = self.account.iam.get_user(self.account.iam.access_keys[key].user_name)
            user_id, arn = user.user_id, user.arn
        return {
            "UserId": user_id,
            "Account": account_id,
            "Arn": arn,
            "ResponseMetadata": {"RequestId": self._error_request_id()},
        }

    def _headers(self, request_id: str, payload: bytes) -> dict[str, str]:
        """The headers AWS sends with a query-protocol answer (Date: the account's clock)."""
        stamp = self.account.clock().timestamp()
        if stamp != self._date[0]:  # the clock mostly stands still: format it once
            self._date = (stamp, formatdate(stamp, usegmt=True))
        return {
            "x-amzn-RequestId": request_id,
            "Content-Type": "text/xml",
            "Content-Length": str(len(payload)),
            "Date": self._date[1],
        }

    def _authenticate(
        self, service: str, method: str, url: str, headers: Headers, body: bytes
    ) -> str | None:
        """The signing key of a user (None: a root key), after every check AWS makes."""
        named = lowered(headers)
        sig = parse_authorization(named.get("authorization"))
        if sig is None:
            raise AwsError(
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
                http_status=403,
            )
        if service not in _GLOBAL and sig.region != self.account.region:
            raise not_implemented(
                service,
                f"region {sig.region} (the account {self.account.account_id} "
                f"is in {self.account.region})",
            )
        if named.get("x-amz-security-token"):
            # temporary credentials come from STS, which issues none here: every session
            # token is one AWS does not know
            raise enforcement.invalid_token(service)
        secret = self.root_keys.get(sig.access_key_id)
        key: str | None = None
        if secret is None:
            found = self.account.iam.secret_for(sig.access_key_id)
            if found is None:
                raise enforcement.invalid_token(service)
            secret, key = found.reveal(), sig.access_key_id
        expired = request_time_error(named.get("x-amz-date"), self.now())
        if expired is not None:
            raise expired
        if not signature_matches(sig, secret, method, url, named, body):
            raise enforcement.bad_signature(service)
        return key

    def _client(self, service: str, key: str | None) -> Any:
        if key is None:
            client = self._root.get(service)
            if client is None:
                client = self._root[service] = self.account.client(service)  # type: ignore[call-overload]
            return client
        secret = self.account.iam.secret_for(key)
        assert secret is not None  # checked by _authenticate, under the same call
        return self.account.client(  # type: ignore[call-overload]
            service, access_key_id=key, secret_access_key=secret.reveal()
        )
