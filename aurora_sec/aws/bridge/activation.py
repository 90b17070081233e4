"""``mock(acct)``: every botocore/boto3 rds, ec2, iam and sts client served by an account.

How it hooks in (botocore's documented event system, no monkeypatched send path):

* While a mock is active, ``botocore.session.Session.create_client`` is wrapped: each new
  client whose service is rds, ec2, iam or sts gets a ``before-send.<service>`` handler on its
  own ``client.meta.events`` (``register_first``). boto3's ``boto3.client(...)``,
  ``boto3.Session().client(...)`` and bare botocore sessions all go through that method, so
  sessions made before activation are covered too; clients *created before* activation are
  not (create them inside the ``with``, as with moto).
* The handler answers from the innermost active mock and returns ``None`` (botocore then
  sends over HTTP as usual, or moto answers: below) when no mock is active, so a client that
  outlives its ``with`` does not keep talking to a stale account.
* Clock: the account's clock does not move (``acct.clock()``), and IAM database tokens are
  checked against it. While active, botocore's signing clock
  (``botocore.auth.get_current_datetime``) reads the innermost account's clock, so
  ``rds.generate_db_auth_token(...)`` from a real boto3 client makes a token the account
  accepts, and request signatures carry the account's time. ``mock(acct,
  sign_at_account_clock=False)`` leaves botocore's clock alone (then set ``acct.rds.now`` to
  real time yourself before verifying tokens). Requests to real AWS made while a mock with
  the account clock is active are signed at that time and will be refused by AWS.
* Credentials: keys issued by the account's iam client are their users; the ``root_keys``
  (default :data:`DEFAULT_ROOT_KEYS`, moto's dummy pairs) are the account's root; any other
  key gets ``InvalidClientTokenId``, as does any session token. STS answers
  ``GetCallerIdentity`` for the signing key's principal. With ``sign_at_account_clock=False``
  requests signed more than 5 minutes from the real time are refused as AWS refuses them.
* moto: moto 5 registers one handler on every session's ``before-send`` when it is imported
  (``mock_aws`` switches it on and off), and botocore calls *every* ``before-send`` handler, so
  both would run a call. When the wrapped ``create_client`` finds moto's handler on a new rds,
  ec2, iam or sts client, it takes it off that client and the bridge's handler decides instead:
  an active mock answers rds and iam calls, STS ``GetCallerIdentity`` and the ec2 operations
  the emulator models (VPCs, subnets, security groups); other ec2 and sts operations go to
  moto when ``mock_aws`` is active (else they are ``NotImplemented``), as do calls made after
  the bridge's ``with`` ends; every other service's clients are untouched (moto's). The
  order of activation does not matter (``with mock_aws(), mock(acct):`` or the reverse): what
  matters is that clients are created while both are active; a client created before
  ``mock(acct)`` started is moto's alone.
* Timestamps: clients created while active read the answers' timestamps with
  :func:`.timestamps.parse_timestamp` (botocore's result without dateutil's cost; it gives
  the same answer for any response, the bridge's or AWS's).

Activation and deactivation nest (a stack); both are thread-safe, but the active mock is
process-wide, as moto's is.
"""

from __future__ import annotations

import datetime as _dt
import functools
import sys
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

from aurora_sec.aws.bridge.serve import SERVICES, Server, served
from aurora_sec.aws.bridge.timestamps import parse_timestamp

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["DEFAULT_ROOT_KEYS", "Mock", "current", "mock"]

P = ParamSpec("P")
R = TypeVar("R")

#: Dummy credentials that act as the account's root: the pair moto's documentation recommends
#: (AWS_ACCESS_KEY_ID=testing, AWS_SECRET_ACCESS_KEY=testing) and the pair moto's mock_aws puts
#: in the environment while active (FOOBARKEY/FOOBARSECRET).
DEFAULT_ROOT_KEYS: Final[Mapping[str, str]] = {"testing": "testing", "FOOBARKEY": "FOOBARSECRET"}
_UNIQUE_ID: Final = "aurora_sec.bridge"

_lock = threading.RLock()
_active: list[Mock] = []
_saved: dict[str, Any] = {}


def current() -> Mock | None:
    """The innermost active mock (the one answering), or None."""
    return _active[-1] if _active else None


def _before_send(
    operation_model_of: Callable[[str], Any],
    moto: Any,
    request: Any,
    event_name: str = "",
    **kwargs: Any,
) -> Any:
    """The client's ``before-send``: the innermost mock answers, else moto (when it was there)."""
    active = current()
    operation_model = operation_model_of(event_name.rsplit(".", 1)[-1])
    if active is not None and not (
        moto is not None and getattr(moto, "enabled", False) and not served(operation_model)
    ):
        return active.respond(operation_model, request)
    if moto is not None:
        return moto(event_name=event_name, request=request, **kwargs)
    return None


def _moto_stubber(events: Any) -> Any:
    """moto's ``before-send`` handler when it is registered on these client events, else None.

    moto 5 appends one ``BotocoreStubber`` to botocore's ``BUILTIN_HANDLERS`` when it is
    imported, so every session made afterwards registers it on ``before-send`` (all services);
    ``mock_aws`` only switches it on and off (``enabled``).
    """
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    if stubber is None:
        return None
    try:
        handlers = events._emitter._handlers.prefix_search("before-send")
    except AttributeError:  # another botocore: leave moto where it is
        return None
    return stubber if any(h is stubber for h in handlers) else None


def _install() -> None:
    import botocore.auth
    import botocore.session

    original_create = botocore.session.Session.create_client
    original_clock = botocore.auth.get_current_datetime
    _saved["create_client"] = original_create
    _saved["clock"] = original_clock

    @functools.wraps(original_create)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original_create(self, *args, **kwargs)
        service_id = client.meta.service_model.service_id.hyphenize()
        if service_id in SERVICES:
            events = client.meta.events
            moto = _moto_stubber(events)
            if moto is not None:
                # the bridge's handler decides who answers (botocore calls every handler)
                events.unregister("before-send", moto)
            handler = functools.partial(
                _before_send, client.meta.service_model.operation_model, moto
            )
            events.register_first(
                f"before-send.{service_id}", handler, unique_id=f"{_UNIQUE_ID}.{service_id}"
            )
            _fast_timestamps(client)
        return client

    def clock(remove_tzinfo: bool = True) -> _dt.datetime:
        active = current()
        if active is None or not active.sign_at_account_clock:
            return original_clock(remove_tzinfo)  # type: ignore[no-any-return]
        now = active.account.clock().astimezone(_dt.UTC)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    botocore.session.Session.create_client = create_client
    botocore.auth.get_current_datetime = clock


class _ParserFactory:
    """A client's response parser factory whose parsers read timestamps with
    :func:`.timestamps.parse_timestamp` (botocore's answers, without dateutil's cost)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def create_parser(self, protocol_name: str) -> Any:
        import botocore.parsers

        parser = self._inner.create_parser(protocol_name)
        if getattr(parser, "_timestamp_parser", None) is botocore.parsers.DEFAULT_TIMESTAMP_PARSER:
            parser._timestamp_parser = parse_timestamp
        return parser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _fast_timestamps(client: Any) -> None:
    """Give ``client``'s endpoint the faster timestamp parser (when botocore has the parts)."""
    endpoint = getattr(client, "_endpoint", None)
    factory = getattr(endpoint, "_response_parser_factory", None)
    if factory is not None and not isinstance(factory, _ParserFactory):
        endpoint._response_parser_factory = _ParserFactory(factory)  # type: ignore[union-attr]


def _uninstall() -> None:
    import botocore.auth
    import botocore.session

    botocore.session.Session.create_client = _saved.pop("create_client")
    botocore.auth.get_current_datetime = _saved.pop("clock")


class Mock:
    """An activation of the bridge for one account: context manager, decorator, start/stop."""

    def __init__(
        self,
        account: Account,
        *,
        root_keys: Mapping[str, str] = DEFAULT_ROOT_KEYS,
        sign_at_account_clock: bool = True,
    ) -> None:
        self.account = account
        self.sign_at_account_clock = sign_at_account_clock
        self.server = Server(account, root_keys, now=self._now)

    def _now(self) -> _dt.datetime:
        """The clock requests are checked against: the one clients sign with."""
        if self.sign_at_account_clock:
            return self.account.clock()
        return _dt.datetime.now(_dt.UTC)

    def respond(self, operation_model: Any, request: Any) -> Any:
        """The ``AWSResponse`` for one ``AWSPreparedRequest`` (the before-send answer)."""
        from botocore.awsrequest import AWSResponse

        body = request.body
        if body is None:
            raw = b""
        elif isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        else:
            raw = body.read()
        status, headers, payload = self.server.handle(
            operation_model, request.method, request.url, request.headers, raw
        )
        return AWSResponse(request.url, status, headers, _Raw(payload))

    def start(self) -> Mock:
        """Activate (the innermost active mock answers)."""
        with _lock:
            if not _active:
                _install()
            _active.append(self)
        return self

    def stop(self) -> None:
        """Deactivate this mock (the last one out restores botocore)."""
        with _lock:
            for i in range(len(_active) - 1, -1, -1):
                if _active[i] is self:
                    del _active[i]
                    break
            else:
                raise RuntimeError("this mock is not active")
            if not _active:
                _uninstall()

    @property
    def active(self) -> bool:
        return any(m is self for m in _active)

    def __enter__(self) -> Mock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return func(*args, **kwargs)

        return wrapper


class _Raw:
    """The minimal urllib3-like body ``AWSResponse.content`` reads."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self._payload


def mock(
    account: Account,
    *,
    root_keys: Mapping[str, str] = DEFAULT_ROOT_KEYS,
    sign_at_account_clock: bool = True,
) -> Mock:
    """Serve every boto3/botocore rds, ec2, iam and sts client made while active from ``account``.

    >>> import aurora_sec, boto3
    >>> acct = aurora_sec.Account(seed=0)
    >>> with mock(acct):  # doctest: +SKIP
    ...     boto3.client("rds", region_name="us-east-1").describe_db_clusters()
    """
    return Mock(account, root_keys=root_keys, sign_at_account_clock=sign_at_account_clock)
