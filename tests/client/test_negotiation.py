"""The negotiation tables and the behaviour they encode, per driver and version.

A ``Server`` here is test data: a fake endpoint with fixed answers (the engine will provide
the real ones).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Sequence

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.client.certificates import RdsPki, SeededSerials, TlsIdentity
from aurora_sec.client.conninfo import Libpq, connect_options
from aurora_sec.client.jdbc_url import Pgjdbc, parse_jdbc_url
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.negotiation import (
    LIBPQ_METHOD_ORDER,
    LIBPQ_TRANSITIONS,
    PGJDBC_TRANSITIONS,
    Accepted,
    Fatal,
    Outcome,
    PasswordRequired,
    ServerEndpoint,
    Startup,
    Unreachable,
    negotiate_libpq,
    negotiate_pgjdbc,
    tls_version_between,
)
from aurora_sec.engine.server import TLS12_SUITES, choose_cipher
from aurora_sec.errors import ConnectionFailed

UTC = dt.UTC
NOW = dt.datetime(2025, 6, 1, tzinfo=UTC)
CLUSTER = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"
READER = "prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com"
INSTANCE = "prod-1.abcdefghijkl.us-east-1.rds.amazonaws.com"
FORCE_SSL_FATAL = (
    'no pg_hba.conf entry for host "10.0.1.5", user "postgres", database "postgres", no encryption'
)
PASSWORD_FATAL = 'password authentication failed for user "postgres"'


@pytest.fixture(scope="module")
def pki() -> RdsPki:
    return RdsPki(SeededSerials(3))


@pytest.fixture(scope="module")
def identity(pki: RdsPki) -> TlsIdentity:
    return pki.issue_server_identity(
        "rds-ca-rsa2048-g1",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=NOW - dt.timedelta(days=10),
    )


@attrs.define
class Server:
    """A fake endpoint: SSL on/off, and a verdict per (encrypted) startup."""

    tls: TlsIdentity | None
    plain: Accepted | Fatal | PasswordRequired = attrs.Factory(Accepted)
    ssl: Accepted | Fatal | PasswordRequired = attrs.Factory(Accepted)
    accepts_direct_ssl: bool = False
    seen: list[Startup] = attrs.Factory(list)

    @property
    def accepts_ssl(self) -> bool:
        return self.tls is not None

    def tls_cipher(self, tls_version: str, offered: Collection[str]) -> str | None:
        """As a server with PostgreSQL's default ssl_ciphers picks."""
        ca = self.tls.ca_identifier if self.tls is not None else None
        return choose_cipher(tls_version, tuple(TLS12_SUITES), ca, offered)

    def decide(self, startup: Startup) -> Accepted | Fatal | PasswordRequired:
        self.seen.append(startup)
        return self.ssl if startup.encrypted else self.plain


@attrs.define
class Net:
    servers: dict[tuple[str, int], ServerEndpoint | Unreachable]
    names: dict[str, list[str]] = attrs.Factory(dict)

    def resolve(self, host: str) -> Sequence[str]:
        return self.names.get(host, ["10.0.0.9"] if host.endswith(".rds.amazonaws.com") else [])

    def connect(self, address: str, port: int) -> ServerEndpoint | Unreachable:
        return self.servers.get((address, port), Unreachable("refused"))


def machine(pki: RdsPki) -> ClientMachine:
    return ClientMachine(files={"rds.pem": pki.ca_bundle_pem("us-east-1")})


def libpq(
    text: str, server: ServerEndpoint, pki: RdsPki, major: int = 17, **net: object
) -> Outcome:
    m = machine(pki)
    options = connect_options(text, m, Libpq(major))
    network = Net({("10.0.0.9", 5432): server}, **net)  # type: ignore[arg-type]
    return negotiate_libpq(options, network, machine=m, now=NOW)


PREFIX = f'connection to server at "{CLUSTER}" (10.0.0.9), port 5432 failed: '


class TestTables:
    def test_libpq_table_is_total(self) -> None:
        events = ("ssl-refused", "tls-failed", "fatal", "cannot-connect-now", "client-auth-failed")
        from aurora_sec.client.negotiation import _libpq_action

        ssl_only = {"ssl-refused", "tls-failed"}
        for family, sslmode, event in itertools.product(
            ("flags", "methods"), LIBPQ_METHOD_ORDER, events
        ):
            for method in LIBPQ_METHOD_ORDER[sslmode]:
                if event in ssl_only and method != "ssl":
                    continue
                assert _libpq_action(family, sslmode, method, event)  # type: ignore[arg-type]

    def test_tables_are_enumerable_data(self) -> None:
        assert LIBPQ_METHOD_ORDER["allow"] == ("plain", "ssl")
        assert LIBPQ_METHOD_ORDER["prefer"] == ("ssl", "plain")
        assert LIBPQ_TRANSITIONS[("*", "prefer", "ssl", "tls-failed")] == "retry-plaintext"
        assert LIBPQ_TRANSITIONS[("methods", "allow", "ssl", "ssl-refused")] == "fail-ssl-required"
        assert PGJDBC_TRANSITIONS[("prefer", "ssl", "fatal", "28000")] == "retry-plaintext"
        assert ("prefer", "ssl", "fatal", "28P01") not in PGJDBC_TRANSITIONS

    def test_tls_versions(self) -> None:
        assert tls_version_between("TLSv1.2", None, ("TLSv1.2", "TLSv1.3")) == "TLSv1.3"
        assert tls_version_between("tlsv1.2", "TLSv1.2", ("TLSv1.2", "TLSv1.3")) == "TLSv1.2"
        assert tls_version_between("TLSv1.3", None, ("TLSv1.1", "TLSv1.2")) is None


class TestLibpq:
    def test_seed_story_disable_against_force_ssl(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity, plain=Fatal("28000", FORCE_SSL_FATAL))
        outcome = libpq(
            f"host={CLUSTER} sslmode=disable user=postgres dbname=postgres", server, pki
        )
        assert not outcome.ok
        assert outcome.message == PREFIX + "FATAL:  " + FORCE_SSL_FATAL
        assert outcome.psql_text() == "psql: error: " + PREFIX + "FATAL:  " + FORCE_SSL_FATAL
        assert outcome.sqlstate == "28000"
        with pytest.raises(ConnectionFailed):
            outcome.raise_for_failure()

    def test_verify_full_with_the_bundle(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity, plain=Fatal("28000", FORCE_SSL_FATAL))
        for host in (CLUSTER, READER, INSTANCE):
            outcome = libpq(
                f"host={host} sslmode=verify-full sslrootcert=rds.pem user=postgres", server, pki
            )
            assert outcome.ok and outcome.encrypted and outcome.tls_version == "TLSv1.3"
            assert outcome.certificate is not None and outcome.certificate.verified
        assert server.seen[-1].tls_version == "TLSv1.3"

    def test_prefer_falls_back_after_a_failed_certificate_check(
        self, pki: RdsPki, identity: TlsIdentity
    ) -> None:
        wrong = pki.ca_bundle_pem("eu-west-1")
        m = ClientMachine(files={"~/.postgresql/root.crt": wrong})
        options = connect_options(f"host={CLUSTER} user=postgres", m, Libpq(15))
        outcome = negotiate_libpq(
            options, Net({("10.0.0.9", 5432): Server(identity)}), machine=m, now=NOW
        )
        assert outcome.ok and not outcome.encrypted
        assert [a.method for a in outcome.attempts] == ["ssl", "plain"]
        assert "tls-failed" in outcome.attempts[0].events

    def test_prefer_and_allow_try_a_bad_password_twice(
        self, pki: RdsPki, identity: TlsIdentity
    ) -> None:
        bad = Fatal("28P01", PASSWORD_FATAL)
        server = Server(identity, plain=bad, ssl=bad)
        prefer = libpq(f"host={CLUSTER} user=postgres", server, pki, major=15)
        assert (
            prefer.message == f"{PREFIX}FATAL:  {PASSWORD_FATAL}\n{PREFIX}FATAL:  {PASSWORD_FATAL}"
        )
        assert [a.encrypted for a in prefer.attempts] == [True, False]
        allow = libpq(f"host={CLUSTER} user=postgres sslmode=allow", server, pki, major=15)
        assert [a.encrypted for a in allow.attempts] == [False, True]
        require = libpq(f"host={CLUSTER} user=postgres sslmode=require", server, pki, major=15)
        assert require.message == f"{PREFIX}FATAL:  {PASSWORD_FATAL}"

    def test_13_has_no_prefix(self, pki: RdsPki, identity: TlsIdentity) -> None:
        bad = Fatal("28000", FORCE_SSL_FATAL)
        outcome = libpq(
            f"host={CLUSTER} user=postgres sslmode=disable",
            Server(identity, plain=bad),
            pki,
            major=13,
        )
        assert outcome.message == "FATAL:  " + FORCE_SSL_FATAL
        assert outcome.psql_text() == "psql: error: FATAL:  " + FORCE_SSL_FATAL
        assert (
            libpq(
                f"host={CLUSTER} user=postgres sslmode=disable",
                Server(identity, plain=bad),
                pki,
                major=11,
            ).psql_text()
            == "psql: FATAL:  " + FORCE_SSL_FATAL
        )

    def test_13_tls_errors_reset_earlier_ones(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity, plain=Fatal("28000", FORCE_SSL_FATAL))
        m = ClientMachine(files={"wrong.pem": pki.ca_bundle_pem("eu-west-1")})
        text = f"host={CLUSTER} user=postgres sslmode=allow sslrootcert=wrong.pem"
        outcomes = {
            major: negotiate_libpq(
                connect_options(text, m, Libpq(major)),
                Net({("10.0.0.9", 5432): server}),
                machine=m,
                now=NOW,
            )
            for major in (13, 15)
        }
        assert outcomes[13].message == "SSL error: certificate verify failed"
        assert outcomes[15].message == (
            f"{PREFIX}FATAL:  {FORCE_SSL_FATAL}\n{PREFIX}SSL error: certificate verify failed"
        )

    def test_allow_against_ssl_off_differs_at_17(self, pki: RdsPki) -> None:
        server = Server(None, plain=Fatal("28000", FORCE_SSL_FATAL))
        text = f"host={CLUSTER} user=postgres sslmode=allow"
        assert libpq(text, server, pki, major=16).message == (
            f"{PREFIX}FATAL:  {FORCE_SSL_FATAL}\n{PREFIX}FATAL:  {FORCE_SSL_FATAL}"
        )
        assert libpq(text, server, pki, major=17).message == (
            f"{PREFIX}FATAL:  {FORCE_SSL_FATAL}\n{PREFIX}server does not support SSL, but SSL was required"
        )

    def test_require_against_ssl_off(self, pki: RdsPki) -> None:
        outcome = libpq(f"host={CLUSTER} user=postgres sslmode=require", Server(None), pki)
        assert outcome.message == PREFIX + "server does not support SSL, but SSL was required"

    def test_tls_version_range(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity.with_tls_versions(["TLSv1.2"]))
        outcome = libpq(
            f"host={CLUSTER} user=postgres sslmode=require ssl_min_protocol_version=TLSv1.3",
            server,
            pki,
        )
        assert outcome.message == (
            PREFIX + "SSL error: tlsv1 alert protocol version\n"
            "This may indicate that the server does not support any SSL protocol version between TLSv1.3 and TLSv1.3."
        )
        ok = libpq(f"host={CLUSTER} user=postgres sslmode=require", server, pki)
        assert ok.ok and ok.tls_version == "TLSv1.2"

    def test_password_required_and_password_file(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity, ssl=PasswordRequired("md5"))
        outcome = libpq(f"host={CLUSTER} user=postgres sslmode=require", server, pki)
        assert outcome.message == PREFIX + "fe_sendauth: no password supplied"
        m = ClientMachine(files={"~/.pgpass": f"{CLUSTER}:5432:*:postgres:wrong\n"})
        options = connect_options(f"host={CLUSTER} user=postgres sslmode=require", m, Libpq(17))
        bad = Server(identity, ssl=Fatal("28P01", PASSWORD_FATAL))
        result = negotiate_libpq(options, Net({("10.0.0.9", 5432): bad}), machine=m, now=NOW)
        assert result.message == (
            f'{PREFIX}FATAL:  {PASSWORD_FATAL}\npassword retrieved from file "/home/ec2-user/.pgpass"'
        )
        assert bad.seen[-1].password is not None and bad.seen[-1].password.reveal() == "wrong"

    def test_hosts_and_networks(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity)
        m = machine(pki)
        text = f"host=nowhere.example.com,{CLUSTER},{READER} user=postgres"
        options = connect_options(text, m, Libpq(17))
        net = Net(
            {("10.0.0.9", 5432): Unreachable("timeout"), ("10.0.0.10", 5432): server},
            names={READER: ["10.0.0.10"]},
        )
        outcome = negotiate_libpq(options, net, machine=m, now=NOW)
        assert outcome.ok and outcome.host == READER
        assert [a.events[0] for a in outcome.attempts] == [
            "no-address",
            "unreachable:timeout",
            "ssl-request",
        ]
        everything_down = negotiate_libpq(
            connect_options(f"host={CLUSTER} user=postgres connect_timeout=10", m, Libpq(17)),
            Net({("10.0.0.9", 5432): Unreachable("timeout")}),
            machine=m,
            now=NOW,
        )
        assert everything_down.message == PREFIX + "timeout expired"
        refused = negotiate_libpq(
            connect_options(f"host={CLUSTER} user=postgres", m, Libpq(13)),
            Net({}),
            machine=m,
            now=NOW,
        )
        assert refused.message == (
            "could not connect to server: Connection refused\n"
            f'\tIs the server running on host "{CLUSTER}" (10.0.0.9) and accepting\n'
            "\tTCP/IP connections on port 5432?"
        )

    def test_cannot_connect_now_tries_the_next_host(
        self, pki: RdsPki, identity: TlsIdentity
    ) -> None:
        starting = Server(identity, ssl=Fatal("57P03", "the database system is starting up"))
        ready = Server(identity)
        m = machine(pki)
        options = connect_options(f"host={CLUSTER},{READER} user=postgres", m, Libpq(17))
        net = Net(
            {("10.0.0.9", 5432): starting, ("10.0.0.10", 5432): ready},
            names={READER: ["10.0.0.10"]},
        )
        outcome = negotiate_libpq(options, net, machine=m, now=NOW)
        assert outcome.ok and outcome.address == "10.0.0.10"

    def test_gss_required_and_direct_ssl(self, pki: RdsPki, identity: TlsIdentity) -> None:
        server = Server(identity)
        assert libpq(f"host={CLUSTER} gssencmode=require", server, pki, major=16).message == (
            PREFIX + "GSSAPI encryption required but was impossible (possibly no credential cache, "
            "no server support, or using a local socket)"
        )
        assert libpq(f"host={CLUSTER} gssencmode=require", server, pki, major=17).message == (
            PREFIX + "GSSAPI encryption required but no credential cache"
        )
        direct = f"host={CLUSTER} sslmode=require sslnegotiation=direct"
        assert libpq(direct, Server(identity, accepts_direct_ssl=True), pki).ok
        assert libpq(direct, server, pki).message == PREFIX + "SSL SYSCALL error: EOF detected"


def pgjdbc(url: str, server: ServerEndpoint, pki: RdsPki, version: str = "42.7.5") -> Outcome:
    m = ClientMachine(files={"/rds.pem": pki.ca_bundle_pem("us-east-1")})
    parsed = parse_jdbc_url(url, {"password": "pw"}, m, Pgjdbc(version))
    return negotiate_pgjdbc(parsed, Net({("10.0.0.9", 5432): server}), machine=m, now=NOW)


class TestPgjdbc:
    def test_prefer_falls_back_only_on_28000(self, pki: RdsPki, identity: TlsIdentity) -> None:
        url = f"jdbc:postgresql://{CLUSTER}/postgres"
        nossl = Server(identity, ssl=Fatal("28000", "no pg_hba.conf entry ..., SSL encryption"))
        assert pgjdbc(url, nossl, pki).ok
        badpass = Server(identity, ssl=Fatal("28P01", PASSWORD_FATAL), plain=Accepted())
        outcome = pgjdbc(url, badpass, pki)
        assert (outcome.ok, outcome.sqlstate, outcome.message) == (
            False,
            "28P01",
            f"FATAL: {PASSWORD_FATAL}",
        )

    def test_ssl_true_verifies_the_host(self, pki: RdsPki, identity: TlsIdentity) -> None:
        ok = pgjdbc(
            f"jdbc:postgresql://{CLUSTER}/postgres?ssl=true&sslrootcert=/rds.pem",
            Server(identity),
            pki,
        )
        assert ok.ok and ok.encrypted
        missing = pgjdbc(f"jdbc:postgresql://{CLUSTER}/postgres?ssl=true", Server(identity), pki)
        assert (
            missing.message
            == "Could not open SSL root certificate file /home/ec2-user/.postgresql/root.crt."
        )

    def test_require_never_verifies(self, pki: RdsPki, identity: TlsIdentity) -> None:
        outcome = pgjdbc(
            "jdbc:postgresql://" + CLUSTER + "/postgres?sslmode=require", Server(identity), pki
        )
        assert outcome.ok and outcome.certificate is not None and not outcome.certificate.verified

    def test_server_without_ssl(self, pki: RdsPki) -> None:
        outcome = pgjdbc(f"jdbc:postgresql://{CLUSTER}/postgres?sslmode=require", Server(None), pki)
        assert (outcome.sqlstate, outcome.message) == ("08004", "The server does not support SSL.")

    def test_password_missing_and_bad_mode(self, pki: RdsPki, identity: TlsIdentity) -> None:
        m = ClientMachine()
        parsed = parse_jdbc_url(f"jdbc:postgresql://{CLUSTER}/postgres", None, m)
        outcome = negotiate_pgjdbc(
            parsed,
            Net({("10.0.0.9", 5432): Server(identity, ssl=PasswordRequired())}),
            machine=m,
            now=NOW,
        )
        assert (
            outcome.message
            == "The server requested SCRAM-based authentication, but no password was provided."
        )
        bad = pgjdbc(f"jdbc:postgresql://{CLUSTER}/postgres?sslmode=bogus", Server(identity), pki)
        assert (bad.sqlstate, bad.message) == ("08001", "Invalid sslmode value: bogus")

    def test_refused_and_legacy(self, pki: RdsPki, identity: TlsIdentity) -> None:
        refused = pgjdbc(f"jdbc:postgresql://{CLUSTER}:5433/postgres", Server(identity), pki)
        assert refused.message == (
            f"Connection to {CLUSTER}:5433 refused. Check that the hostname and port are correct and "
            "that the postmaster is accepting TCP/IP connections."
        )
        legacy = pgjdbc(f"jdbc:postgresql://{CLUSTER}/postgres", Server(identity), pki, "42.2.4")
        assert legacy.ok and not legacy.encrypted


VERDICTS = st.sampled_from(
    [
        Accepted(),
        Fatal("28000", FORCE_SSL_FATAL),
        Fatal("28P01", PASSWORD_FATAL),
        PasswordRequired(),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    major=st.sampled_from([12, 13, 14, 15, 16, 17, 18]),
    sslmode=st.sampled_from(list(LIBPQ_METHOD_ORDER)),
    ssl_on=st.booleans(),
    plain=VERDICTS,
    ssl=VERDICTS,
    root=st.sampled_from(["good", "wrong", "garbage", "none"]),
    host=st.sampled_from([CLUSTER, READER, "elsewhere.rds.amazonaws.com"]),
)
def test_invariants(
    major: int, sslmode: str, ssl_on: bool, plain: object, ssl: object, root: str, host: str
) -> None:
    pki = RdsPki(SeededSerials(3))
    identity = pki.issue_server_identity(
        "rds-ca-rsa2048-g1",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=NOW - dt.timedelta(days=10),
    )
    files = {
        "good": pki.ca_bundle_pem("us-east-1"),
        "wrong": pki.ca_bundle_pem("eu-west-1"),
        "garbage": b"x",
    }
    m = ClientMachine(files={"~/.postgresql/root.crt": files[root]} if root in files else {})
    server = Server(identity if ssl_on else None, plain=plain, ssl=ssl)  # type: ignore[arg-type]
    options = connect_options(f"host={host} user=postgres sslmode={sslmode}", m, Libpq(major))
    outcome = negotiate_libpq(options, Net({("10.0.0.9", 5432): server}), machine=m, now=NOW)
    assert (outcome.message is None) == outcome.ok
    assert len(outcome.attempts) <= 2
    assert len(server.seen) <= 2
    if outcome.ok:
        assert outcome.encrypted == (outcome.tls_version is not None)
        if sslmode in ("require", "verify-ca", "verify-full"):
            assert outcome.encrypted
        if sslmode == "disable":
            assert not outcome.encrypted
        if sslmode.startswith("verify"):
            assert outcome.certificate is not None and outcome.certificate.verified
        if sslmode == "verify-full":
            assert host != "elsewhere.rds.amazonaws.com"
        if root in ("wrong", "garbage") and outcome.encrypted:
            pytest.fail("a bad root file never yields an encrypted connection")
    else:
        assert outcome.message
        prefixes = outcome.message.count("connection to server at")
        failed_attempts = sum(1 for a in outcome.attempts if a.error_lines)
        assert prefixes == (failed_attempts if major >= 14 else 0)
