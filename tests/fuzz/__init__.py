"""Fuzz tests (hypothesis): arbitrary SQL, connection strings, AWS arguments and IAM policy
documents get documented errors only, and a refused input changes nothing.

``AURORA_FUZZ_SCALE=20 python -m pytest tests/fuzz`` runs twenty times as many examples.
Inputs that once failed are replayed from ``regressions.py``.
"""
