"""Hypothesis setup hook: teach ``st.from_type`` the library's value types.

Hypothesis calls :func:`_hypothesis_setup_hook` through the ``hypothesis`` entry point
declared in pyproject.toml, so ``st.from_type(EngineVersion)`` draws real catalogue
versions instead of failing on the attrs validators.
"""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from aurora_sec.testing.strategies import engine_versions
    from aurora_sec.versions import EngineVersion

    st.register_type_strategy(EngineVersion, engine_versions().map(EngineVersion.parse))
