"""pgjdbc URLs and SSL settings, replayed against what real pgjdbc recorded (record_pgjdbc.py)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from aurora_sec.client.jdbc_url import (
    Pgjdbc,
    PgjdbcError,
    parse_jdbc_url,
    pgjdbc_version_key,
    ssl_settings,
)
from aurora_sec.client.machine import ClientMachine
from aurora_sec.versions import behaviour

RECORDED = json.loads((pathlib.Path(__file__).with_name("data") / "pgjdbc_urls.json").read_text())
DRIVER = Pgjdbc(RECORDED["pgjdbc"])


@pytest.mark.parametrize("case", RECORDED["cases"], ids=[c["url"] for c in RECORDED["cases"]])
def test_matches_recorded_pgjdbc(case: dict[str, Any]) -> None:
    info = {"user": "ec2-user", **case["info"]}
    if case["props"] is None:
        with pytest.raises(PgjdbcError) as err:
            parse_jdbc_url(case["url"], info, driver=DRIVER)
        assert [err.value.sqlstate, err.value.message] == case["connect_error"]
        return
    parsed = parse_jdbc_url(case["url"], info, driver=DRIVER)
    assert dict(parsed.properties) == case["props"]
    if "sslmode" in case:
        assert ssl_settings(parsed).mode == case["sslmode"]
    else:
        with pytest.raises(PgjdbcError) as err:
            ssl_settings(parsed)
        assert [err.value.sqlstate, err.value.message] == case["sslmode_error"]


def test_the_recording_covers_both_outcomes() -> None:
    outcomes = {("props" if c["props"] is not None else "error") for c in RECORDED["cases"]}
    assert outcomes == {"props", "error"}
    assert len(RECORDED["cases"]) >= 40


def test_hosts_and_secrets() -> None:
    parsed = parse_jdbc_url("jdbc:postgresql://h1:5433,[::1],h3:1/db?password=hunter2")
    assert [(h.host, h.port) for h in parsed.hosts] == [("h1", 5433), ("[::1]", 5432), ("h3", 1)]
    assert "hunter2" not in repr(parsed)
    assert parsed.password is not None and parsed.password.reveal() == "hunter2"
    assert parsed.user == "ec2-user"
    assert parsed.dbname == "db"


class TestSslSettings:
    def settings(self, url: str, version: str = "42.7.5", **info: str) -> tuple[str, str, bool]:
        parsed = parse_jdbc_url(url, info, driver=Pgjdbc(version))
        s = ssl_settings(parsed, ClientMachine())
        return s.mode, s.trust, s.verify_host

    def test_default_is_prefer_without_verification(self) -> None:
        assert self.settings("jdbc:postgresql://h/db") == ("prefer", "none", False)

    def test_ssl_true_means_verify_full(self) -> None:
        assert self.settings("jdbc:postgresql://h/db?ssl=true") == ("verify-full", "rootcert", True)
        assert self.settings("jdbc:postgresql://h/db?ssl") == ("verify-full", "rootcert", True)
        assert self.settings("jdbc:postgresql://h/db?ssl=false") == ("prefer", "none", False)

    def test_require_never_verifies(self) -> None:
        assert self.settings("jdbc:postgresql://h/db?sslmode=require") == ("require", "none", False)

    def test_verify_ca_uses_the_root_file(self) -> None:
        parsed = parse_jdbc_url("jdbc:postgresql://h/db?sslmode=verify-ca")
        s = ssl_settings(parsed, ClientMachine(home="/home/u"))
        assert (s.mode, s.trust, s.verify_host) == ("verify-ca", "rootcert", False)
        assert s.rootcert == "/home/u/.postgresql/root.crt"

    def test_factories(self) -> None:
        nonvalidating = "org.postgresql.ssl.NonValidatingFactory"
        assert self.settings(
            f"jdbc:postgresql://h/db?sslmode=verify-full&sslfactory={nonvalidating}"
        ) == (
            "verify-full",
            "none",
            True,
        )
        java = "org.postgresql.ssl.DefaultJavaSSLFactory"
        assert (
            self.settings(f"jdbc:postgresql://h/db?sslfactory={java}&sslmode=verify-ca")[1] == "jvm"
        )
        with pytest.raises(PgjdbcError) as err:
            self.settings("jdbc:postgresql://h/db?sslfactory=com.example.Nope&sslmode=require")
        assert (
            err.value.message
            == "The SSLSocketFactory class provided com.example.Nope could not be instantiated."
        )
        assert err.value.sqlstate == "08006"

    def test_legacy_before_42_2_5(self) -> None:
        assert self.settings("jdbc:postgresql://h/db", "42.2.4") == ("disable", "none", False)
        assert self.settings("jdbc:postgresql://h/db?ssl=true", "42.2.4") == (
            "require",
            "jvm",
            False,
        )
        assert self.settings("jdbc:postgresql://h/db?sslmode=verify-full", "42.2.4") == (
            "verify-full",
            "rootcert",
            True,
        )
        with pytest.raises(PgjdbcError, match="Invalid sslmode value: prefer"):
            self.settings("jdbc:postgresql://h/db?sslmode=prefer", "42.2.4")
        assert self.settings("jdbc:postgresql://h/db?ssl=true", "42.2.5") == (
            "verify-full",
            "rootcert",
            True,
        )

    def test_ssl_negotiation_direct_from_42_7_4(self) -> None:
        url = "jdbc:postgresql://h/db?sslmode=require&sslNegotiation=direct"
        assert ssl_settings(parse_jdbc_url(url, driver=Pgjdbc("42.7.4"))).negotiation == "direct"
        assert ssl_settings(parse_jdbc_url(url, driver=Pgjdbc("42.7.3"))).negotiation == "postgres"


def test_unparsable_url_text_per_version() -> None:
    url = "jdbc:postgresql://h/a/b"
    with pytest.raises(PgjdbcError) as new:
        parse_jdbc_url(url, driver=Pgjdbc("42.3.4"))
    assert (new.value.message, new.value.sqlstate) == (f"Unable to parse URL {url}", "99999")
    with pytest.raises(PgjdbcError) as old:
        parse_jdbc_url(url, driver=Pgjdbc("42.3.3"))
    assert (old.value.message, old.value.sqlstate) == (
        f"No suitable driver found for {url}",
        "08001",
    )
    assert old.value.java_text().startswith("java.sql.SQLException: ")


def test_version_keys() -> None:
    assert pgjdbc_version_key("42.2.5") == 42_002_005
    assert pgjdbc_version_key("42.7") == 42_007_000
    assert behaviour("pgjdbc.sslmode_model", pgjdbc_version_key("42.2.4")) == "legacy"
    with pytest.raises(ValueError, match="not a pgjdbc version"):
        Pgjdbc("forty-two")
