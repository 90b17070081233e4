"""VALID UNTIL's calendar arithmetic: years past 9999 (where ``datetime`` stops) are PostgreSQL's
up to 294276; the texts and SQLSTATEs are proven against the real servers by the conformance
case ``limits``. Here the day count is checked against ``datetime`` where both exist."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.engine.ddl.password_clause import _civil, _days, _timestamptz


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_day_numbers_agree_with_datetime(day: dt.date) -> None:
    number = day.toordinal() - 1
    assert _days(day.year, day.month, day.day) == number
    assert _civil(number) == (day.year, day.month, day.day)


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
def test_offsets_move_the_stored_moment(moment: dt.datetime) -> None:
    moment = moment.replace(microsecond=0)
    text = f"{moment.year:04d}-{moment:%m-%d %H:%M:%S}+05:30"
    utc = moment - dt.timedelta(hours=5, minutes=30)
    assert _timestamptz(text) == (f"{utc.year:04d}-{utc:%m-%d %H:%M:%S}+00", None)
