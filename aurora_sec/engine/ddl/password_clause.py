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

__all__ = ["encrypt_password", "parse_valid_until", "reads_clock"]

_SPECIAL_TIMESTAMPS = {
    "infinity": "infinity",
    "-infinity": "-infinity",
    "epoch": "1970-01-01 00:00:00+00",
}
#: The special inputs that read the clock, as days from today's midnight (None: the moment
#: itself). ``TimeZone`` is UTC, as on Aurora by default.
_CLOCK_READS: dict[str, int | None] = {"now": None, "today": 0, "tomorrow": 1, "yesterday": -1}
_DATE_RE = re.compile(
    r"\s*(\d{4,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?|Z|UTC)?\s*"
)
#: timestamptz's last second: 294276-12-31 23:59:59.999999 UTC, in seconds since 0001-01-01.
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_END_YEAR = 294276


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days(year: int, month: int, day: int) -> int:
    """Days from 0001-01-01 (proleptic Gregorian; datetime stops at year 9999)."""
    y = year - 1
    leap_extra = 1 if month > 2 and _leap(year) else 0
    return (
        y * 365
        + y // 4
        - y // 100
        + y // 400
        + _DAYS_BEFORE_MONTH[month - 1]
        + leap_extra
        + day
        - 1
    )


def _civil(days: int) -> tuple[int, int, int]:
    """The inverse of :func:`_days`."""
    year = max(1, days * 400 // 146097)  # 146,097 days in 400 years: off by one at most
    while _days(year, 1, 1) > days:
        year -= 1
    while _days(year + 1, 1, 1) <= days:
        year += 1
    rest = days - _days(year, 1, 1)
    for month in range(12, 0, -1):
        start = _DAYS_BEFORE_MONTH[month - 1] + (1 if month > 2 and _leap(year) else 0)
        if rest >= start:
            return year, month, rest - start + 1
    raise AssertionError(days)  # pragma: no cover


_DATESTYLE_HINT = 'Perhaps you need a different "datestyle" setting.'
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LAST = _days(_END_YEAR, 12, 31) * 86400 + 86399


@functools.lru_cache(maxsize=1024)
def _timestamptz(text: str) -> tuple[str | None, str | None]:
    """(stored form, None) of a VALID UNTIL text, or (None, rule id of timestamptz_in's
    refusal): a pure function of the text, memoised. Fields out of range are 22008 (a month
    past 12 with datestyle's HINT), a moment past 294276 AD is 22008 out of range."""
    lowered = text.strip().lower()
    if lowered in _SPECIAL_TIMESTAMPS:
        return _SPECIAL_TIMESTAMPS[lowered], None
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return None, "timestamp.invalid"
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    if month < 1 or month > 12:
        return None, "timestamp.month_out_of_range"
    month_days = _MONTH_DAYS[month - 1] + (1 if month == 2 and _leap(year) else 0)
    if year < 1 or not 1 <= day <= month_days:
        return None, "timestamp.field_out_of_range"
    if hour > 24 or minute > 59 or second > 60 or (hour == 24 and (minute or second)):
        return None, "timestamp.field_out_of_range"
    offset = 0
    if m[7]:
        offset = (int(m[8]) * 3600 + int(m[9] or 0) * 60) * (1 if m[7] == "+" else -1)
    moment = _days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    if moment > _LAST:
        return None, "timestamp.out_of_range"
    days, seconds = divmod(moment, 86400)
    y, mo, d = _civil(days)
    hh, rest = divmod(seconds, 3600)
    mm, ss = divmod(rest, 60)
    return f"{y:04d}-{mo:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}+00", None


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


def reads_clock(text: str) -> bool:
    """Whether ``timestamptz_in`` of this VALID UNTIL text depends on the time it runs at
    ('now', 'today', 'tomorrow', 'yesterday'): a statement with one stores another value each
    time, so no memo may store it again (replay.py)."""
    return text.strip().lower() in _CLOCK_READS


def parse_valid_until(ctx: ExecContext, text: str) -> str:
    """``timestamptz_in`` for the forms a VALID UNTIL takes; 22007 for anything else."""
    lowered = text.strip().lower()
    if lowered in _CLOCK_READS:
        days = _CLOCK_READS[lowered]
        now = ctx.clock().astimezone(_dt.UTC)
        if days is not None:  # midnight (UTC) of that day
            now = _dt.datetime.combine(now.date(), _dt.time(), _dt.UTC) + _dt.timedelta(days)
        return now.strftime("%Y-%m-%d %H:%M:%S+00")  # (to the second, as every value here)
    stored, refusal = _timestamptz(text)
    if stored is None:
        assert refusal is not None
        err = ctx.fail(refusal, value=text)
        if refusal == "timestamp.month_out_of_range":
            err.hint = _DATESTYLE_HINT
        raise err
    return stored
