"""Offsets and tokens: libpg_query's JSON counts bytes, the server reports characters."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from pglast import parser as pg_parser

__all__ = ["ByteToChar", "Token", "scan", "token_text"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class ByteToChar:
    """Converts byte offsets in ``text.encode()`` to character offsets in ``text``."""

    __slots__ = ("_byte_positions", "_extra")

    def __init__(self, text: str) -> None:
        positions: list[int] = []
        extra: list[int] = []
        if not text.isascii():
            total = 0
            for match in _NON_ASCII.finditer(text):
                index = match.start()
                positions.append(index + total)  # byte offset of this character
                total += len(match.group().encode("utf-8")) - 1
                extra.append(total)  # extra bytes up to and including it
        self._byte_positions = positions
        self._extra = extra

    def __call__(self, byte_offset: int) -> int:
        if byte_offset < 0 or not self._byte_positions:
            return byte_offset
        k = bisect.bisect_left(self._byte_positions, byte_offset)
        return byte_offset - (self._extra[k - 1] if k else 0)


Token = pg_parser.Token


def scan(text: str) -> Sequence[Token]:
    """PostgreSQL's scanner over ``text``; offsets are characters, ``end`` inclusive.

    Returns an empty sequence when the scanner itself fails (callers only use tokens of
    text that already parsed, or of a prefix that ends on a token boundary).
    """
    try:
        return pg_parser.scan(text)
    except pg_parser.ParseError:
        return ()


def token_text(text: str, token: Token) -> str:
    """The source text of ``token`` (what the server prints in ``at or near "..."``)."""
    return text[token.start : token.end + 1]
