"""Differential tests: the emulator's conninfo against real libpq 15 (the machine's) and 18 (psycopg).

Parsing is compared on generated strings (hypothesis) and on a corpus of edge cases;
defaults and validation are compared through ``PQconnectStart`` + ``PQconninfo``, with the
environment set for real, on strings whose hosts are IP literals (nothing waits on DNS;
the connection itself is refused at once or never started).
"""

from __future__ import annotations

import os
import pwd

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_sec.client.conninfo import ConninfoError, Libpq, connect_options, parse
from aurora_sec.client.machine import ClientMachine
from tests.client.libpq_oracle import LIBPQ15, LIBPQ18, RealLibpq

REAL: dict[int, RealLibpq] = {15: LIBPQ15, 18: LIBPQ18}
#: psycopg's libpq 18.6 is built with GSSAPI but reports gssencmode=disable as its default.
MODEL: dict[int, Libpq] = {15: Libpq(15), 18: Libpq(18, gss=True, gssencmode_default="disable")}


def test_the_oracles_are_the_expected_majors() -> None:
    assert (LIBPQ15.major, LIBPQ18.major) == (15, 18)


def emulated_parse(text: bytes, major: int) -> tuple[dict[str, str] | None, str | None]:
    try:
        return parse(text, MODEL[major]).as_dict(), None
    except ConninfoError as exc:
        return None, exc.message


def real_parse(text: bytes, major: int) -> tuple[dict[str, str] | None, str | None]:
    values, error = REAL[major].parse(text)
    return values, (error.rstrip("\n") if error is not None else None)


CORPUS = [
    b"host=x sslmode=bogus",
    b"host",
    b"host='x",
    b"a=b\\",
    b"host=a\\ b",
    b"  host = 'a b\\'c'  port=5 ",
    b"x y=1",
    b"=x",
    b"a=b=c",
    b"a=b c",
    b"dbname='x\\'",
    b"",
    b"   ",
    b"requiressl=0",
    b"postgresql://x?foo=1",
    b"postgresql://%zz",
    b"postgresql://[::1",
    b"postgresql://[::1]x",
    b"postgresql://[]",
    b"postgresql://h?a",
    b"postgresql://h?a=1=2",
    b"postgresql://h?ssl=true",
    b"postgresql://h?requiressl=1",
    b"postgres://u:p@h1:1,h2/db?sslmode=require&application_name=a%20b",
    b"postgresql://u@/db",
    b"postgresql://h/db?host=other",
    b"postgresql://%00",
    b"postgresql://h/%zz",
    b"postgresql://h?%zz=1",
    b"postgresql://h?application_name=%e9",
    b"postgresql:///db",
    b"postgresql://h:5432:1/db",
    b"postgresql://h/ db ",
    b"postgresql://h?sslmode= require",
    b"postgresql://host/db@x",
    b"postgresql://h?user=a@b",
    b"postgresql://h?a=1&&b=2",
    b"postgresql://h?",
    b"postgresql://h/?",
    b"postgresql://[::1]:5432,[fe80::1%25eth0]/d",
    b"tty=x",
    b"sslnegotiation=direct",
    b"require_auth=md5",
]


@pytest.mark.parametrize("major", [15, 18])
@pytest.mark.parametrize("text", CORPUS, ids=[t.decode("latin-1") or "<empty>" for t in CORPUS])
def test_parse_corpus(text: bytes, major: int) -> None:
    assert emulated_parse(text, major) == real_parse(text, major)


_TOKENS = st.sampled_from(
    [
        "host",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "ssl",
        "requiressl",
        "foo",
        "application_name",
        "sslrootcert",
        "=",
        "'",
        "\\",
        " ",
        "\t",
        "%",
        "%2",
        "%41",
        "%zz",
        "%00",
        "%20",
        "[",
        "]",
        ":",
        "/",
        "?",
        "&",
        "@",
        ",",
        "postgresql://",
        "postgres://",
        "::1",
        "true",
        "require",
        "x",
        "é",
        "1",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(_TOKENS, max_size=14), major=st.sampled_from([15, 18]))
def test_parse_matches_real_libpq(parts: list[str], major: int) -> None:
    text = "".join(parts).encode()
    assert emulated_parse(text, major) == real_parse(text, major)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("PG"):
            monkeypatch.delenv(name)
    return monkeypatch


def _this_machine(env: dict[str, str]) -> ClientMachine:
    entry = pwd.getpwuid(os.geteuid())
    return ClientMachine(env=env, os_user=entry.pw_name, home=entry.pw_dir)


START_CASES: list[tuple[bytes, dict[str, str]]] = [
    (b"host=127.0.0.1 port=1", {}),
    (b"host=127.0.0.1 port=1", {"PGSSLMODE": "verify-full", "PGUSER": "bob", "PGDATABASE": "d"}),
    (b"host=127.0.0.1 port=1", {"PGSSLMODE": "bogus"}),
    (b"host=127.0.0.1 port=1 sslmode=bogus", {}),
    (b"host=127.0.0.1 port=1", {"PGREQUIRESSL": "1"}),
    (b"host=127.0.0.1 port=1", {"PGREQUIRESSL": "1", "PGSSLMODE": "disable"}),
    (b"host=127.0.0.1 port=1 sslrootcert=system", {}),
    (b"host=127.0.0.1 port=1 sslrootcert=system sslmode=require", {}),
    (b"host=127.0.0.1 port=1", {"PGSSLROOTCERT": "system", "PGSSLMODE": "verify-ca"}),
    (b"host=127.0.0.1 port=1 ssl_min_protocol_version=TLSv1.4", {}),
    (b"host=127.0.0.1 port=1", {"PGSSLMAXPROTOCOLVERSION": "tlsv1.1"}),
    (b"host=127.0.0.1 port=1 ssl_max_protocol_version=TLSv1", {}),
    (b"host=127.0.0.1 port=1 channel_binding=x", {}),
    (b"host=127.0.0.1 port=1 gssencmode=x", {}),
    (b"host=127.0.0.1 port=1 target_session_attrs=primary", {}),
    (b"host=127.0.0.1 port=1 target_session_attrs=x", {}),
    (b"host=127.0.0.1 port=1 sslcertmode=x", {}),
    (b"host=127.0.0.1 port=1 require_auth=x", {}),
    (b"host=127.0.0.1 port=1 require_auth=md5,!password", {}),
    (b"host=127.0.0.1 port=1 require_auth=!md5,password", {}),
    (b"host=127.0.0.1 port=1 require_auth=md5,md5", {}),
    (b"host=127.0.0.1 port=1 load_balance_hosts=x", {}),
    (b"host=127.0.0.1 port=1 sslnegotiation=direct", {}),
    (b"host=127.0.0.1 port=1 sslnegotiation=x", {}),
    (b"host=127.0.0.1 port=1 sslnegotiation=direct sslmode=require", {}),
    (b"host=a,b port=1,2,3", {}),
    (b"hostaddr=127.0.0.1,127.0.0.1 host=a", {}),
    (b"hostaddr=127.0.0.1 port=1", {"PGHOST": "x,y"}),
    (
        b"hostaddr=127.0.0.1 port=1",
        {
            "PGAPPNAME": "app",
            "PGCONNECT_TIMEOUT": "3",
            "PGSSLNEGOTIATION": "direct",
            "PGSSLMODE": "require",
        },
    ),
    (b"postgresql://127.0.0.1:1/db?sslmode=verify-ca", {"PGSSLROOTCERT": "/x"}),
    (b"hostaddr=127.0.0.1 port=1 service=foo", {}),
    (
        b"hostaddr=127.0.0.1 port=1",
        {"PGSERVICE": "foo", "PGSERVICEFILE": "/nonexistent/pg_service.conf"},
    ),
    (b"hostaddr=127.0.0.1 port=1 min_protocol_version=3.1", {}),
]


@pytest.mark.parametrize("major", [15, 18])
@pytest.mark.parametrize(("text", "env"), START_CASES)
def test_defaults_and_validation_match_real_libpq(
    text: bytes, env: dict[str, str], major: int, clean_env: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    real_values, real_error = REAL[major].start(text)
    try:
        options = connect_options(text, _this_machine(env), MODEL[major])
    except ConninfoError as exc:
        assert real_error.rstrip("\n") == exc.message
        return
    # A valid string gets as far as connecting (and is refused): compare the options.
    assert real_error == "" or real_error.startswith("connection to server at ")
    emulated = {k: v for k, v in options.values.items() if v is not None}
    assert emulated == real_values


@pytest.mark.parametrize("major", [15, 18])
def test_service_and_password_files_match_real_libpq(
    major: int, clean_env: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    service_file = os.path.join(str(tmp_path), "pg_service.conf")
    service = b"[prod]\nhostaddr=127.0.0.1\nport=1\nsslmode=verify-ca\napplication_name=svc\n"
    pgpass = os.path.join(str(tmp_path), "pgpass")
    with open(service_file, "wb") as f:
        f.write(service)
    with open(pgpass, "wb") as f:
        f.write(b"127.0.0.1:1:*:app:pw\\:1\n")
    os.chmod(pgpass, 0o600)
    env = {"PGSERVICEFILE": service_file, "PGPASSFILE": pgpass}
    for name, value in env.items():
        clean_env.setenv(name, value)
    machine = _this_machine(env).with_files({service_file: service})
    text = b"service=prod user=app sslmode=require"
    real_values, _ = REAL[major].start(text)
    options = connect_options(text, machine, MODEL[major])
    assert {k: v for k, v in options.values.items() if v is not None} == real_values
    # The syntax error texts, with the real file name.
    with open(service_file, "wb") as f:
        f.write(b"[prod]\nnot a setting\n")
    _, real_error = REAL[major].start(text)
    with pytest.raises(ConninfoError) as info:
        connect_options(
            text, machine.with_files({service_file: b"[prod]\nnot a setting\n"}), MODEL[major]
        )
    assert info.value.message == real_error.rstrip("\n")
