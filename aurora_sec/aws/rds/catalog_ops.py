"""The read-only RDS operations over the catalogue: engine versions, orderable instance
options, certificate authorities and engine-default parameters.

:class:`CatalogOps` is a mixin of the RDS client. Its handlers read only the data tables in
:mod:`aurora_sec.catalog`; they touch no account state, so every account answers alike.

Behaviour (AWS API reference unless marked):

* Every operation pages at ``MaxRecords`` (default 100, "Minimum 20, maximum 100") and
  returns a ``Marker`` when more records remain; the marker is the offset of the next record.
* DescribeDBEngineVersions lists only ``available`` versions unless ``IncludeAll``;
  ``DefaultOnly`` keeps "the default version of the specified engine or the engine and major
  version combination" (16.4 for the engine alone). ``Engine`` other than
  ``aurora-postgresql`` lists nothing (other engines are not modelled).
* DescribeOrderableDBInstanceOptions lists one entry per available version and instance
  class (one storage type, ``aurora``; I/O-Optimized ``aurora-iopt1`` entries are not
  modelled). ``Filters`` "isn't currently supported" and is ignored, as AWS documents.
* DescribeCertificates: ``CertificateIdentifier`` "isn't case-sensitive"; an unknown (or
  retired) one is ``CertificateNotFound`` (404) "Certificate rds-ca-2019 not found"
  [OBS turbot/steampipe-plugin-aws#2362].
* DescribeEngineDefault(Cluster)Parameters: entries as the S2 example prints them (no
  ``ApplyMethod``).

UNCONFIRMED (for docs/fidelity.md):

* MaxRecords out of range: InvalidParameterValue
  ``Invalid value 5 for MaxRecords. Must be between 20 and 100.``
* A marker this emulator did not issue: InvalidParameterValue ``The marker <m> is not valid.``
* Unknown family for the engine-default operations: InvalidParameterValue
  ``ParameterGroupFamily <f> is not a valid parameter group family`` (the wording AWS uses on
  CreateDBClusterParameterGroup [OBS cloudformation-coverage-roadmap#703]).
* DescribeDBEngineVersions ``Filters``: names ``db-parameter-group-family``, ``engine``,
  ``engine-mode``, ``engine-version``, ``status``; any other name is InvalidParameterValue
  ``Unrecognized filter name: <name>``.
* ``EngineVersion`` given as a bare major (``"15"``) matches every minor of that major.
* The orderable entry's capability flags and its three availability zones (``<region>a``
  ... ``c``); ValidUpgradeTarget lists only the later available minors of the same major
  (major-version upgrade targets are not modelled).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

from aurora_sec.aws._generated import rds_shapes
from aurora_sec.aws.api import BaseClient, Params, operation
from aurora_sec.catalog import certificates, engine_versions, instance_classes
from aurora_sec.catalog import parameters as catalog
from aurora_sec.catalog.engine_versions import EngineVersionInfo
from aurora_sec.errors import AwsError

__all__ = ["CatalogOps"]

T = TypeVar("T")

_DEFAULT_MAX_RECORDS: Final = 100
_MIN_MAX_RECORDS: Final = 20
_LICENSE_MODEL: Final = "postgresql-license"
_ENGINE_MODES: Final = ("provisioned",)
_AZ_SUFFIXES: Final = ("a", "b", "c")  # UNCONFIRMED: AZs of the account's region
_ENGINE_VERSION_FILTERS: Final = frozenset(
    {"db-parameter-group-family", "engine", "engine-mode", "engine-version", "status"}
)


def _error(code: str, message: str) -> AwsError:
    return AwsError(code, message, http_status=rds_shapes.ERRORS.get(code, 400))


def _invalid(message: str) -> AwsError:
    return _error("InvalidParameterValue", message)


def _page(items: Sequence[T], params: Params) -> tuple[list[T], str | None]:
    """The records of this page and the marker of the next one (None on the last page)."""
    limit = params.get("MaxRecords")
    if limit is None:
        limit = _DEFAULT_MAX_RECORDS
    elif not _MIN_MAX_RECORDS <= limit <= _DEFAULT_MAX_RECORDS:
        raise _invalid(
            f"Invalid value {limit} for MaxRecords. Must be between "
            f"{_MIN_MAX_RECORDS} and {_DEFAULT_MAX_RECORDS}."
        )
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or int(marker) > len(items):
            raise _invalid(f"The marker {marker} is not valid.")
        start = int(marker)
    end = start + limit
    return list(items[start:end]), (str(end) if end < len(items) else None)


def _with_marker(response: dict[str, Any], marker: str | None) -> dict[str, Any]:
    if marker is not None:
        response["Marker"] = marker
    return response


def _matches_version(info: EngineVersionInfo, text: str) -> bool:
    return text in (info.engine_version, info.major_engine_version)


def _filter_values(params: Params) -> dict[str, frozenset[str]]:
    result: dict[str, frozenset[str]] = {}
    for f in params.get("Filters") or ():
        name = f["Name"]
        if name not in _ENGINE_VERSION_FILTERS:
            raise _invalid(f"Unrecognized filter name: {name}")
        result[name] = result.get(name, frozenset()) | frozenset(f["Values"])
    return result


def _passes_filters(info: EngineVersionInfo, filters: Mapping[str, frozenset[str]]) -> bool:
    fields = {
        "db-parameter-group-family": (info.family,),
        "engine": (info.engine,),
        "engine-mode": _ENGINE_MODES,
        "engine-version": (info.engine_version, info.major_engine_version),
        "status": (info.status,),
    }
    return all(any(v in values for v in fields[name]) for name, values in filters.items())


def _engine_version_record(info: EngineVersionInfo) -> dict[str, Any]:
    targets = [
        {
            "Engine": t.engine,
            "EngineVersion": t.engine_version,
            "Description": t.description,
            "AutoUpgrade": False,
            "IsMajorVersionUpgrade": False,
            "SupportedEngineModes": list(_ENGINE_MODES),
        }
        for t in engine_versions.versions_of_major(info.major)
        if t.is_available and t.version > info.version
    ]
    return {
        "Engine": info.engine,
        "MajorEngineVersion": info.major_engine_version,
        "EngineVersion": info.engine_version,
        "DBParameterGroupFamily": info.family,
        "DBEngineDescription": info.engine_description,
        "DBEngineVersionDescription": info.description,
        "ValidUpgradeTarget": targets,
        "ExportableLogTypes": list(info.exportable_log_types),
        "SupportsLogExportsToCloudwatchLogs": True,
        "SupportsReadReplica": False,
        "SupportedEngineModes": list(_ENGINE_MODES),
        "Status": info.status,
        "SupportsParallelQuery": False,
        "SupportsCertificateRotationWithoutRestart": (
            info.supports_certificate_rotation_without_restart
        ),
        "SupportedCACertificateIdentifiers": list(info.supported_ca_certificate_identifiers),
    }


class CatalogOps(BaseClient):
    """Describe* operations over the catalogue data (mixed into the RDS client)."""

    # -- engine versions ---------------------------------------------------------------

    def _select_engine_versions(self, params: Params) -> list[EngineVersionInfo]:
        engine = params.get("Engine")
        if engine is not None and engine != engine_versions.ENGINE:
            return []
        version_text = params.get("EngineVersion")
        family = params.get("DBParameterGroupFamily")
        filters = _filter_values(params)
        include_all = bool(params.get("IncludeAll"))
        selected: Iterable[EngineVersionInfo] = (
            info
            for info in engine_versions.VERSIONS
            if (include_all or info.is_available)
            and (version_text is None or _matches_version(info, version_text))
            and (family is None or info.family == family)
            and _passes_filters(info, filters)
        )
        if params.get("DefaultOnly"):
            if version_text is None and family is None:
                default = engine_versions.DEFAULT_VERSION_INFO
                selected = (info for info in selected if info == default)
            else:
                selected = (info for info in selected if info.is_major_default)
        return list(selected)

    @operation("DescribeDBEngineVersions")
    def describe_db_engine_versions(self, params: Params) -> dict[str, Any]:
        page, marker = _page(self._select_engine_versions(params), params)
        return _with_marker({"DBEngineVersions": [_engine_version_record(i) for i in page]}, marker)

    # -- orderable instance options ------------------------------------------------------

    def _orderable_record(self, info: EngineVersionInfo, instance_class: str) -> dict[str, Any]:
        region = self._account.region
        return {
            "Engine": info.engine,
            "EngineVersion": info.engine_version,
            "DBInstanceClass": instance_class,
            "LicenseModel": _LICENSE_MODEL,
            "AvailabilityZones": [{"Name": f"{region}{suffix}"} for suffix in _AZ_SUFFIXES],
            "Vpc": True,
            "SupportsStorageEncryption": True,
            "StorageType": "aurora",
            "SupportsIops": False,
            "SupportsEnhancedMonitoring": True,
            "SupportsIAMDatabaseAuthentication": True,
            "SupportsPerformanceInsights": True,
            "SupportedEngineModes": list(_ENGINE_MODES),
            "SupportsKerberosAuthentication": True,
        }

    @operation("DescribeOrderableDBInstanceOptions")
    def describe_orderable_db_instance_options(self, params: Params) -> dict[str, Any]:
        options: list[tuple[EngineVersionInfo, str]] = []
        engine = params["Engine"]
        license_model = params.get("LicenseModel")
        vpc = params.get("Vpc")
        if (
            engine == engine_versions.ENGINE
            and license_model in (None, _LICENSE_MODEL)
            and vpc in (None, True)
        ):
            version_text = params.get("EngineVersion")
            wanted_class = params.get("DBInstanceClass")
            for info in engine_versions.VERSIONS:
                if not info.is_available:
                    continue
                if version_text is not None and version_text != info.engine_version:
                    continue
                for cls in instance_classes.orderable(info.version):
                    if wanted_class is None or wanted_class == cls:
                        options.append((info, cls))
        page, marker = _page(options, params)
        records = [self._orderable_record(info, cls) for info, cls in page]
        return _with_marker({"OrderableDBInstanceOptions": records}, marker)

    # -- certificates ----------------------------------------------------------------------

    @operation("DescribeCertificates")
    def describe_certificates(self, params: Params) -> dict[str, Any]:
        identifier = params.get("CertificateIdentifier")
        if identifier is None:
            selected = list(certificates.CERTIFICATES)
        else:
            info = certificates.lookup(identifier)
            if info is None:
                raise _error("CertificateNotFound", f"Certificate {identifier} not found")
            selected = [info]
        page, marker = _page(selected, params)
        region = self._account.region
        partition = getattr(self._account, "partition", "aws")
        response: dict[str, Any] = {
            "DefaultCertificateForNewLaunches": certificates.DEFAULT_CA,
            "Certificates": [certificates.describe(c, region, partition) for c in page],
        }
        return _with_marker(response, marker)

    # -- engine-default parameters ------------------------------------------------------

    @staticmethod
    def _engine_defaults(params: Params, level: str) -> dict[str, Any]:
        family = params["DBParameterGroupFamily"]
        major = engine_versions.family_major(family)
        if major is None:
            raise _invalid(f"ParameterGroupFamily {family} is not a valid parameter group family")
        specs = catalog.for_family(family, level)
        page, marker = _page(specs, params)
        defaults: dict[str, Any] = {
            "DBParameterGroupFamily": family,
            "Parameters": [
                catalog.describe(s, s.default(major), s.source, include_apply_method=False)
                for s in page
            ],
        }
        return {"EngineDefaults": _with_marker(defaults, marker)}

    @operation("DescribeEngineDefaultClusterParameters")
    def describe_engine_default_cluster_parameters(self, params: Params) -> dict[str, Any]:
        return self._engine_defaults(params, "cluster")

    @operation("DescribeEngineDefaultParameters")
    def describe_engine_default_parameters(self, params: Params) -> dict[str, Any]:
        return self._engine_defaults(params, "instance")
