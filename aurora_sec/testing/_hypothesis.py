"""Hypothesis setup hook: teach ``st.from_type`` the library's value types.

Hypothesis calls :func:`_hypothesis_setup_hook` through the ``hypothesis`` entry point
declared in pyproject.toml while ``hypothesis`` itself is being imported, so ``from_type``
draws real catalogue versions (without it, hypothesis builds an ``EngineVersion`` from
arbitrary integers, such as major 0 or a negative minor). The hook must
not import :mod:`aurora_sec.testing.strategies` (which imports hypothesis): the strategy
is deferred until first use.
"""

from __future__ import annotations

from typing import Any


def _engine_versions() -> Any:
    from aurora_sec.testing.strategies import engine_versions
    from aurora_sec.versions import EngineVersion

    return engine_versions().map(EngineVersion.parse)


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from aurora_sec.versions import EngineVersion

    st.register_type_strategy(EngineVersion, st.deferred(_engine_versions))
