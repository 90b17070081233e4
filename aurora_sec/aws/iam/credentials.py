"""Clients that carry credentials or request context: made by ``acct.client(...)``.

``acct.client("rds", access_key_id=..., secret_access_key=...)`` returns a client whose every
call first checks the key pair (as AWS checks a request's signature) and then authorizes the
key's user; ``source_ip=`` adds ``aws:SourceIp`` to the request context of every call. The
secret is held as a :class:`~aurora_sec.secrets.Secret`: it never appears in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aurora_sec.aws.api import BaseClient, Params
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.iam import enforcement
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.secrets import Secret

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["CredentialedEc2Client", "CredentialedIamClient", "CredentialedRdsClient", "make_client"]


class _Credentialed(BaseClient):
    """Checks the access key (if any) and adds the client's context keys to every call."""

    _access_key_id: str | None = None
    _secret: Secret | None = None
    _context: Mapping[str, tuple[str, ...]] = {}

    def _authorize(self, operation_name: str, params: Params) -> None:
        principal = self.principal
        if self._access_key_id is not None:
            assert self._secret is not None
            status, user = self._account.iam.key_owner(self._access_key_id, self._secret.reveal())
            if status == "unknown" or user is None:
                if status == "signature":
                    raise enforcement.bad_signature(self.service_name).for_operation(operation_name)
                raise enforcement.invalid_token(self.service_name).for_operation(operation_name)
            principal = self.principal = user.arn
        enforcement.authorize(
            self._account, self.service_name, operation_name, params, principal, self._context
        )

    @property
    def access_key_id(self) -> str | None:
        """The access key this client signs with (None for principal= clients)."""
        return self._access_key_id

    def __repr__(self) -> str:
        who = ""
        if self._access_key_id is not None:
            who = f", access_key_id={self._access_key_id!r}"
        elif self.principal:
            who = f", principal={self.principal!r}"
        return f"<{type(self).__name__} account={self._account.account_id}{who}>"


class CredentialedRdsClient(_Credentialed, RdsClient):
    """``acct.client("rds", access_key_id=..., ...)``."""

    def generate_db_auth_token(  # boto3's parameter names
        self,
        DBHostname: str,  # noqa: N803
        Port: int,  # noqa: N803
        DBUsername: str,  # noqa: N803
        Region: str | None = None,  # noqa: N803
    ) -> str:
        """An IAM database authentication token, as boto3 makes it (client-side, no call).

        A SigV4 presigned ``rds-db`` URL without scheme, signed with this client's access
        key at the account's clock; valid 15 minutes (see :mod:`aurora_sec.aws.iam.dbauth`).
        """
        from aurora_sec.aws.iam.dbauth import sign_db_auth_token

        assert self._access_key_id is not None
        assert self._secret is not None
        return sign_db_auth_token(
            DBHostname,
            Port,
            DBUsername,
            Region or self._account.region,
            self._access_key_id,
            self._secret,
            self._account.iam.now,
        )


class CredentialedEc2Client(_Credentialed, Ec2Client):
    """``acct.client("ec2", access_key_id=..., ...)``."""


class CredentialedIamClient(_Credentialed, IamClient):
    """``acct.client("iam", access_key_id=..., ...)``."""


_CLASSES: dict[str, type[_Credentialed]] = {
    "rds": CredentialedRdsClient,
    "ec2": CredentialedEc2Client,
    "iam": CredentialedIamClient,
}


def make_client(
    account: Account,
    service: str,
    principal: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    context: Mapping[str, tuple[str, ...]],
) -> Any:
    """A credentialed client for ``service`` (``"rds"``, ``"ec2"`` or ``"iam"``)."""
    client = _CLASSES[service](account, principal)
    if access_key_id is not None:
        client._access_key_id = access_key_id
        client._secret = Secret(secret_access_key or "")
    client._context = dict(context)
    return client
