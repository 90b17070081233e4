"""The configuration a database server runs with: its GUCs, as the server sees them.

The control plane computes one :class:`EngineConfig` per instance (engine defaults, then the
cluster parameter group, then the instance parameter group, as applied at the last reboot or
by an immediate dynamic change). The server plane reads only this object: it never looks at
parameter groups or AWS APIs. Values are kept as the text PostgreSQL would show in ``SHOW``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import attrs

from aurora_sec.versions import EngineVersion

__all__ = ["EngineConfig"]

_TRUE = frozenset({"1", "on", "true", "yes", "t", "y"})


def _freeze(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@attrs.frozen
class EngineConfig(Mapping[str, str]):
    """An immutable map of GUC name to value text, with typed accessors for the planes."""

    engine_version: EngineVersion
    gucs: Mapping[str, str] = attrs.field(converter=_freeze)

    # Mapping protocol ----------------------------------------------------------------
    def __getitem__(self, name: str) -> str:
        return self.gucs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.gucs)

    def __len__(self) -> int:
        return len(self.gucs)

    def flag(self, name: str) -> bool:
        """A boolean GUC (``1``/``on``/``true`` ...); missing means off."""
        return self.gucs.get(name, "0").strip().lower() in _TRUE

    # What the server and SQL planes ask ---------------------------------------------
    @property
    def ssl(self) -> bool:
        return self.flag("ssl")

    @property
    def force_ssl(self) -> bool:
        return self.flag("rds.force_ssl")

    @functools.cached_property
    def restrict_password_commands(self) -> bool:
        """Read once per configuration: every role statement asks."""
        return self.flag("rds.restrict_password_commands")

    @property
    def password_encryption(self) -> str:
        return self.gucs.get("password_encryption", "md5")

    @property
    def accepted_password_auth_method(self) -> str:
        return self.gucs.get("rds.accepted_password_auth_method", "md5+scram")

    @property
    def ssl_min_protocol_version(self) -> str:
        return self.gucs.get("ssl_min_protocol_version", "")

    @property
    def ssl_max_protocol_version(self) -> str:
        return self.gucs.get("ssl_max_protocol_version", "")

    def __repr__(self) -> str:
        return f"EngineConfig({self.engine_version}, {dict(self.gucs)!r})"

    def __hash__(self) -> int:
        return hash((self.engine_version, tuple(sorted(self.gucs.items()))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EngineConfig):
            return NotImplemented
        return self.engine_version == other.engine_version and dict(self.gucs) == dict(other.gucs)
