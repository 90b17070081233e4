"""What a statement returns to the client: a command tag, rows, and the notices it raised."""

from __future__ import annotations

import attrs

from aurora_sec.sql.statements import ServerMessage

__all__ = ["Result", "SslState"]


@attrs.frozen
class SslState:
    """The TLS state of a connection, as ``pg_stat_ssl`` and sslinfo report it."""

    version: str
    cipher: str
    bits: int


@attrs.frozen
class Result:
    """One statement's answer. ``rows`` is None for statements that return no rows."""

    tag: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] | None = None
    notices: tuple[ServerMessage, ...] = ()
    #: For a multi-statement string: every statement's result, in order.
    results: tuple[Result, ...] = attrs.field(default=(), repr=False)

    @property
    def value(self) -> str | None:
        """The single value of a one-row, one-column result."""
        assert self.rows is not None
        assert len(self.rows) == 1
        assert len(self.rows[0]) == 1
        return self.rows[0][0]
