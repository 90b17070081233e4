"""aurora-sec: an in-memory emulator of Amazon Aurora PostgreSQL security.

The public surface (see docs/architecture.md)::

    import aurora_sec as aurora
    acct = aurora.Account(account_id="123456789012", region="us-east-1", seed=0)
    rds = acct.client("rds"); ec2 = acct.client("ec2")

Names are imported lazily, so ``import aurora_sec`` stays cheap until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Account": "aurora_sec.aws.account",
    "AuroraSecError": "aurora_sec.errors",
    "AwsError": "aurora_sec.errors",
    "ConnectionFailed": "aurora_sec.errors",
    "ParamValidationError": "aurora_sec.errors",
    "PostgresError": "aurora_sec.errors",
    "EngineConfig": "aurora_sec.engine.config",
    "EngineVersion": "aurora_sec.versions",
    "Firewall": "aurora_sec.aws.network",
    "FirewallRule": "aurora_sec.aws.network",
    "Reachability": "aurora_sec.aws.network",
    "Quotas": "aurora_sec.aws.quotas",
    "Secret": "aurora_sec.secrets",
    "UnsupportedByEmulator": "aurora_sec.aws.rds.errors",
    "classify": "aurora_sec.sql",
    "Client": "aurora_sec.client.client",
    "Connection": "aurora_sec.client.client",
    "ServerMessage": "aurora_sec.sql",
    "Session": "aurora_sec.engine.session",
    "Result": "aurora_sec.engine.result",
}

__all__ = [*sorted(_EXPORTS), "__version__"]

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account as Account
    from aurora_sec.aws.network import Firewall as Firewall
    from aurora_sec.aws.network import FirewallRule as FirewallRule
    from aurora_sec.aws.network import Reachability as Reachability
    from aurora_sec.aws.quotas import Quotas as Quotas
    from aurora_sec.aws.rds.errors import UnsupportedByEmulator as UnsupportedByEmulator
    from aurora_sec.client.client import Client as Client
    from aurora_sec.client.client import Connection as Connection
    from aurora_sec.engine.config import EngineConfig as EngineConfig
    from aurora_sec.engine.result import Result as Result
    from aurora_sec.engine.session import Session as Session
    from aurora_sec.errors import AuroraSecError as AuroraSecError
    from aurora_sec.errors import AwsError as AwsError
    from aurora_sec.errors import ConnectionFailed as ConnectionFailed
    from aurora_sec.errors import ParamValidationError as ParamValidationError
    from aurora_sec.errors import PostgresError as PostgresError
    from aurora_sec.secrets import Secret as Secret
    from aurora_sec.sql import ServerMessage as ServerMessage
    from aurora_sec.sql import classify as classify
    from aurora_sec.versions import EngineVersion as EngineVersion


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aurora_sec' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
