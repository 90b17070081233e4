"""The PASSWORD and VALID UNTIL clauses of CREATE/ALTER ROLE (crypt.c ``encrypt_password``).

1. ``PASSWORD NULL`` clears the password.
2. ``''``, or a pre-hashed secret of the empty password, clears it with the NOTICE "empty string
   is not a valid password, clearing password".
3. A value that already is an md5 or SCRAM secret is stored verbatim, whatever
   ``password_encryption`` says; plaintext is hashed with ``password_encryption``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re

from aurora_sec.engine.ddl.context import ExecContext
from aurora_sec.engine.passwords import StoredPassword, md5_secret, password_type, verify_plaintext
from aurora_sec.sql.statements import PasswordSpec
from aurora_sec.versions import behaviour

__all__ = ["encrypt_password", "parse_valid_until"]

_SPECIAL_TIMESTAMPS = {"infinity": "infinity", "-infinity": "-infinity"}
_DATE_RE = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*([+-]\d{1,2}(?::?\d{2})?|Z|UTC)?\s*"
)


def password_encryption(ctx: ExecContext) -> str:
    value = ctx.gucs.get("password_encryption") or str(
        behaviour("password_encryption.default", ctx.major)
    )
    value = value.lower()
    if value in ("on", "true", "yes", "1"):
        return "md5"  # the pre-14 boolean aliases
    return value


def encrypt_password(ctx: ExecContext, role_name: str, spec: PasswordSpec) -> StoredPassword | None:
    """What ``rolpassword`` becomes for this clause (notices go to ``ctx``)."""
    if spec.value is None:
        return None
    plain = spec.value.reveal()
    kind = password_type(plain)
    if plain == "" or (kind != "plaintext" and verify_plaintext(plain, role_name, "")):
        ctx.notify("password.empty")
        return None
    if kind != "plaintext":
        return StoredPassword.verbatim(plain)
    if password_encryption(ctx) == "md5":
        return StoredPassword("md5", secret=md5_secret(plain, role_name))
    iterations = int(ctx.gucs.get("scram_iterations", "4096"))
    return StoredPassword("scram-sha-256", plain=spec.value, salt=ctx.salt(), iterations=iterations)


@functools.lru_cache(maxsize=1024)
def _timestamptz(text: str) -> str | None:
    """The stored form of a VALID UNTIL text, or None when timestamptz_in refuses it (a pure
    function of the text, memoised)."""
    lowered = text.strip().lower()
    if lowered in _SPECIAL_TIMESTAMPS:
        return _SPECIAL_TIMESTAMPS[lowered]
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    try:
        moment = _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.UTC)
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def parse_valid_until(ctx: ExecContext, text: str) -> str:
    """``timestamptz_in`` for the forms a VALID UNTIL takes; 22007 for anything else."""
    stored = _timestamptz(text)
    if stored is None:
        raise ctx.fail("timestamp.invalid", value=text)
    return stored
