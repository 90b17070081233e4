"""ssl_ciphers end to end in the emulator: the parameter group, the suite, and what each driver
reports. The suites and texts expected here are the ones real PostgreSQL 15 picked and real
libpq 15/18 and pgjdbc 42.7.13 printed (tests/client_oracle/test_ciphers.py, and by hand for
pgjdbc: aurora_sec/client/negotiation.py ``PGJDBC_HANDSHAKE_FAILURE``).
"""

from __future__ import annotations

import pytest

import aurora_sec as aurora
from aurora_sec.aws.account import Account
from aurora_sec.engine.config import EngineConfig
from aurora_sec.engine.server import TLS12_SUITES, choose_cipher, server_ciphers
from aurora_sec.versions import EngineVersion
from tests.client.test_end_to_end import PASSWORD, world

RSA_ONLY = "ECDHE-RSA-AES128-SHA,ECDHE-RSA-AES256-GCM-SHA384"


def _set(acct: Account, **values: str) -> None:
    acct.client("rds").modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {"ParameterName": name, "ParameterValue": value, "ApplyMethod": "immediate"}
            for name, value in values.items()
        ],
    )


def _use_ecc(acct: Account) -> None:
    acct.client("rds").modify_db_instance(
        DBInstanceIdentifier="prod-1",
        CACertificateIdentifier="rds-ca-ecc384-g1",
        ApplyImmediately=True,
    )


def _dsn(host: str, sslmode: str = "require") -> str:
    return f"host={host} user=postgres password={PASSWORD} dbname=postgres sslmode={sslmode}"


def test_the_server_order_wins_and_every_report_agrees() -> None:
    acct, hosts = world()
    _set(acct, ssl_max_protocol_version="TLSv1.2", ssl_ciphers=RSA_ONLY)
    client = aurora.Client(acct, ip="203.0.113.10", driver_version=14)
    with client.connect(_dsn(hosts["cluster"])) as conn:
        assert (conn.ssl.version, conn.ssl.cipher, conn.ssl.bits) == (
            "TLSv1.2",
            "ECDHE-RSA-AES128-SHA",
            128,
        )
        assert conn.trace[-1].cipher == "ECDHE-RSA-AES128-SHA"
        conn.execute("CREATE EXTENSION sslinfo")
        assert conn.execute("SELECT ssl_cipher()").value == "ECDHE-RSA-AES128-SHA"
        assert conn.execute("SHOW ssl_ciphers").value == RSA_ONLY
        assert (
            "SSL connection (protocol: TLSv1.2, cipher: ECDHE-RSA-AES128-SHA, bits: 128,"
            " compression: off)" in conn.banner("14.9").splitlines()
        )


def test_tls13_ignores_ssl_ciphers() -> None:
    acct, hosts = world()
    _set(acct, ssl_ciphers="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
    conn = aurora.Client(acct, ip="203.0.113.10").connect(_dsn(hosts["cluster"]))
    assert (conn.ssl.version, conn.ssl.cipher, conn.ssl.bits) == (
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
        256,
    )


def test_ecdsa_certificate_with_the_default_list() -> None:
    acct, hosts = world()
    _use_ecc(acct)
    _set(acct, ssl_max_protocol_version="TLSv1.2")
    conn = aurora.Client(acct, ip="203.0.113.10").connect(_dsn(hosts["cluster"]))
    assert conn.ssl.cipher == "ECDHE-ECDSA-AES256-GCM-SHA384"


@pytest.mark.parametrize(
    ("major", "line"),
    [
        (15, "SSL error: sslv3 alert handshake failure"),
        (18, "SSL error: ssl/tls alert handshake failure"),
    ],
)
def test_no_shared_cipher_libpq(major: int, line: str) -> None:
    acct, hosts = world()
    _use_ecc(acct)
    _set(acct, ssl_max_protocol_version="TLSv1.2", ssl_ciphers=RSA_ONLY)
    client = aurora.Client(acct, ip="203.0.113.10", driver_version=major)
    failed = client.attempt(_dsn(hosts["cluster"]))
    assert not failed.ok
    assert failed.message is not None and failed.message.endswith(line)
    assert failed.attempts[0].events[-1] == "tls-failed"
    # prefer falls back to plaintext, as real libpq does
    fallback = client.attempt(_dsn(hosts["cluster"], "prefer"))
    assert fallback.ok and not fallback.encrypted and fallback.cipher is None


def test_no_shared_cipher_pgjdbc() -> None:
    acct, hosts = world()
    _use_ecc(acct)
    _set(acct, ssl_max_protocol_version="TLSv1.2", ssl_ciphers=RSA_ONLY)
    client = aurora.Client(acct, ip="203.0.113.10", driver="pgjdbc")
    for mode in ("require", "prefer"):
        failed = client.attempt(
            f"jdbc:postgresql://{hosts['cluster']}/postgres?user=postgres"
            f"&password={PASSWORD}&sslmode={mode}"
        )
        assert (failed.ok, failed.sqlstate, failed.message) == (
            False,
            "08006",
            "SSL error: Received fatal alert: handshake_failure",
        )


def _config(**gucs: str) -> EngineConfig:
    return EngineConfig(EngineVersion.parse("15.4"), gucs)


def test_server_list_parsing() -> None:
    assert server_ciphers(_config()) == tuple(TLS12_SUITES)
    assert server_ciphers(_config(ssl_ciphers="")) == tuple(TLS12_SUITES)
    assert server_ciphers(
        _config(
            ssl_ciphers="TLS_RSA_WITH_AES_128_CBC_SHA, AES128-SHA,NOT-A-SUITE,DHE-RSA-AES128-SHA"
        )
    ) == ("AES128-SHA", "DHE-RSA-AES128-SHA")


def test_tls11_takes_only_suites_older_protocols_run() -> None:
    offered = TLS12_SUITES.keys()
    ciphers = ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-SHA")
    assert choose_cipher("TLSv1.2", ciphers, "rds-ca-rsa2048-g1", offered) == ciphers[0]
    assert choose_cipher("TLSv1.1", ciphers, "rds-ca-rsa2048-g1", offered) == ciphers[1]
    assert choose_cipher("TLSv1.1", ciphers[:1], "rds-ca-rsa2048-g1", offered) is None
