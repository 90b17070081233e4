"""Renderings shared by the subcommands: plain text (coloured only on a terminal), JSON and
SARIF 2.1.0 (the format CI annotation tools such as GitHub code scanning read).

Colour is used only when the stream is a terminal and ``NO_COLOR`` is not set
(https://no-color.org); tests and pipes always get plain text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import IO, Any

__all__ = [
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "Painter",
    "line_and_column",
    "sarif_log",
    "to_json",
]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/aurora-sec/aurora-sec"

_CODES = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}


class Painter:
    """Wraps text in ANSI colours when ``stream`` is a terminal (and NO_COLOR is unset)."""

    def __init__(self, stream: IO[str]) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) and "NO_COLOR" not in os.environ

    def __call__(self, text: str, colour: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_CODES[colour]}m{text}\x1b[0m"


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of the character at ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def to_json(value: Any) -> str:
    """Stable, indented JSON (keys in insertion order, non-ASCII kept)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def sarif_log(
    *,
    tool_name: str,
    version: str,
    rules: Sequence[dict[str, Any]],
    results: Sequence[dict[str, Any]],
    artifacts: Sequence[str] = (),
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with a single run of ``tool_name``.

    ``rules`` are ``reportingDescriptor`` objects (``id`` at least); ``results`` are complete
    ``result`` objects; ``artifacts`` the URIs of the analysed files.
    """
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool_name,
                "version": version,
                "informationUri": TOOL_URI,
                "rules": list(rules),
            }
        },
        "results": list(results),
    }
    if artifacts:
        run["artifacts"] = [{"location": {"uri": uri}} for uri in artifacts]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
