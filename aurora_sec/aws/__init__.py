"""The AWS control plane: EC2 networking, RDS, IAM, and the bridge for real boto3 clients.

``aurora_sec.aws.mock(acct)`` (from :mod:`aurora_sec.aws.bridge`) serves boto3/botocore
clients from an account; it is imported lazily so that the library never imports botocore
unless a mock is used.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "mock":
        from aurora_sec.aws.bridge import mock

        return mock
    raise AttributeError(f"module 'aurora_sec.aws' has no attribute {name!r}")
