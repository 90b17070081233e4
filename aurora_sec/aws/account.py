"""The Account: the one object that owns every piece of emulated state.

There is no global registry: a test makes an ``Account`` and everything it creates (VPCs,
security groups, parameter groups, clusters, instances, and later roles and sessions) lives
inside it. Two accounts with the same seed that receive the same calls are identical.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from aurora_sec.aws.ec2.backend import Ec2Backend
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.ids import IdGenerator
from aurora_sec.aws.rds.backend import RdsBackend
from aurora_sec.aws.rds.client import RdsClient

if TYPE_CHECKING:
    from aurora_sec.aws.network import Firewall, Reachability
    from aurora_sec.engine.config import EngineConfig

__all__ = ["Account"]

_ACCOUNT_RE = re.compile(r"[0-9]{12}")
_REGION_RE = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")


class Account:
    """An AWS account in one region, with its EC2 (VPC) and RDS state.

    >>> acct = Account(account_id="123456789012", region="us-east-1", seed=0)
    >>> rds = acct.client("rds")
    """

    def __init__(
        self,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        seed: int | str = 0,
    ) -> None:
        if not isinstance(account_id, str) or not _ACCOUNT_RE.fullmatch(account_id):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if not isinstance(region, str) or not _REGION_RE.fullmatch(region):
            raise ValueError(f"not an AWS region name: {region!r}")
        if not isinstance(seed, int | str) or isinstance(seed, bool):
            raise TypeError("seed must be an int or a str")
        self.account_id = account_id
        self.region = region
        self.seed = seed
        self.partition = "aws-us-gov" if "-gov-" in region else "aws"
        self.ids = IdGenerator(seed, account_id, region)
        #: One re-entrant lock serialises control-plane calls on this account.
        self.lock = threading.RLock()
        self.ec2: Ec2Backend = Ec2Backend(self)
        self.rds: RdsBackend = RdsBackend(self)

    # -- clients -------------------------------------------------------------------------

    @overload
    def client(self, service: Literal["rds"], principal: str | None = None) -> RdsClient: ...
    @overload
    def client(self, service: Literal["ec2"], principal: str | None = None) -> Ec2Client: ...
    def client(self, service: str, principal: str | None = None) -> Any:
        """A boto3-shaped client for ``"rds"`` or ``"ec2"``.

        With ``principal=None`` the caller is the account's root user and every call is
        allowed. Evaluating IAM policies for a named principal is the IAM plane's work.
        """
        if principal is not None:
            raise NotImplementedError(
                "IAM evaluation of a principal's policies is not emulated yet; "
                "call acct.client(service) without principal= for root access"
            )
        if service == "rds":
            return RdsClient(self, principal)
        if service == "ec2":
            return Ec2Client(self, principal)
        raise ValueError(f"unknown or unsupported service: {service!r} (expected 'rds' or 'ec2')")

    def authorize(
        self, service: str, operation_name: str, params: Mapping[str, Any], principal: str | None
    ) -> None:
        """Decide whether ``principal`` may call the operation (root may call everything)."""
        return

    # -- what the other planes read ------------------------------------------------------

    def arn(self, resource_type: str, name: str, service: str = "rds") -> str:
        """``arn:aws:rds:us-east-1:123456789012:cluster:prod`` and the like."""
        return (
            f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource_type}:{name}"
        )

    @property
    def endpoint_suffix(self) -> str:
        """``<hash>.<region>.rds.amazonaws.com``: shared by every endpoint of this account."""
        return f"{self.ids.endpoint_hash()}.{self.region}.rds.amazonaws.com"

    def engine_config(self, db_instance_identifier: str) -> EngineConfig:
        """The configuration (GUCs) an instance runs with now; the server plane reads this."""
        return self.rds.engine_config(db_instance_identifier)

    def reachability(
        self,
        client_ip: str,
        host: str,
        port: int,
        *,
        security_groups: tuple[str, ...] = (),
        firewall: Firewall | None = None,
    ) -> Reachability:
        """Can a client at ``client_ip`` (member of ``security_groups``) open TCP to host:port?

        Raises :class:`LookupError` when ``host`` is not a name of this account (a DNS
        failure, which the client plane reports as the driver does).
        """
        from aurora_sec.aws.network import reach

        resolved = self.rds.resolve_endpoint(host)
        if resolved is None:
            raise LookupError(f"could not translate host name {host!r} to address")
        return reach(
            self.ec2,
            client_ip=client_ip,
            client_groups=frozenset(security_groups),
            target=resolved.target,
            port=port,
            firewall=firewall,
        )

    def __repr__(self) -> str:
        return (
            f"Account(account_id={self.account_id!r}, region={self.region!r}, seed={self.seed!r})"
        )
