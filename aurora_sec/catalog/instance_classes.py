"""DB instance classes Aurora PostgreSQL offers, and the engine versions each one supports.

The table is data in the shape AWS publishes it ("Supported DB engines for DB instance
classes", S10 current page and S2 2023 ``Concepts.DBInstanceClass.md``): per class family the
sizes, and a support text such as ``"15.2+ 14.3+ 13.3+ 12.8+ 11.9 11.12+"`` read as "15.2
and higher, ..., 11.9, 11.12 and higher". ``"all"`` means every Aurora PostgreSQL version.
A ``+`` entry opens the rest of its major only; majors not named are not supported.

Where a 2023 row stops at "15.2 and higher" (15 was the newest major then), 16 and 17 are
added as "16.1+ 17.4+": the current page shows exactly that extension for db.x2g and db.r6g
("17.4 and higher, 16.1 and higher, 15.2 and higher, ..."). Rows so extended are marked.

UNCONFIRMED choices (for docs/fidelity.md):

* 16.1+ / 17.4+ for db.r7g, db.r6i, db.t3, db.t4g and db.serverless (extension above).
* db.r6gd / db.r6id (Optimized Reads): 14.9+, 15.4+, 16.1+, 17.4+; sizes xlarge and up.
* db.r8g: 13.16+, 14.13+, 15.8+, 16.4+, 17.4+. db.r8gd: 13.21+, 14.18+, 15.13+, 16.9+, 17.5+
  (the Optimized Reads R8gd launch blog used 17.5).
* db.r4: every minor of 11 and 12 (S2 prose: "supported only for Aurora PostgreSQL 11 and 12
  versions"; the same page's table says "No", and historical 10.x support is not modelled).
* db.r5 on every version, 10.x included ("All currently available versions").
* db.r7i and db.r9g are left out: no Aurora PostgreSQL version list was found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from aurora_sec.versions import EngineVersion

__all__ = [
    "ALL_CLASSES",
    "CLASS_FAMILIES",
    "ClassFamily",
    "is_burstable",
    "orderable",
    "supports",
]

_STANDARD = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_OPT_READS = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")

# family -> (sizes, supported versions, burstable)
_TABLE: Mapping[str, tuple[tuple[str, ...], str, bool]] = MappingProxyType(
    {
        # Serverless v2: S2 ServerlessV2 regions table (us-east-1): 15.2+, 14.3+, 13.6+.
        # 16.1+ 17.4+ extended (UNCONFIRMED).
        "db.serverless": ((), "17.4+ 16.1+ 15.2+ 14.3+ 13.6+", False),
        # S10 (current page): "17.4 and higher, 16.1 and higher, 15.2 and higher, 14.3 and
        # higher, 13.3 and higher, 12.8 and higher, 11.9, 11.12 and higher".
        "db.x2g": (_STANDARD, "17.4+ 16.1+ 15.2+ 14.3+ 13.3+ 12.8+ 11.9 11.12+", False),
        "db.r6g": (_STANDARD, "17.4+ 16.1+ 15.2+ 14.3+ 13.3+ 12.8+ 11.9 11.12+", False),
        # Optimized Reads: UNCONFIRMED versions and sizes.
        "db.r6gd": (_OPT_READS, "17.4+ 16.1+ 15.4+ 14.9+", False),
        "db.r6id": (
            (*_OPT_READS, "24xlarge", "32xlarge"),
            "17.4+ 16.1+ 15.4+ 14.9+",
            False,
        ),
        # Graviton4: UNCONFIRMED versions.
        "db.r8g": ((*_STANDARD, "24xlarge", "48xlarge"), "17.4+ 16.4+ 15.8+ 14.13+ 13.16+", False),
        "db.r8gd": (
            (*_STANDARD, "24xlarge", "48xlarge"),
            "17.5+ 16.9+ 15.13+ 14.18+ 13.21+",
            False,
        ),
        # S2: 15.2+, 14.7+, 13.10+ (16.1+ 17.4+ extended, UNCONFIRMED).
        "db.r7g": (_STANDARD, "17.4+ 16.1+ 15.2+ 14.7+ 13.10+", False),
        # S2: 15.2+, 14.3+, 13.5+, 12.9+ (16.1+ 17.4+ extended, UNCONFIRMED).
        "db.r6i": (
            (*_STANDARD, "24xlarge", "32xlarge"),
            "17.4+ 16.1+ 15.2+ 14.3+ 13.5+ 12.9+",
            False,
        ),
        # S2: "All currently available versions".
        "db.r5": ((*_STANDARD, "24xlarge"), "all", False),
        # S2 prose: only Aurora PostgreSQL 11 and 12 (UNCONFIRMED, see module docstring).
        "db.r4": ((*_STANDARD[:5], "16xlarge"), "11.0+ 12.0+", False),
        # S2: medium and large only: 15.2+, 14.3+, 13.3+, 12.7+, 11.12+ (16.1+ 17.4+
        # extended, UNCONFIRMED). small/micro/xlarge/2xlarge are "No" for Aurora PostgreSQL.
        "db.t4g": (("medium", "large"), "17.4+ 16.1+ 15.2+ 14.3+ 13.3+ 12.7+ 11.12+", True),
        "db.t3": (("medium", "large"), "17.4+ 16.1+ 15.2+ 14.3+ 13.3+ 12.7+ 11.12+", True),
    }
)

_BURSTABLE_PREFIXES = tuple(f"{name}." for name, (_, _, burstable) in _TABLE.items() if burstable)

_ENTRY_RE = re.compile(r"(?P<major>[1-9][0-9]?)\.(?P<minor>[0-9]+)(?P<plus>\+?)")


@attrs.frozen
class ClassFamily:
    """One class family (``db.r6g``): its sizes and the versions that support it."""

    name: str
    sizes: tuple[str, ...]
    #: (major, minor, and-higher) entries; empty means every version.
    ranges: tuple[tuple[int, int, bool], ...]
    burstable: bool

    @property
    def classes(self) -> tuple[str, ...]:
        """The full class names: ``db.r6g.large`` ... (``db.serverless`` has no size)."""
        if not self.sizes:
            return (self.name,)
        return tuple(f"{self.name}.{size}" for size in self.sizes)

    def supports(self, version: EngineVersion) -> bool:
        if not self.ranges:
            return True
        for major, minor, and_higher in self.ranges:
            if version.major != major:
                continue
            if version.minor == minor or (and_higher and version.minor > minor):
                return True
        return False


def _parse_ranges(text: str) -> tuple[tuple[int, int, bool], ...]:
    if text == "all":
        return ()
    ranges = []
    for token in text.split():
        m = _ENTRY_RE.fullmatch(token)
        if m is None:
            raise ValueError(f"bad version range {token!r}")
        ranges.append((int(m["major"]), int(m["minor"]), m["plus"] == "+"))
    return tuple(ranges)


#: Every class family, in the order of the AWS table.
CLASS_FAMILIES: tuple[ClassFamily, ...] = tuple(
    ClassFamily(name, sizes, _parse_ranges(ranges), burstable)
    for name, (sizes, ranges, burstable) in _TABLE.items()
)

_BY_CLASS: Mapping[str, ClassFamily] = MappingProxyType(
    {cls: family for family in CLASS_FAMILIES for cls in family.classes}
)

#: Every DB instance class Aurora PostgreSQL offers in some version.
ALL_CLASSES: tuple[str, ...] = tuple(_BY_CLASS)


def supports(instance_class: str, version: EngineVersion) -> bool:
    """Can an Aurora PostgreSQL ``version`` instance run on ``instance_class``?

    False for classes Aurora PostgreSQL never offers (``db.t3.micro``, ``db.t2.medium``).
    """
    family = _BY_CLASS.get(instance_class)
    return family is not None and family.supports(version)


def orderable(version: EngineVersion) -> tuple[str, ...]:
    """The classes an instance of ``version`` can use, in table order."""
    return tuple(cls for cls in ALL_CLASSES if _BY_CLASS[cls].supports(version))


def is_burstable(instance_class: str) -> bool:
    """db.t3.* and db.t4g.*, offered or not: "The burstable performance DB instance classes
    include the db.t3 and db.t4g DB instance classes" and "support default VPC tenancy only"
    (S5)."""
    return instance_class.startswith(_BURSTABLE_PREFIXES)
