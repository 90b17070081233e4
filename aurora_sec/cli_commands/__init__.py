"""The ``aurora-sec`` subcommands, one module each (:mod:`.lint`, :mod:`.connect`,
:mod:`.policy`, :mod:`.serve`), with the emulated world they build (:mod:`.world`) and the
renderings they share (:mod:`.output`).

Every module exposes ``add_parser(subparsers)`` and ``run(args) -> int``; the exit status is
0 when everything checked passed, 1 when the command ran and found a failure, 2 for bad usage.
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """Bad input the user can fix (an unknown engine version or parameter, a missing file):
    printed to stderr as ``aurora-sec <command>: error: ...`` with exit status 2."""
