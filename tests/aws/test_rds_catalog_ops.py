"""The read-only catalogue operations of the RDS client, checked against botocore's shapes."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping
from typing import Any, cast

import pytest

from aurora_sec.aws._generated import rds_shapes
from aurora_sec.aws.ids import IdGenerator
from aurora_sec.aws.rds.catalog_ops import CatalogOps
from aurora_sec.catalog import certificates
from aurora_sec.catalog import engine_versions as ev
from aurora_sec.catalog import instance_classes as ic
from aurora_sec.errors import AwsError, ParamValidationError
from tests.shape_check import assert_matches_output, output_problems


class _StandInAccount:
    """The parts of :class:`aurora_sec.aws.account.Account` the catalogue operations use."""

    account_id = "123456789012"
    region = "eu-west-1"
    partition = "aws"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.ids = IdGenerator(0, self.account_id, self.region)

    def authorize(
        self, service: str, operation_name: str, params: Mapping[str, Any], principal: str | None
    ) -> None:
        return None

    def arn(self, resource_type: str, name: str, service: str = "rds") -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource_type}:{name}"


class _Client(CatalogOps):
    service_name = "rds"
    _shapes = rds_shapes


@pytest.fixture
def rds() -> _Client:
    return _Client(cast(Any, _StandInAccount()))


def _all_pages(call: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        extra = {"Marker": marker} if marker else {}
        response = call(**kwargs, **extra)
        records.extend(response[key])
        marker = response.get("Marker")
        if marker is None:
            return records


# -- DescribeDBEngineVersions ------------------------------------------------------------------


def test_engine_versions_list_only_available_ones(rds: _Client) -> None:
    available = [i.engine_version for i in ev.VERSIONS if i.is_available]
    assert len(available) < 100
    response = rds.describe_db_engine_versions(Engine="aurora-postgresql")
    assert_matches_output("rds", "DescribeDBEngineVersions", response)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Marker" not in response
    assert [r["EngineVersion"] for r in response["DBEngineVersions"]] == available
    assert {r["Status"] for r in response["DBEngineVersions"]} == {"available"}


def test_engine_versions_page_at_max_records(rds: _Client) -> None:
    everything = [i.engine_version for i in ev.VERSIONS]
    assert len(everything) > 100
    first = rds.describe_db_engine_versions(IncludeAll=True)
    assert len(first["DBEngineVersions"]) == 100
    assert first["Marker"]
    small = rds.describe_db_engine_versions(IncludeAll=True, MaxRecords=20)
    assert len(small["DBEngineVersions"]) == 20
    records = _all_pages(
        rds.describe_db_engine_versions, "DBEngineVersions", IncludeAll=True, MaxRecords=20
    )
    assert [r["EngineVersion"] for r in records] == everything


def test_engine_version_record(rds: _Client) -> None:
    response = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="15.4")
    assert_matches_output("rds", "DescribeDBEngineVersions", response)
    (record,) = response["DBEngineVersions"]
    assert record["DBParameterGroupFamily"] == "aurora-postgresql15"
    assert record["MajorEngineVersion"] == "15"
    assert record["DBEngineDescription"] == "Aurora (PostgreSQL)"
    assert (
        record["DBEngineVersionDescription"]
        == "Aurora PostgreSQL (Compatible with PostgreSQL 15.4)"
    )
    assert record["SupportedCACertificateIdentifiers"] == [
        "rds-ca-rsa2048-g1",
        "rds-ca-ecc384-g1",
        "rds-ca-rsa4096-g1",
    ]
    assert record["SupportsCertificateRotationWithoutRestart"] is True
    targets = [t["EngineVersion"] for t in record["ValidUpgradeTarget"]]
    assert targets
    assert all(t.startswith("15.") and ev.lookup(t) is not None for t in targets)
    assert "15.3" not in targets


def test_default_only(rds: _Client) -> None:
    response = rds.describe_db_engine_versions(Engine="aurora-postgresql", DefaultOnly=True)
    assert [r["EngineVersion"] for r in response["DBEngineVersions"]] == ["16.4"]
    per_family = rds.describe_db_engine_versions(
        Engine="aurora-postgresql", DBParameterGroupFamily="aurora-postgresql14", DefaultOnly=True
    )
    expected = ev.default_for_major(14)
    assert expected is not None
    assert [r["EngineVersion"] for r in per_family["DBEngineVersions"]] == [expected.engine_version]


def test_deprecated_versions_need_include_all(rds: _Client) -> None:
    assert rds.describe_db_engine_versions(EngineVersion="13.4")["DBEngineVersions"] == []
    response = rds.describe_db_engine_versions(EngineVersion="13.4", IncludeAll=True)
    assert [r["Status"] for r in response["DBEngineVersions"]] == ["deprecated"]
    tens = _all_pages(
        rds.describe_db_engine_versions, "DBEngineVersions", EngineVersion="10", IncludeAll=True
    )
    assert [r["EngineVersion"] for r in tens][:3] == ["10.4", "10.5", "10.6"]


def test_other_engines_and_unknown_versions_list_nothing(rds: _Client) -> None:
    assert rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"] == []
    assert rds.describe_db_engine_versions(EngineVersion="13.99")["DBEngineVersions"] == []
    assert (
        rds.describe_db_engine_versions(DBParameterGroupFamily="aurora-postgresql18")[
            "DBEngineVersions"
        ]
        == []
    )


def test_engine_version_filters(rds: _Client) -> None:
    response = rds.describe_db_engine_versions(
        IncludeAll=True,
        Filters=[
            {"Name": "status", "Values": ["deprecated"]},
            {"Name": "db-parameter-group-family", "Values": ["aurora-postgresql13"]},
        ],
    )
    versions = [r["EngineVersion"] for r in response["DBEngineVersions"]]
    assert versions == ["13.3", "13.4", "13.5", "13.6"]
    with pytest.raises(AwsError) as err:
        rds.describe_db_engine_versions(Filters=[{"Name": "colour", "Values": ["blue"]}])
    assert err.value.code == "InvalidParameterValue"


@pytest.mark.parametrize("max_records", [0, 19, 101])
def test_max_records_out_of_range(rds: _Client, max_records: int) -> None:
    with pytest.raises(AwsError) as err:
        rds.describe_db_engine_versions(MaxRecords=max_records)
    assert err.value.code == "InvalidParameterValue"
    assert err.value.operation_name == "DescribeDBEngineVersions"
    assert str(max_records) in err.value.message


def test_bad_marker(rds: _Client) -> None:
    with pytest.raises(AwsError) as err:
        rds.describe_db_engine_versions(Marker="not-ours")
    assert err.value.code == "InvalidParameterValue"


def test_parameter_validation_happens_first(rds: _Client) -> None:
    with pytest.raises(ParamValidationError):
        rds.describe_db_engine_versions(Engine=5)
    with pytest.raises(ParamValidationError):
        rds.describe_orderable_db_instance_options()


# -- DescribeOrderableDBInstanceOptions ---------------------------------------------------------


def test_orderable_options_for_a_version(rds: _Client) -> None:
    records = _all_pages(
        rds.describe_orderable_db_instance_options,
        "OrderableDBInstanceOptions",
        Engine="aurora-postgresql",
        EngineVersion="16.4",
    )
    assert [r["DBInstanceClass"] for r in records] == list(ic.orderable(ev.DEFAULT_VERSION))
    first = records[0]
    assert first["LicenseModel"] == "postgresql-license"
    assert first["SupportsIAMDatabaseAuthentication"] is True
    assert first["SupportedEngineModes"] == ["provisioned"]
    assert first["AvailabilityZones"][0] == {"Name": "eu-west-1a"}
    assert_matches_output(
        "rds", "DescribeOrderableDBInstanceOptions", {"OrderableDBInstanceOptions": records}
    )


def test_orderable_class_filter(rds: _Client) -> None:
    t3 = rds.describe_orderable_db_instance_options(
        Engine="aurora-postgresql", EngineVersion="16.4", DBInstanceClass="db.t3.medium"
    )
    assert_matches_output("rds", "DescribeOrderableDBInstanceOptions", t3)
    assert len(t3["OrderableDBInstanceOptions"]) == 1
    micro = rds.describe_orderable_db_instance_options(
        Engine="aurora-postgresql", DBInstanceClass="db.t3.micro"
    )
    assert micro["OrderableDBInstanceOptions"] == []


def test_orderable_versions_of_a_class_follow_the_table(rds: _Client) -> None:
    records = _all_pages(
        rds.describe_orderable_db_instance_options,
        "OrderableDBInstanceOptions",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r7g.large",
    )
    versions = {r["EngineVersion"] for r in records}
    assert "14.7" in versions
    assert "14.6" not in versions
    assert not any(v.startswith(("11.", "12.")) for v in versions)


def test_orderable_other_engine_or_license(rds: _Client) -> None:
    assert (
        rds.describe_orderable_db_instance_options(Engine="mysql")["OrderableDBInstanceOptions"]
        == []
    )
    assert (
        rds.describe_orderable_db_instance_options(
            Engine="aurora-postgresql", LicenseModel="general-public-license"
        )["OrderableDBInstanceOptions"]
        == []
    )


# -- DescribeCertificates -------------------------------------------------------------------


def test_certificates(rds: _Client) -> None:
    response = rds.describe_certificates()
    assert_matches_output("rds", "DescribeCertificates", response)
    assert response["DefaultCertificateForNewLaunches"] == "rds-ca-rsa2048-g1"
    ids = [c["CertificateIdentifier"] for c in response["Certificates"]]
    assert ids == ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"]
    first = response["Certificates"][0]
    assert first["CertificateArn"] == "arn:aws:rds:eu-west-1::cert:rds-ca-rsa2048-g1"
    assert first["CertificateType"] == "CA"
    assert first["CustomerOverride"] is False
    assert first["ValidTill"] > _dt.datetime(2060, 1, 1, tzinfo=_dt.UTC)
    assert "Thumbprint" not in first


def test_certificate_identifier_is_case_insensitive(rds: _Client) -> None:
    response = rds.describe_certificates(CertificateIdentifier="RDS-CA-ECC384-G1")
    assert [c["CertificateIdentifier"] for c in response["Certificates"]] == ["rds-ca-ecc384-g1"]


@pytest.mark.parametrize("identifier", ["rds-ca-2019", "rds-ca-bogus"])
def test_unknown_or_retired_certificate(rds: _Client, identifier: str) -> None:
    with pytest.raises(AwsError) as err:
        rds.describe_certificates(CertificateIdentifier=identifier)
    assert err.value.code == "CertificateNotFound"
    assert err.value.http_status == 404
    assert err.value.message == f"Certificate {identifier} not found"
    assert str(err.value) == (
        "An error occurred (CertificateNotFound) when calling the DescribeCertificates "
        f"operation: Certificate {identifier} not found"
    )


def test_certificate_catalogue() -> None:
    assert certificates.lookup(certificates.DEFAULT_CA) is not None
    retired = certificates.lookup("rds-ca-2019", include_retired=True)
    assert retired is not None
    assert retired.is_expired(_dt.datetime(2024, 8, 23, tzinfo=_dt.UTC))
    assert not retired.is_expired(_dt.datetime(2024, 8, 21, tzinfo=_dt.UTC))
    assert certificates.lookup("rds-ca-2019") is None
    algorithms = {
        c.identifier: (c.key_algorithm, c.signing_algorithm) for c in certificates.CERTIFICATES
    }
    assert algorithms == {
        "rds-ca-rsa2048-g1": ("RSA 2048", "SHA256"),
        "rds-ca-rsa4096-g1": ("RSA 4096", "SHA384"),
        "rds-ca-ecc384-g1": ("ECC 384", "SHA384"),
    }


# -- DescribeEngineDefault(Cluster)Parameters -------------------------------------------------


def _defaults(rds: _Client, operation: str, family: str) -> dict[str, dict[str, Any]]:
    call = (
        rds.describe_engine_default_cluster_parameters
        if operation == "DescribeEngineDefaultClusterParameters"
        else rds.describe_engine_default_parameters
    )
    response = call(DBParameterGroupFamily=family)
    assert_matches_output("rds", operation, response)
    engine_defaults = response["EngineDefaults"]
    assert engine_defaults["DBParameterGroupFamily"] == family
    assert "Marker" not in engine_defaults
    return {r["ParameterName"]: r for r in engine_defaults["Parameters"]}


@pytest.mark.parametrize("family", ev.FAMILIES)
@pytest.mark.parametrize(
    "operation", ["DescribeEngineDefaultClusterParameters", "DescribeEngineDefaultParameters"]
)
def test_engine_defaults_match_botocore(rds: _Client, family: str, operation: str) -> None:
    records = _defaults(rds, operation, family)
    assert records
    assert all("ApplyMethod" not in r for r in records.values())
    assert list(records) == sorted(records)


def test_engine_default_cluster_parameters_content(rds: _Client) -> None:
    ten = _defaults(rds, "DescribeEngineDefaultClusterParameters", "aurora-postgresql10")
    restrict = ten["rds.restrict_password_commands"]
    assert restrict["MinimumEngineVersion"] == "10.6"
    assert restrict["ApplyType"] == "static"
    assert restrict["ParameterValue"] == "0"
    assert "ssl_ciphers" not in ten
    assert ten["rds.force_ssl"]["ParameterValue"] == "0"
    assert ten["rds.force_ssl"]["Source"] == "system"
    thirteen = _defaults(rds, "DescribeEngineDefaultClusterParameters", "aurora-postgresql13")
    fourteen = _defaults(rds, "DescribeEngineDefaultClusterParameters", "aurora-postgresql14")
    assert thirteen["password_encryption"]["ParameterValue"] == "md5"
    assert fourteen["password_encryption"]["ParameterValue"] == "scram-sha-256"
    eleven = _defaults(rds, "DescribeEngineDefaultClusterParameters", "aurora-postgresql11")
    assert eleven["ssl_ciphers"]["MinimumEngineVersion"] == "11.8"
    assert eleven["ssl_ciphers"]["Source"] == "engine-default"


def test_engine_default_instance_parameters_exclude_cluster_ones(rds: _Client) -> None:
    records = _defaults(rds, "DescribeEngineDefaultParameters", "aurora-postgresql16")
    assert "rds.force_ssl" not in records
    assert "password_encryption" not in records
    assert "createrole_self_grant" in records
    assert records["max_connections"]["ApplyType"] == "static"


@pytest.mark.parametrize("family", ["postgres12", "aurora-postgresql9.6", "aurora-postgresql18"])
def test_engine_defaults_unknown_family(rds: _Client, family: str) -> None:
    with pytest.raises(AwsError) as err:
        rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily=family)
    assert err.value.code == "InvalidParameterValue"
    assert (
        err.value.message == f"ParameterGroupFamily {family} is not a valid parameter group family"
    )


def test_shape_check_rejects_unknown_keys_and_wrong_types() -> None:
    bad = {"DBEngineVersions": [{"Engine": "aurora-postgresql", "Colour": "blue", "Status": 1}]}
    problems = output_problems("rds", "DescribeDBEngineVersions", bad)
    assert len(problems) == 2
    with pytest.raises(AssertionError):
        assert_matches_output("rds", "DescribeCertificates", {"Certificates": [{"ValidTill": "x"}]})
