"""One request through the emulator: who signed it, which operation, the answer on the wire.

:class:`Server` turns a botocore ``AWSPreparedRequest`` into ``(status, headers, body)``:

1. the SigV4 ``Authorization`` header names the access key: a key of the account's IAM users
   (its secret checks the signature, then the user is the principal and IAM decides every
   call, through the same credentialed clients as ``acct.client(..., access_key_id=...)``),
   or one of the *root keys* given to the bridge (the account's root: everything allowed);
   any other key gets AWS's ``InvalidClientTokenId`` (ec2: ``AuthFailure``);
2. the form body is parsed with botocore's model of the operation into boto3's kwargs;
3. the in-process client's method for the operation runs; its dict is written as the
   query-protocol XML of the output shape; an :class:`~aurora_sec.errors.AwsError` becomes
   the error XML with its HTTP status. An operation the emulator does not serve, or a
   parameter it does not model, is ``NotImplemented`` (HTTP 501) naming it, never an empty
   answer.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlsplit

from aurora_sec.aws.api import BaseClient
from aurora_sec.aws.bridge.query_params import parse_params
from aurora_sec.aws.bridge.query_xml import error_xml, response_xml
from aurora_sec.aws.bridge.sigv4 import (
    Headers,
    header,
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

__all__ = ["PARTIAL", "SERVICES", "Server", "not_implemented", "served"]

#: The services the bridge serves (botocore's hyphenised service ids).
SERVICES: Final = ("rds", "ec2", "iam")

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
PARTIAL: Final = frozenset({"ec2"})


def served(operation_model: Any) -> bool:
    """Whether the emulator answers this operation when moto is active too."""
    service = operation_model.service_model.service_id.hyphenize()
    return service not in PARTIAL or operation_model.name in _METHODS.get(service, {})


def not_implemented(service: str, what: str) -> AwsError:
    """The loud answer to what the emulator does not model (HTTP 501)."""
    return AwsError(
        "NotImplemented",
        f"aurora_sec does not emulate {what} of {service}",
        http_status=501,
    )


class Server:
    """Serves botocore requests for rds, ec2 and iam from one account."""

    def __init__(self, account: Account, root_keys: Mapping[str, str]) -> None:
        self.account = account
        self.root_keys = dict(root_keys)
        self._errors = itertools.count(1)
        self._root: dict[str, Any] = {}

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
            fields = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
            fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            action = fields.get("Action", operation_model.name)
            if action != operation_model.name:
                if action not in service_model.operation_names:
                    raise AwsError(
                        "InvalidAction", f"The action {action} is not valid for this web service."
                    )
                operation_model = service_model.operation_model(action)
            client = self._client(service, method, url, headers, body)
            attr = _METHODS[service].get(operation_model.name)
            if attr is None:
                raise not_implemented(service, f"the operation {operation_model.name}")
            kwargs = parse_params(
                fields, operation_model.input_shape, ec2=service_model.protocol == "ec2"
            )
            try:
                result = getattr(client, attr)(**kwargs)
            except UnsupportedByEmulator as err:
                raise not_implemented(service, f"{operation_model.name} ({err})") from None
            except ParamValidationError as err:
                raise AwsError("ValidationError", err.report) from None
        except AwsError as err:
            request_id = self._error_request_id()
            payload = error_xml(service_model.protocol, err, request_id)
            return err.http_status, self._headers(request_id, payload), payload
        request_id = result.get("ResponseMetadata", {}).get("RequestId", "")
        payload = response_xml(operation_model, result, request_id)
        return 200, self._headers(request_id, payload), payload

    def _headers(self, request_id: str, payload: bytes) -> dict[str, str]:
        """The headers AWS sends with a query-protocol answer (Date: the account's clock)."""
        return {
            "x-amzn-RequestId": request_id,
            "Content-Type": "text/xml",
            "Content-Length": str(len(payload)),
            "Date": formatdate(self.account.clock().timestamp(), usegmt=True),
        }

    def _client(self, service: str, method: str, url: str, headers: Headers, body: bytes) -> Any:
        sig = parse_authorization(header(headers, "Authorization"))
        if sig is None:
            raise AwsError(
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
                http_status=403,
            )
        if service != "iam" and sig.region != self.account.region:
            raise not_implemented(
                service,
                f"region {sig.region} (the account {self.account.account_id} "
                f"is in {self.account.region})",
            )
        root_secret = self.root_keys.get(sig.access_key_id)
        if root_secret is not None:
            if not signature_matches(sig, root_secret, method, url, headers, body):
                raise enforcement.bad_signature(service)
            client = self._root.get(service)
            if client is None:
                client = self._root[service] = self.account.client(service)  # type: ignore[call-overload]
            return client
        secret = self.account.iam.secret_for(sig.access_key_id)
        if secret is None:
            raise enforcement.invalid_token(service)
        if not signature_matches(sig, secret.reveal(), method, url, headers, body):
            raise enforcement.bad_signature(service)
        return self.account.client(  # type: ignore[call-overload]
            service, access_key_id=sig.access_key_id, secret_access_key=secret.reveal()
        )
