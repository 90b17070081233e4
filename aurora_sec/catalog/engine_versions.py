"""The Aurora PostgreSQL engine versions the control plane knows, as one data table.

This is what ``DescribeDBEngineVersions`` lists and what ``CreateDBCluster`` checks an
``EngineVersion`` against: every ``MAJOR.MINOR`` Aurora PostgreSQL shipped for majors 10-17,
whether it is still offered (``available``) or only kept for existing clusters
(``deprecated``), and which minor is the default of its major.

Sources for the minors (rows below):

* Aurora PostgreSQL 10.4 ... 16.4: the ``AuroraPostgresEngineVersion`` table of the AWS CDK
  (aws/aws-cdk ``packages/aws-cdk-lib/aws-rds/lib/cluster-engine.ts``), which is maintained
  from the Aurora release notes; its ``@deprecated Version X is no longer supported by Amazon
  RDS`` marks are our ``deprecated`` status. Note the gaps Aurora really has: no 10.8-10.10,
  10.15, 11.5, 11.10, 12.5.
* 17.4, 17.5, 17.6, 17.7: the Aurora PostgreSQL extension-versions page (S16 in
  shared/reference/aurora-facts.md), which has one column per 17.x minor.
* The default: ``aws rds describe-db-engine-versions --engine aurora-postgresql
  --default-only`` prints ``16.4`` ("Amazon Aurora versioning",
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.VersionPolicy.Versioning.html).

UNCONFIRMED choices (no source found; the lead lists them in docs/fidelity.md):

* Minors after the CDK snapshot (12.22; 13.18, 13.20-13.23; 14.15, 14.17-14.20; 15.10,
  15.12-15.15; 16.6, 16.8-16.11): Aurora releases every supported major together, and skipped
  the community's Nov-2024 and Feb-2025 minors that were superseded within a week by
  out-of-cycle releases (12.21, 13.17, 13.19, 14.14, 14.16, 15.9, 15.11, 16.5, 16.7). The train
  that brought 17.5/17.6/17.7 is assumed to have brought 13.21-23, 14.18-20, 15.13-15 and
  16.9-11.
* 16.0 (a Limitless Database preview, never generally available) is left out.
* The default minor of each major other than 16 (16.4 is documented): the minor released
  together with 16.4 (15.8, 14.13, 13.16, 12.20), the last 11.x (11.21), and 17.4 for 17.
  Aurora PostgreSQL 10 has no available version, hence no default.
* ``SupportsCertificateRotationWithoutRestart`` is true for every version.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from aurora_sec.catalog import certificates
from aurora_sec.versions import EngineVersion

__all__ = [
    "DEFAULT_VERSION",
    "DEFAULT_VERSION_INFO",
    "ENGINE",
    "ENGINE_DESCRIPTION",
    "FAMILIES",
    "VERSIONS",
    "EngineVersionInfo",
    "default_for_major",
    "family_major",
    "lookup",
    "lookup_available",
    "versions_of_major",
]

#: The ``Engine`` value of every Aurora PostgreSQL resource.
ENGINE: Final = "aurora-postgresql"
#: ``DBEngineDescription`` as DescribeDBEngineVersions returns it.
ENGINE_DESCRIPTION: Final = "Aurora (PostgreSQL)"

_FAMILY_PREFIX: Final = "aurora-postgresql"

# --- the table -------------------------------------------------------------------------
# major -> (every minor Aurora shipped, the minors still "available", the major's default)
_SHIPPED: Mapping[int, tuple[str, str, int | None]] = MappingProxyType(
    {
        # CDK: every 10.x is deprecated (Aurora PostgreSQL 10 reached end of life in 2023).
        10: ("4 5 6 7 11 12 13 14 16 17 18 19 20 21", "", None),
        # CDK: only 11.9 and 11.21 are not deprecated (11 is in RDS Extended Support, S16).
        11: ("4 6 7 8 9 11 12 13 14 15 16 17 18 19 20 21", "9 21", 21),
        # CDK: 12.4, 12.6-12.8, 12.10 deprecated. 12.22: UNCONFIRMED (see module docstring).
        12: (
            "4 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 22",
            "9 11 12 13 14 15 16 17 18 19 20 22",
            20,
        ),
        # CDK: 13.3-13.6 deprecated. 13.18, 13.20-13.23: UNCONFIRMED.
        13: (
            "3 4 5 6 7 8 9 10 11 12 13 14 15 16 18 20 21 22 23",
            "7 8 9 10 11 12 13 14 15 16 18 20 21 22 23",
            16,
        ),
        # CDK: 14.3-14.13 available. 14.15, 14.17-14.20: UNCONFIRMED.
        14: ("3 4 5 6 7 8 9 10 11 12 13 15 17 18 19 20", "*", 13),
        # CDK: 15.2-15.8 available. 15.10, 15.12-15.15: UNCONFIRMED.
        15: ("2 3 4 5 6 7 8 10 12 13 14 15", "*", 8),
        # CDK: 16.1-16.4 available; 16.4 is the documented default. 16.6, 16.8-16.11: UNCONFIRMED.
        16: ("1 2 3 4 6 8 9 10 11", "*", 4),
        # S16 extension-versions page: 17.4, 17.5, 17.6, 17.7.
        17: ("4 5 6 7", "*", 4),
    }
)

#: The CA identifiers every version lists in ``SupportedCACertificateIdentifiers``, in the
#: order AWS prints them (S2 ``UsingWithRDS.SSL.md`` example output); the expired
#: rds-ca-2019 is no longer offered (see :mod:`aurora_sec.catalog.certificates`).
_SUPPORTED_CAS: tuple[str, ...] = certificates.SUPPORTED_CA_IDENTIFIERS


@attrs.frozen
class EngineVersionInfo:
    """One entry of DescribeDBEngineVersions for ``aurora-postgresql``."""

    version: EngineVersion
    status: str  # "available" | "deprecated"
    is_major_default: bool
    supported_ca_certificate_identifiers: tuple[str, ...] = _SUPPORTED_CAS
    supports_certificate_rotation_without_restart: bool = True  # UNCONFIRMED for old minors
    #: ``ExportableLogTypes``: Aurora PostgreSQL exports only ``postgresql`` logs (the CDK's
    #: ``supportedLogTypes`` for aurora-postgresql).
    exportable_log_types: tuple[str, ...] = ("postgresql",)

    @property
    def engine(self) -> str:
        return ENGINE

    @property
    def engine_version(self) -> str:
        """The version text, e.g. ``"15.4"``."""
        return str(self.version)

    @property
    def major(self) -> int:
        return self.version.major

    @property
    def major_engine_version(self) -> str:
        """``MajorEngineVersion``: ``"15"``."""
        return str(self.version.major)

    @property
    def family(self) -> str:
        """``DBParameterGroupFamily``: ``"aurora-postgresql15"``."""
        return self.version.family

    @property
    def description(self) -> str:
        """``DBEngineVersionDescription``:
        ``"Aurora PostgreSQL (Compatible with PostgreSQL 15.4)"``."""
        return f"Aurora PostgreSQL (Compatible with PostgreSQL {self.version})"

    @property
    def engine_description(self) -> str:
        """``DBEngineDescription``: ``"Aurora (PostgreSQL)"``."""
        return ENGINE_DESCRIPTION

    @property
    def is_available(self) -> bool:
        return self.status == "available"


def _build() -> tuple[EngineVersionInfo, ...]:
    rows: list[EngineVersionInfo] = []
    for major, (shipped, available, default_minor) in _SHIPPED.items():
        minors = [int(m) for m in shipped.split()]
        offered = set(minors) if available == "*" else {int(m) for m in available.split()}
        if default_minor is not None and default_minor not in offered:
            raise ValueError(f"default {major}.{default_minor} is not an available version")
        for minor in minors:
            rows.append(
                EngineVersionInfo(
                    version=EngineVersion(major, minor),
                    status="available" if minor in offered else "deprecated",
                    is_major_default=minor == default_minor,
                )
            )
    rows.sort(key=lambda info: info.version)
    return tuple(rows)


#: Every Aurora PostgreSQL version of majors 10-17, ascending.
VERSIONS: tuple[EngineVersionInfo, ...] = _build()

_BY_TEXT: Mapping[str, EngineVersionInfo] = MappingProxyType(
    {info.engine_version: info for info in VERSIONS}
)

#: The parameter group families, ``aurora-postgresql10`` ... ``aurora-postgresql17``.
FAMILIES: tuple[str, ...] = tuple(f"{_FAMILY_PREFIX}{major}" for major in _SHIPPED)
_FAMILY_MAJORS: Mapping[str, int] = MappingProxyType(
    {f"{_FAMILY_PREFIX}{major}": major for major in _SHIPPED}
)


def lookup(text: object) -> EngineVersionInfo | None:
    """The version whose text is exactly ``text`` (``"15.4"``), or None.

    None for versions Aurora never shipped and for anything that is not a version string
    (``"15"``, ``"15.04"``, ``"15.4.1"``, non-strings).
    """
    if not isinstance(text, str):
        return None
    return _BY_TEXT.get(text)


def lookup_available(text: object) -> EngineVersionInfo | None:
    """Like :func:`lookup`, but None also for deprecated versions.

    A deprecated version can no longer be chosen for a new cluster: AWS answers
    ``Cannot find version 13.4 for aurora-postgresql`` for 13.4 (a version Aurora shipped and
    later deprecated) [OBS acloudfan/Amazon-RDS-Aurora-Postgres-v1#1].
    """
    info = lookup(text)
    return info if info is not None and info.is_available else None


def versions_of_major(major: int) -> tuple[EngineVersionInfo, ...]:
    """Every version of ``major``, ascending (deprecated ones included)."""
    return tuple(info for info in VERSIONS if info.major == major)


def default_for_major(major: int) -> EngineVersionInfo | None:
    """The default minor of ``major`` (None for 10, which has no available version)."""
    for info in VERSIONS:
        if info.major == major and info.is_major_default:
            return info
    return None


def family_major(family: object) -> int | None:
    """``"aurora-postgresql15"`` -> 15; None for any other text or an unknown major."""
    if not isinstance(family, str):
        return None
    return _FAMILY_MAJORS.get(family)


_default = lookup("16.4")
assert _default is not None
assert _default.is_major_default
#: What Aurora picks when CreateDBCluster names no EngineVersion, and what
#: ``describe-db-engine-versions --engine aurora-postgresql --default-only`` prints: 16.4.
DEFAULT_VERSION_INFO: EngineVersionInfo = _default
#: :data:`DEFAULT_VERSION_INFO` as an :class:`~aurora_sec.versions.EngineVersion`.
DEFAULT_VERSION: EngineVersion = _default.version
del _default
