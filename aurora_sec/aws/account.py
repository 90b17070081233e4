"""The Account: the one object that owns every piece of emulated state.

There is no global registry: a test makes an ``Account`` and everything it creates (VPCs,
security groups, parameter groups, clusters, instances, and later roles and sessions) lives
inside it. Two accounts with the same seed that receive the same calls are identical.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from aurora_sec.aws.ec2.backend import Ec2Backend
from aurora_sec.aws.ec2.client import Ec2Client
from aurora_sec.aws.iam.backend import IamBackend
from aurora_sec.aws.iam.client import IamClient
from aurora_sec.aws.ids import IdGenerator
from aurora_sec.aws.quotas import DEFAULT_QUOTAS, Quotas
from aurora_sec.aws.rds.backend import RdsBackend
from aurora_sec.aws.rds.client import RdsClient
from aurora_sec.errors import AwsError

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Iterable

    from aurora_sec.aws.connectivity import AccountNetwork
    from aurora_sec.aws.network import Firewall, Reachability
    from aurora_sec.aws.snapshots import AccountSnapshot
    from aurora_sec.engine.config import EngineConfig
    from aurora_sec.engine.session import Session

__all__ = ["Account"]

_ACCOUNT_RE = re.compile(r"[0-9]{12}")
_REGION_RE = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")


@functools.lru_cache(maxsize=256)
def _is_account_id(text: str) -> bool:
    return _ACCOUNT_RE.fullmatch(text) is not None


@functools.lru_cache(maxsize=256)
def _is_region(text: str) -> bool:
    return _REGION_RE.fullmatch(text) is not None


class Account:
    """An AWS account in one region, with its EC2 (VPC), RDS and IAM state.

    >>> acct = Account(account_id="123456789012", region="us-east-1", seed=0)
    >>> rds = acct.client("rds")
    """

    def __init__(
        self,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        seed: int | str = 0,
        quotas: Quotas | None = None,
    ) -> None:
        if not isinstance(account_id, str) or not _is_account_id(account_id):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if not isinstance(region, str) or not _is_region(region):
            raise ValueError(f"not an AWS region name: {region!r}")
        if not isinstance(seed, int | str) or isinstance(seed, bool):
            raise TypeError("seed must be an int or a str")
        self.account_id = account_id
        self.region = region
        self.seed = seed
        #: Service quotas (AWS's defaults unless given).
        self.quotas = quotas if quotas is not None else DEFAULT_QUOTAS
        self.partition = "aws-us-gov" if "-gov-" in region else "aws"
        self.ids = IdGenerator(seed, account_id, region)
        self._endpoint_suffix = f"{self.ids.endpoint_hash()}.{region}.rds.amazonaws.com"
        #: One re-entrant lock serialises control-plane calls on this account.
        self.lock = threading.RLock()
        self.ec2: Ec2Backend = Ec2Backend(self)
        self.rds: RdsBackend = RdsBackend(self)
        self.iam: IamBackend = IamBackend(self)

    # -- clients -------------------------------------------------------------------------

    @overload
    def client(
        self,
        service: Literal["rds"],
        principal: str | None = None,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        source_ip: str | None = None,
    ) -> RdsClient: ...
    @overload
    def client(
        self,
        service: Literal["ec2"],
        principal: str | None = None,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        source_ip: str | None = None,
    ) -> Ec2Client: ...
    @overload
    def client(
        self,
        service: Literal["iam"],
        principal: str | None = None,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        source_ip: str | None = None,
    ) -> IamClient: ...
    def client(
        self,
        service: str,
        principal: str | None = None,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        source_ip: str | None = None,
    ) -> Any:
        """A boto3-shaped client for ``"rds"``, ``"ec2"`` or ``"iam"``.

        * ``principal=None`` (and no key): the account's root user; every call is allowed.
        * ``principal="arn:aws:iam::<account>:user/alice"`` (or a role, or
          ``arn:aws:sts::<account>:assumed-role/<role>/<session>``): every call is authorized
          with IAM's policy evaluation first; a denied call raises AWS's ``AccessDenied`` /
          ``UnauthorizedOperation`` and changes nothing. A principal that does not exist (or
          no longer does) gets ``InvalidClientTokenId`` (``AuthFailure`` from EC2).
        * ``access_key_id=`` / ``secret_access_key=``: the key's user is the principal; the key
          is checked on every call (unknown key: ``InvalidClientTokenId``; wrong secret:
          ``SignatureDoesNotMatch``; EC2 answers ``AuthFailure`` to both).
        * ``source_ip=``: the caller's address, as ``aws:SourceIp`` in every request context.
        """
        if service not in ("rds", "ec2", "iam"):
            raise ValueError(
                f"unknown or unsupported service: {service!r} (expected 'rds', 'ec2' or 'iam')"
            )
        if principal is not None:
            self._check_principal(principal)
            if access_key_id is not None:
                raise ValueError("give either principal= or access_key_id=, not both")
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("access_key_id= and secret_access_key= go together")
        if access_key_id is not None and not isinstance(access_key_id, str):
            raise TypeError("access_key_id must be a str")
        if secret_access_key is not None and not isinstance(secret_access_key, str):
            raise TypeError("secret_access_key must be a str")
        context: dict[str, tuple[str, ...]] = {}
        if source_ip is not None:
            context["aws:sourceip"] = (str(ipaddress.ip_address(source_ip)),)
        if access_key_id is not None or context:
            from aurora_sec.aws.iam.credentials import make_client

            return make_client(self, service, principal, access_key_id, secret_access_key, context)
        if service == "rds":
            return RdsClient(self, principal)
        if service == "ec2":
            return Ec2Client(self, principal)
        return IamClient(self, principal)

    def _check_principal(self, principal: str) -> None:
        if not isinstance(principal, str):
            raise TypeError("principal must be an ARN (str)")
        iam = f"arn:{self.partition}:iam::{self.account_id}:"
        sts = f"arn:{self.partition}:sts::{self.account_id}:assumed-role/"
        if principal == iam + "root" or principal.startswith((iam + "user/", iam + "role/", sts)):
            return
        raise ValueError(
            f"principal must be the ARN of a user or role of account {self.account_id} "
            f"(or its root), got {principal!r}"
        )

    def authorize(
        self, service: str, operation_name: str, params: Mapping[str, Any], principal: str | None
    ) -> None:
        """Decide whether ``principal`` may call the operation (root may call everything).

        Raises the service's denial (``AccessDenied`` / ``UnauthorizedOperation``, HTTP 403)
        with AWS's message; see :mod:`aurora_sec.aws.iam.enforcement`.
        """
        if principal is None:
            return
        from aurora_sec.aws.iam.enforcement import authorize

        authorize(self, service, operation_name, params, principal)

    def sign_in(self, user_name: str, password: str) -> str:
        """Sign in to the console as an IAM user: returns the user's principal ARN.

        The password is checked against the user's login profile. Any failure (no such user,
        no login profile, wrong password) raises the same error, with the console's text
        "Your authentication information is incorrect. Please try again." (UNCONFIRMED: the
        console is no API; code ``AuthFailure``, HTTP 401, are our choice).
        """
        user = self.iam.check_password(user_name, password)
        if user is None:
            raise AwsError(
                "AuthFailure",
                "Your authentication information is incorrect. Please try again.",
                http_status=401,
            )
        return user.arn

    # -- what the other planes read ------------------------------------------------------

    def arn(self, resource_type: str, name: str, service: str = "rds") -> str:
        """``arn:aws:rds:us-east-1:123456789012:cluster:prod`` and the like."""
        return (
            f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource_type}:{name}"
        )

    @property
    def endpoint_suffix(self) -> str:
        """``<hash>.<region>.rds.amazonaws.com``: shared by every endpoint of this account."""
        return self._endpoint_suffix

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

    def snapshot(self) -> AccountSnapshot:
        """The whole state of the account, to :meth:`restore` later (cheap: shallow copies)."""
        from aurora_sec.aws.snapshots import take

        with self.lock:
            return take(self)

    def restore(self, snapshot: AccountSnapshot) -> None:
        """Put the account back in the state of ``snapshot`` (open sessions see the new state)."""
        from aurora_sec.aws.snapshots import restore

        with self.lock:
            restore(self, snapshot)

    def network(
        self, client_ip: str, security_groups: Iterable[str] = (), firewall: Firewall | None = None
    ) -> AccountNetwork:
        """The account's endpoints as a client at ``client_ip`` sees them (DNS and TCP)."""
        from aurora_sec.aws.connectivity import AccountNetwork

        return AccountNetwork(
            self, client_ip=client_ip, security_groups=frozenset(security_groups), firewall=firewall
        )

    def clock(self) -> _dt.datetime:
        """The account's clock (certificate validity, token expiry)."""
        return self.rds.now

    def ca_bundle_pem(self) -> bytes:
        """The RDS global CA bundle a user downloads (``global-bundle.pem``)."""
        return self.rds.pki.ca_bundle_pem(self.region)

    def session(
        self,
        db_cluster_identifier: str,
        user: str | None = None,
        *,
        dbname: str = "postgres",
        instance: str | None = None,
    ) -> Session:
        """A SQL session on the cluster's writer (or ``instance``), past network and login.

        For tests about SQL alone: the session runs as ``user`` (default: the master user)
        with the configuration the instance runs with now. The client plane's connections end
        in the same kind of session.
        """
        from aurora_sec.engine.session import Session
        from aurora_sec.errors import ConnectionFailed

        cluster = self.rds.get_cluster(db_cluster_identifier)
        if instance is None:
            writer = self.rds.writer_of(cluster)
            if writer is None:
                raise ConnectionFailed(
                    f"cluster {cluster.identifier!r} has no DB instance to connect to"
                )
            instance_id = writer.identifier
        else:
            instance_id = self.rds.get_instance(instance).identifier
        database = self.rds.database(cluster.identifier)
        return Session(
            database,
            lambda: self.rds.engine_config(instance_id),
            user if user is not None else cluster.master_username,
            dbname=dbname,
        )

    def __repr__(self) -> str:
        return (
            f"Account(account_id={self.account_id!r}, region={self.region!r}, seed={self.seed!r})"
        )
