"""The SQL classifier: text -> typed, immutable statements (pure, no state).

::

    >>> from aurora_sec.sql import classify
    >>> classify("ALTER ROLE app PASSWORD 'x'; SELECT current_user", "15.4")

See :mod:`aurora_sec.sql.statements` for the statement types, :mod:`.grammar_gates` for the
syntax each major lacks, :mod:`.parse_errors` for the raw-parse error texts and
:mod:`.tags` for the command tags.
"""

from __future__ import annotations

from aurora_sec.sql import statements
from aurora_sec.sql.classify import (
    DEFAULT_MAJOR,
    SUPPORTED_FUNCTIONS,
    cache_clear,
    classify,
    parse_notices,
)
from aurora_sec.sql.statements import *  # noqa: F403 - the statement types, listed in its __all__

__all__ = [
    "DEFAULT_MAJOR",
    "SUPPORTED_FUNCTIONS",
    "cache_clear",
    "classify",
    "parse_notices",
]
__all__ += statements.__all__
