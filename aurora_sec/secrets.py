"""A wrapper that keeps a secret out of every repr, str, log line and exception text.

Passwords, keys and tokens travel through the emulator inside :class:`Secret`. The only way
to read one is the explicit :meth:`Secret.reveal`, so a secret cannot leak by accident
through formatting, logging or an attrs-generated repr.
"""

from __future__ import annotations

import hmac

__all__ = ["MaskedText", "Secret"]


class Secret:
    """An opaque secret value; ``repr`` and ``str`` never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a secret must be a str")
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself. Call it only where the value is really needed."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))


class MaskedText(str):
    """A ``str`` whose ``repr`` is masked: for secret values that must stay plain text.

    libpq's option table holds passwords as text next to every other option, and the emulator
    compares that table with real libpq's ``PQconninfo``; the value therefore stays a ``str``
    (equal to the password), but a container holding it never prints it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"
