"""``aurora-sec serve``: one emulated account's rds, ec2, iam and sts APIs over HTTP.

Point boto3 (``endpoint_url=``), the AWS CLI (``--endpoint-url``) or any SigV4 client at the
printed URL. The first line on stdout is ``aurora-sec serve: listening on URL (account ID,
REGION)``; one line per request (service, action, status; never a body) goes to stderr unless
``--quiet``. SIGTERM or Ctrl-C stops it with exit status 0.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from typing import Any

from aurora_sec.cli_commands import UsageError

__all__ = ["add_parser", "run"]

EPILOG = """\
Credentials: testing/testing (and FOOBARKEY/FOOBARSECRET) sign as the account's root; keys
made with the iam client's create-access-key sign as their user, and IAM decides their calls;
sts get-caller-identity names the principal. Session tokens are refused (no STS issues them),
and so are requests signed more than 5 minutes away from this machine's clock.

examples:
  aurora-sec serve --port 4566
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \\
      aws --endpoint-url http://127.0.0.1:4566 rds describe-db-clusters
"""


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave ``serve_forever``."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="serve an emulated account's rds, ec2, iam and sts APIs over HTTP",
        description="Serve one emulated account's rds, ec2, iam and sts query APIs over HTTP, "
        "for boto3 (endpoint_url), the AWS CLI (--endpoint-url) and other SigV4 clients.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port (default 0: a free port, printed)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, loopback only)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the emulated account (default 0)"
    )
    parser.add_argument(
        "--account-id", default="123456789012", help="12-digit account id (default 123456789012)"
    )
    parser.add_argument("--region", default="us-east-1", help="region (default us-east-1)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    parser.set_defaults(run=run)
    return parser


def _log(line: str) -> None:
    print(f"aurora-sec serve: {line}", file=sys.stderr, flush=True)


def _stop(signum: int, frame: Any) -> None:
    raise _Stop


def run(args: argparse.Namespace) -> int:
    from aurora_sec.aws.account import Account
    from aurora_sec.aws.bridge.http import serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0-65535, got {args.port}")
    try:
        account = Account(account_id=args.account_id, region=args.region, seed=args.seed)
    except ValueError as err:
        raise UsageError(str(err)) from None
    try:
        server = serve(account, args.host, args.port, log=None if args.quiet else _log)
    except OSError as err:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {err.strerror or err}"
        ) from None
    try:
        loopback = ipaddress.ip_address(server.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        _log(
            f"warning: {server.host} is not a loopback address; anyone who can reach it can "
            "act as the account's root with the test keys"
        )
    previous = signal.signal(signal.SIGTERM, _stop)
    print(
        f"aurora-sec serve: listening on {server.url} "
        f"(account {account.account_id}, {account.region})",
        flush=True,
    )
    try:
        server.serve_forever()
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return 0
