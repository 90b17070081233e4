"""The parameter catalogue: levels, defaults per major, version gates, AllowedValues."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_sec.catalog import engine_versions as ev
from aurora_sec.catalog import parameters as p
from tests.shape_check import assert_matches_output, output_problems


def spec(name: str, family: str = "aurora-postgresql15", level: str = "cluster") -> p.ParameterSpec:
    found = p.lookup(name, family, level)
    assert found is not None, name
    return found


# -- levels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "rds.force_ssl",
        "ssl",
        "ssl_ciphers",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "password_encryption",
        "rds.accepted_password_auth_method",
        "rds.restrict_password_commands",
        "krb_caseins_users",
    ],
)
def test_cluster_only_parameters_are_not_in_db_parameter_groups(name: str) -> None:
    assert p.lookup(name, "aurora-postgresql15", "cluster") is not None
    assert p.lookup(name, "aurora-postgresql15", "instance") is None


@pytest.mark.parametrize(
    "name",
    [
        "authentication_timeout",
        "max_connections",
        "shared_preload_libraries",
        "ssl_ca_file",
        "rds.rds_superuser_reserved_connections",
        "log_connections",
    ],
)
def test_instance_parameters_are_in_both_groups(name: str) -> None:
    assert spec(name, level="instance") is spec(name, level="cluster")
    assert spec(name).level == "instance"


@pytest.mark.parametrize("family", ev.FAMILIES)
def test_cluster_group_lists_a_superset_sorted_by_name(family: str) -> None:
    cluster = p.for_family(family, "cluster")
    instance = p.for_family(family, "instance")
    assert set(instance) < set(cluster)
    assert [s.name for s in cluster] == sorted(s.name for s in cluster)
    assert [s.name for s in instance] == sorted(s.name for s in instance)
    assert all(s.level == "instance" for s in instance)


def test_unknown_family_and_level() -> None:
    assert p.for_family("postgres15", "cluster") == ()
    assert p.lookup("ssl", "aurora-postgresql99", "cluster") is None
    assert p.lookup("no_such_parameter", "aurora-postgresql15", "cluster") is None
    with pytest.raises(ValueError, match="level"):
        p.lookup("ssl", "aurora-postgresql15", "db")
    with pytest.raises(ValueError, match="level"):
        p.for_family("aurora-postgresql15", "parameter-group")


def test_unknown_parameter_message() -> None:
    assert p.unknown_parameter_message("bogus") == "Could not find parameter with name: bogus"


# -- version gates ---------------------------------------------------------------------------


def test_restrict_password_commands_is_a_static_boolean_gated_at_10_6() -> None:
    s = spec("rds.restrict_password_commands", "aurora-postgresql10")
    assert s.minimum_engine_version == "10.6"
    assert s.apply_type == "static"
    assert s.default_apply_method == "pending-reboot"
    assert (s.data_type, s.allowed_values) == ("boolean", "0,1")
    assert s.description == "restricts password-related commands to members of rds_password"
    assert s.default(10) == "0"
    assert s.source == "system"
    # both sides of the gate exist as engine versions
    assert ev.lookup("10.5") is not None
    assert ev.lookup("10.6") is not None


@pytest.mark.parametrize(
    ("name", "first_major"),
    [
        ("createrole_self_grant", 16),
        ("ssl_min_protocol_version", 12),
        ("ssl_max_protocol_version", 12),
        ("ssl_crl_dir", 14),
        ("ssl_ciphers", 11),
    ],
)
def test_parameters_exist_from_their_first_major(name: str, first_major: int) -> None:
    level = "instance" if name in ("createrole_self_grant", "ssl_crl_dir") else "cluster"
    assert p.lookup(name, f"aurora-postgresql{first_major}", level) is not None
    assert p.lookup(name, f"aurora-postgresql{first_major - 1}", level) is None


def test_ssl_ciphers_as_in_the_documented_output() -> None:
    s = spec("ssl_ciphers", "aurora-postgresql11")
    assert s.minimum_engine_version == "11.8"
    assert (s.apply_type, s.data_type, s.source) == ("dynamic", "list", "engine-default")
    assert s.default(11) is None
    assert s.allowed_values is not None
    assert "ECDHE-RSA-AES256-GCM-SHA384" in s.allowed_values.split(",")


# -- defaults ---------------------------------------------------------------------------------


def test_password_encryption_default_flips_at_14() -> None:
    s = spec("password_encryption")
    assert [s.default(m) for m in range(10, 18)] == ["md5"] * 4 + ["scram-sha-256"] * 4
    assert s.apply_type == "dynamic"
    assert s.allowed_values == "md5,scram-sha-256"


@pytest.mark.parametrize(
    ("name", "value", "source"),
    [
        ("rds.force_ssl", "0", "system"),
        ("ssl", "1", "system"),
        ("ssl_min_protocol_version", "TLSv1.2", "system"),
        ("ssl_max_protocol_version", None, "engine-default"),
        ("rds.accepted_password_auth_method", "md5+scram", "system"),
        ("rds.rds_superuser_reserved_connections", "2", "system"),
        ("rds.superuser_variables", "session_replication_role", "system"),
        ("rds.log_retention_period", "4320", "system"),
        ("authentication_timeout", None, "engine-default"),
        ("krb_caseins_users", None, "engine-default"),
        ("ssl_cert_file", "/rdsdbdata/rds-metadata/server-cert.pem", "system"),
    ],
)
def test_default_group_values(name: str, value: str | None, source: str) -> None:
    s = spec(name)
    assert s.default(15) == value
    assert s.source == source


def test_descriptions_are_aws_texts() -> None:
    assert spec("rds.force_ssl").description == "Force SSL connections."
    assert spec("ssl").description == "Enables SSL connections."
    assert (
        spec("rds.accepted_password_auth_method").description
        == "Force authentication for connections with password stored locally."
    )


def test_server_file_paths_are_not_modifiable() -> None:
    for name in ("ssl_ca_file", "ssl_cert_file", "ssl_key_file"):
        assert not spec(name).is_modifiable
    assert spec("rds.force_ssl").is_modifiable


# -- validate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("rds.force_ssl", ["0", "1"], ["2", "on", "true", "", " 1"]),
        ("authentication_timeout", ["1", "60", "600"], ["0", "601", "-1", "abc", "60s", ""]),
        ("password_encryption", ["md5", "scram-sha-256"], ["on", "MD5", "scram", ""]),
        ("rds.accepted_password_auth_method", ["md5+scram", "scram"], ["md5", "scram-sha-256"]),
        ("ssl_min_protocol_version", ["TLSv1", "TLSv1.3"], ["TLSv1.4", "tlsv1.2", "SSLv3"]),
        ("log_statement", ["none", "ddl", "mod", "all"], ["some"]),
        (
            "ssl_ciphers",
            ["ECDHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-SHA,ECDHE-RSA-AES128-SHA"],
            ["RC4-MD5", "ECDHE-RSA-AES256-GCM-SHA384,NULL-SHA", ""],
        ),
        (
            "max_connections",
            [
                "6",
                "5000",
                "LEAST({DBInstanceClassMemory/9531392},5000)",
                "{DBInstanceClassMemory/1}",
            ],
            ["5", "8388608", "lots"],
        ),
        ("rds.log_retention_period", ["1440", "10080"], ["1439", "10081"]),
        ("shared_preload_libraries", ["pg_stat_statements,pg_cron"], ["evil_lib"]),
    ],
)
def test_validate(name: str, good: list[str], bad: list[str]) -> None:
    s = spec(name, level="cluster")
    for value in good:
        assert s.validate(value) is None, value
    for value in bad:
        assert s.validate(value) is not None, value


def test_validate_message() -> None:
    assert spec("rds.force_ssl").validate("2") == (
        "Invalid parameter value: 2 for: rds.force_ssl allowed values are: 0,1"
    )


def test_free_text_parameters_accept_anything() -> None:
    assert spec("ssl_ca_file").validate("/anything") is None


_EVERY_SPEC_AND_MAJOR = [(s, m) for s in p.PARAMETERS for m in range(10, 18) if s.exists_in(m)]


@given(st.sampled_from(_EVERY_SPEC_AND_MAJOR))
def test_every_default_passes_its_own_validation(case: tuple[p.ParameterSpec, int]) -> None:
    s, major = case
    default = s.default(major)
    if default is not None:
        assert s.validate(default) is None


@given(st.sampled_from(p.PARAMETERS), st.text(max_size=12))
def test_validate_returns_none_or_the_message(s: p.ParameterSpec, value: str) -> None:
    message = s.validate(value)
    assert message is None or message.startswith(f"Invalid parameter value: {value} for: {s.name}")


# -- describe ---------------------------------------------------------------------------------


def test_describe_omits_absent_fields() -> None:
    record = p.describe(spec("ssl_max_protocol_version"), None, "engine-default")
    assert "ParameterValue" not in record
    assert "MinimumEngineVersion" not in record
    assert record["ApplyMethod"] == "immediate"
    assert record["SupportedEngineModes"] == ["provisioned"]
    free = p.describe(spec("ssl_ca_file"), "/x", "system")
    assert "AllowedValues" not in free
    assert free["IsModifiable"] is False


def test_describe_apply_method() -> None:
    s = spec("rds.restrict_password_commands")
    assert p.describe(s, "1", "user")["ApplyMethod"] == "pending-reboot"
    assert p.describe(spec("ssl"), "1", "user", "pending-reboot")["ApplyMethod"] == "pending-reboot"
    assert "ApplyMethod" not in p.describe(s, None, "engine-default", include_apply_method=False)
    assert p.describe(s, "1", "user")["MinimumEngineVersion"] == "10.6"


@pytest.mark.parametrize("family", ev.FAMILIES)
def test_describe_matches_botocore_parameter_shape(family: str) -> None:
    major = ev.family_major(family)
    assert major is not None
    params = [p.describe(s, s.default(major), s.source) for s in p.for_family(family, "cluster")]
    assert_matches_output("rds", "DescribeDBClusterParameters", {"Parameters": params})


def test_shape_check_catches_a_wrong_record() -> None:
    record = p.describe(spec("ssl"), "1", "system")
    record["IsModifiable"] = "true"
    record["Bogus"] = 1
    problems = output_problems("rds", "DescribeDBClusterParameters", {"Parameters": [record]})
    assert len(problems) == 2
