"""Fuzz the client plane: any connection string to libpq's and pgjdbc's ``connect``.

A string the driver cannot parse, a host it cannot resolve or reach, a TLS or authentication
failure: every refusal is a :class:`ConnectionFailed` with the driver's text. Connecting
changes nothing in the account, whether it succeeds or not.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import aurora_sec
from aurora_sec.errors import ConnectionFailed
from tests.fuzz.strategies import (
    CONNINFO_KEYS,
    CONNINFO_VALUES,
    connection_texts,
    fuzz_settings,
    wide_text,
)
from tests.fuzz.world import CLIENT_IP, world

_W = world()
HOSTS = [
    _W.names["cluster_endpoint"],
    _W.names["reader_endpoint"],
    _W.names["instance_endpoint"],
]
DSN = connection_texts(HOSTS)
ENV = st.dictionaries(
    st.sampled_from(["PGSSLMODE", "PGHOST", "PGUSER", "PGPASSWORD", "PGSSLROOTCERT", "PGPORT"]),
    st.one_of(st.sampled_from(CONNINFO_VALUES + HOSTS), wide_text(max_size=8)),
    max_size=3,
)
PROPERTIES = st.dictionaries(
    st.sampled_from(CONNINFO_KEYS),
    st.one_of(st.sampled_from(CONNINFO_VALUES + HOSTS), wide_text(max_size=8)),
    max_size=3,
)


def _client(driver: str, version: int | str | None, env: dict[str, str]) -> aurora_sec.Client:
    acct = world().fresh()
    files: dict[str, bytes | str] = {
        "global-bundle.pem": acct.ca_bundle_pem(),
        "empty.pem": "",
        "junk.pem": "junk",
    }
    if driver == "libpq":
        return aurora_sec.Client(
            acct, ip=CLIENT_IP, driver="libpq", driver_version=version, env=env, files=files
        )
    return aurora_sec.Client(
        acct, ip=CLIENT_IP, driver="pgjdbc", driver_version=version, env=env, files=files
    )


def _connect(client: aurora_sec.Client, dsn: str, properties: dict[str, str]) -> None:
    acct = world().acct
    before = acct.snapshot()
    try:
        connection = client.connect(dsn, **properties)
    except ConnectionFailed as err:
        assert isinstance(err.message, str)
    else:
        assert connection.session is not None
    assert acct.snapshot() == before, dsn


@fuzz_settings(150)
@given(dsn=DSN, version=st.sampled_from([None, 12, 14, 16, 17]), env=ENV)
def test_libpq_connect_fails_only_with_connection_failed(
    dsn: str, version: int | None, env: dict[str, str]
) -> None:
    _connect(_client("libpq", version, env), dsn, {})


@fuzz_settings(150)
@given(
    dsn=DSN,
    version=st.sampled_from([None, "42.2.5", "42.6.0", "42.7.4"]),
    env=ENV,
    properties=PROPERTIES,
)
def test_pgjdbc_connect_fails_only_with_connection_failed(
    dsn: str, version: str | None, env: dict[str, str], properties: dict[str, str]
) -> None:
    _connect(_client("pgjdbc", version, env), dsn, properties)
