"""A faster timestamp parser for the responses botocore reads from the bridge, same answers.

botocore parses every XML timestamp with ``botocore.utils.parse_timestamp``, which hands ISO
8601 text to ``dateutil.parser.parse``: about 40 us a timestamp, the largest single cost of a
bridged call (a ``CreateDBCluster`` answer carries three). The bridge writes timestamps in
exactly two forms, ``YYYY-MM-DDTHH:MM:SSZ`` and ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
(:mod:`.query_xml`); for those two forms dateutil's answer is ``datetime(..., tzinfo=tzutc())``
with the digits as written and dateutil's zone for ``Z``: ``tzutc()``, or ``tzlocal()`` when
the process's local zone is itself named ``UTC`` (``time.tzname == ("UTC", "UTC")``, no DST:
containers), which :func:`parse_timestamp` builds directly. Any other text, any value
``datetime`` refuses, and any other local zone that names ``UTC`` go to botocore's own parser,
so the result is botocore's for every input (tests/bridge/test_timestamps.py compares the two,
under several ``TZ`` settings).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import time
from typing import Any, Final

__all__ = ["parse_timestamp"]

_ISO: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{6}))?Z\Z",
    re.ASCII,
)


@functools.cache
def _botocore() -> tuple[Any, Any, Any]:
    """botocore's parser and dateutil's zones, imported on first use (botocore is optional)."""
    import botocore.compat
    import botocore.parsers
    import botocore.utils

    return botocore.parsers, botocore.utils.tzutc, botocore.compat.tzlocal


def _zone(tzutc: Any, tzlocal: Any) -> Any:
    """dateutil's zone for a ``Z`` timestamp in this process, or None: ask dateutil."""
    names = time.tzname
    if "UTC" not in names:
        return tzutc()
    if names == ("UTC", "UTC") and not time.daylight:
        return tzlocal()
    return None


def parse_timestamp(value: Any) -> Any:
    """``botocore.utils.parse_timestamp(value)``, without dateutil for the bridge's two forms."""
    parsers, tzutc, tzlocal = _botocore()
    if isinstance(value, str):
        match = _ISO.match(value)
        zone = _zone(tzutc, tzlocal) if match is not None else None
        if match is not None and zone is not None:
            year, month, day, hour, minute, second, micro = match.groups()
            try:
                return _dt.datetime(
                    int(year),
                    int(month),
                    int(day),
                    int(hour),
                    int(minute),
                    int(second),
                    int(micro) if micro else 0,
                    tzinfo=zone,
                )
            except ValueError:
                pass
    return parsers.DEFAULT_TIMESTAMP_PARSER(value)
