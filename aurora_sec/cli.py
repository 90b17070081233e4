"""The ``aurora-sec`` command line: ``demo``, ``lint``, ``connect``, ``policy simulate`` and
``serve``.

Each subcommand but ``demo`` lives in its own module of :mod:`aurora_sec.cli_commands`.

Errors go to stderr; the exit status is 0 on success, 1 when the command ran and found a
failure, 2 for bad usage (argparse's convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aurora-sec",
        description="An in-memory emulator of Amazon Aurora PostgreSQL security.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="tell the story of Aurora PostgreSQL security with the emulator",
        description="Walk through the three levels of Aurora PostgreSQL security (IAM, the VPC "
        "and parameter groups, connections and SQL) with the real answers the emulator gives.",
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="seed of the emulated account (default 0)"
    )
    from aurora_sec.cli_commands import connect, lint, policy, serve

    lint.add_parser(sub)
    connect.add_parser(sub)
    policy.add_parser(sub)
    serve.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from aurora_sec import __version__

        print(f"aurora-sec {__version__}")
        return 0
    if args.command == "demo":
        from aurora_sec.demo import run_demo

        return run_demo(seed=args.seed)
    runner = getattr(args, "run", None)
    if runner is not None:
        from aurora_sec.cli_commands import UsageError

        try:
            status: int = runner(args)
        except UsageError as err:
            print(f"aurora-sec {args.command}: error: {err}", file=sys.stderr)
            return 2
        return status
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
