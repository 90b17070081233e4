"""libpq connection strings: parsing, defaults and validation, per major, with libpq's texts."""

from __future__ import annotations

import pytest

from aurora_sec.client.conninfo import (
    OPTIONS,
    ConninfoError,
    Libpq,
    connect_options,
    parse,
    parse_int_param,
    recognized_connection_string,
    resolve,
)
from aurora_sec.client.machine import ClientMachine
from aurora_sec.errors import ConnectionFailed


def error_of(text: str, major: int = 17) -> str:
    with pytest.raises(ConninfoError) as info:
        parse(text, Libpq(major))
    return info.value.message


def resolve_error(
    text: str,
    major: int = 17,
    *,
    env: dict[str, str] | None = None,
    files: dict[str, bytes | str] | None = None,
) -> str:
    with pytest.raises(ConninfoError) as info:
        connect_options(text, ClientMachine(env=env or {}, files=files or {}), Libpq(major))
    return info.value.message


class TestKeywordValue:
    def test_quoting_and_escapes(self) -> None:
        info = parse(r"  host = 'a b\'c'  port=5 dbname=x\ y application_name=''")
        assert info.as_dict() == {
            "host": "a b'c",
            "port": "5",
            "dbname": "x y",
            "application_name": "",
        }
        assert not info.is_uri

    def test_later_keyword_wins(self) -> None:
        assert parse("host=a host=b").get("host") == "b"

    def test_requiressl_is_translated(self) -> None:
        assert parse("requiressl=1").as_dict() == {"sslmode": "require"}
        assert parse("requiressl=0").as_dict() == {"sslmode": "prefer"}

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("host", 'missing "=" after "host" in connection info string'),
            ("x y=1", 'missing "=" after "x" in connection info string'),
            ("host='x", "unterminated quoted string in connection info string"),
            ("dbname='x\\'", "unterminated quoted string in connection info string"),
            ("host=x foo=1", 'invalid connection option "foo"'),
            ("=x", 'invalid connection option ""'),
        ],
    )
    def test_errors(self, text: str, message: str) -> None:
        assert error_of(text) == message

    def test_errors_are_connection_failures(self) -> None:
        with pytest.raises(ConnectionFailed, match="invalid connection option"):
            parse("nope=1")

    def test_keywords_follow_the_major(self) -> None:
        assert parse("tty=x", Libpq(13)).get("tty") == "x"
        assert error_of("tty=x", 14) == 'invalid connection option "tty"'
        assert error_of("sslnegotiation=direct", 16) == 'invalid connection option "sslnegotiation"'
        assert parse("sslnegotiation=direct", Libpq(17)).get("sslnegotiation") == "direct"
        assert error_of("sslcertmode=allow", 15) == 'invalid connection option "sslcertmode"'

    def test_option_table_is_consistent(self) -> None:
        keywords = [o.keyword for o in OPTIONS]
        assert len(keywords) == len(set(keywords))
        assert {o.keyword for o in OPTIONS if o.secret} == {
            "password",
            "sslpassword",
            "oauth_client_secret",
        }

    def test_expand_dbname_treats_a_word_as_dbname(self) -> None:
        assert parse("mydb", expand_dbname=True).as_dict() == {"dbname": "mydb"}
        assert parse("host=x", expand_dbname=True).as_dict() == {"host": "x"}
        assert not recognized_connection_string("mydb")
        assert recognized_connection_string("postgres://h")

    def test_text_stops_at_nul(self) -> None:
        assert parse("host=a\0 port=1").as_dict() == {"host": "a"}

    def test_password_is_masked_in_repr(self) -> None:
        info = parse("password=hunter2 user=u")
        assert "hunter2" not in repr(info)
        assert info.get("password") == "hunter2"


class TestUri:
    def test_full_uri(self) -> None:
        info = parse(
            "postgres://u%40x:p%3Aw@h1:1,[::1]:2,h3/db%2F1?sslmode=require&application_name=a%20b"
        )
        assert info.is_uri
        assert info.as_dict() == {
            "user": "u@x",
            "password": "p:w",
            "dbname": "db/1",
            "host": "h1,::1,h3",
            "port": "1,2,",
            "application_name": "a b",
            "sslmode": "require",
        }

    def test_ssl_true_means_require(self) -> None:
        assert parse("postgresql://h?ssl=true").get("sslmode") == "require"
        assert error_of("postgresql://h?ssl=false") == 'invalid URI query parameter: "ssl"'

    def test_non_utf8_percent_bytes_survive(self) -> None:
        value = parse("postgresql://h?application_name=%e9").get("application_name")
        assert value is not None
        assert value.encode("utf-8", "surrogateescape") == b"\xe9"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("postgresql://x?foo=1", 'invalid URI query parameter: "foo"'),
            ("postgresql://h?a", 'missing key/value separator "=" in URI query parameter: "a"'),
            ("postgresql://h?a=1=2", 'extra key/value separator "=" in URI query parameter: "a"'),
            ("postgresql://%zz", 'invalid percent-encoded token: "%zz"'),
            ("postgresql://h/%0", 'invalid percent-encoded token: "%0"'),
            (
                "postgresql://h?application_name=%00",
                'forbidden value %00 in percent-encoded value: "%00"',
            ),
            (
                "postgresql://[::1",
                'end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://[::1"',
            ),
            ("postgresql://[]", 'IPv6 host address may not be empty in URI: "postgresql://[]"'),
            (
                "postgresql://[::1]x",
                'unexpected character "x" at position 19 in URI (expected ":" or "/"): "postgresql://[::1]x"',
            ),
        ],
    )
    def test_errors(self, text: str, message: str) -> None:
        assert error_of(text) == message

    def test_spaces_are_an_error_from_18(self) -> None:
        assert parse("postgresql://h/ db ", Libpq(17)).get("dbname") == " db "
        assert parse("postgresql://h/ db ", Libpq(18)).get("dbname") == "db"
        assert (
            error_of("postgresql://h/a b", 18)
            == 'unexpected spaces found in "a b", use percent-encoded spaces (%20) instead'
        )


class TestResolve:
    def test_defaults(self) -> None:
        options = connect_options("host=db.example.com", ClientMachine(), Libpq(17))
        assert options.values["sslmode"] == "prefer"
        assert options.values["port"] == "5432"
        assert options.user == "ec2-user"
        assert options.dbname == "ec2-user"
        assert options.values["passfile"] == "/home/ec2-user/.pgpass"
        assert options.values["ssl_min_protocol_version"] == "TLSv1.2"
        assert options.values["sslnegotiation"] == "postgres"
        assert not options.sslmode_explicit
        assert [(h.host, h.kind, h.display_port) for h in options.hosts] == [
            ("db.example.com", "name", "5432")
        ]

    def test_environment_fills_what_the_string_leaves_out(self) -> None:
        machine = ClientMachine(
            env={"PGSSLMODE": "verify-full", "PGHOST": "a,b", "PGPORT": "1", "PGUSER": "bob"}
        )
        options = connect_options("dbname=d", machine)
        assert options.sslmode == "verify-full"
        assert options.sslmode_explicit
        assert [(h.host, h.port) for h in options.hosts] == [("a", "1"), ("b", "1")]
        assert (options.user, options.dbname) == ("bob", "d")
        assert connect_options("sslmode=disable", machine).sslmode == "disable"

    def test_pgrequiressl_yields_to_pgsslmode(self) -> None:
        assert connect_options("", ClientMachine(env={"PGREQUIRESSL": "1"})).sslmode == "require"
        both = ClientMachine(env={"PGREQUIRESSL": "1", "PGSSLMODE": "allow"})
        assert connect_options("", both).sslmode == "allow"

    def test_sslrootcert_system_defaults_to_verify_full_from_16(self) -> None:
        assert connect_options("sslrootcert=system", libpq=Libpq(16)).sslmode == "verify-full"
        assert connect_options("sslrootcert=system", libpq=Libpq(15)).sslmode == "prefer"
        assert (
            resolve_error("sslrootcert=system sslmode=require", 16)
            == 'weak sslmode "require" may not be used with sslrootcert=system (use "verify-full")'
        )

    @pytest.mark.parametrize(
        ("text", "major", "message"),
        [
            ("sslmode=bogus", 17, 'invalid sslmode value: "bogus"'),
            ("sslmode=bogus", 11, 'invalid sslmode value: "bogus"'),
            ("channel_binding=x", 15, 'invalid channel_binding value: "x"'),
            (
                "ssl_min_protocol_version=TLSv1.4",
                15,
                'invalid ssl_min_protocol_version value: "TLSv1.4"',
            ),
            (
                "ssl_min_protocol_version=TLSv1.4",
                17,
                'invalid "ssl_min_protocol_version" value: "TLSv1.4"',
            ),
            ("ssl_max_protocol_version=TLSv1", 15, "invalid SSL protocol version range"),
            ("gssencmode=x", 12, 'invalid gssencmode value: "x"'),
            ("target_session_attrs=primary", 13, 'invalid target_session_attrs value: "primary"'),
            ("sslnegotiation=x", 17, 'invalid sslnegotiation value: "x"'),
            (
                "sslnegotiation=direct",
                17,
                'weak sslmode "prefer" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")',
            ),
            (
                "require_auth=md5,!password",
                16,
                'negative require_auth method "!password" cannot be mixed with non-negative methods',
            ),
            (
                "require_auth=!md5,password",
                16,
                'require_auth method "password" cannot be mixed with negative methods',
            ),
            ("require_auth=md5,md5", 16, 'require_auth method "md5" is specified more than once'),
            ("require_auth=x", 16, 'invalid require_auth value: "x"'),
            ("host=a,b port=1,2,3", 17, "could not match 3 port numbers to 2 hosts"),
            (
                "hostaddr=1.1.1.1,2.2.2.2 host=a",
                17,
                "could not match 1 host names to 2 hostaddr values",
            ),
        ],
    )
    def test_validation_errors(self, text: str, major: int, message: str) -> None:
        assert resolve_error(text, major) == message

    def test_valid_ranges(self) -> None:
        assert (
            connect_options("target_session_attrs=primary", libpq=Libpq(14)).get(
                "target_session_attrs"
            )
            == "primary"
        )
        tls = connect_options("ssl_min_protocol_version=tlsv1 ssl_max_protocol_version=TLSv1")
        assert tls.ssl_max_protocol_version == "TLSv1"

    def test_gss_builds(self) -> None:
        with_gss = connect_options("gssencmode=require", libpq=Libpq(17, gss=True))
        assert with_gss.get("gssencmode") == "require"
        assert connect_options("", libpq=Libpq(17)).get("gssencmode") == "prefer"
        assert connect_options("", libpq=Libpq(17, gss=False)).get("gssencmode") == "disable"
        psycopg_build = Libpq(18, gss=True, gssencmode_default="disable")
        assert connect_options("", libpq=psycopg_build).get("gssencmode") == "disable"
        with pytest.raises(ConninfoError, match="invalid when GSSAPI support is not compiled in"):
            connect_options("gssencmode=require", libpq=Libpq(17, gss=False))

    def test_hostaddr_and_sockets(self) -> None:
        options = connect_options("host=db.example.com,/tmp hostaddr=10.0.0.1,")
        first, second = options.hosts
        assert (first.kind, first.display_host, first.host) == (
            "address",
            "10.0.0.1",
            "db.example.com",
        )
        assert (second.kind, second.host) == ("socket", "/tmp")
        default = connect_options("").hosts[0]
        assert (default.kind, default.host) == ("socket", "/var/run/postgresql")

    def test_service_file(self) -> None:
        service = b"# comment\n[prod]\nhost=db.example.com\nsslmode=verify-full\n[other]\nhost=x\n"
        machine = ClientMachine(files={"~/.pg_service.conf": service})
        options = connect_options("service=prod sslmode=require", machine)
        assert options.hosts[0].host == "db.example.com"
        assert options.sslmode == "require"  # the string wins over the service file
        assert resolve_error("service=nope", files={"~/.pg_service.conf": service}) == (
            'definition of service "nope" not found'
        )
        assert (
            resolve_error("service=prod", env={"PGSERVICEFILE": "/missing"})
            == 'service file "/missing" not found'
        )
        bad = ClientMachine(files={"/etc/postgresql-common/pg_service.conf": b"[prod]\nbogus=1\n"})
        with pytest.raises(ConninfoError) as info:
            connect_options("service=prod", bad)
        assert info.value.message == (
            'syntax error in service file "/etc/postgresql-common/pg_service.conf", line 2'
        )

    def test_password_file(self) -> None:
        pgpass = b"other:*:*:*:nope\ndb.example.com:5432:*:app:s\\:cret\n"
        machine = ClientMachine(files={"~/.pgpass": pgpass})
        host = connect_options("host=db.example.com user=app", machine).hosts[0]
        assert host.password is not None
        assert host.password.reveal() == "s:cret"
        assert host.password_from_file
        assert "s:cret" not in repr(host)
        explicit = connect_options("host=db.example.com user=app password=x", machine)
        assert explicit.hosts[0].password is None
        assert explicit.password is not None

    def test_resolve_accepts_text_and_reparses_for_another_major(self) -> None:
        parsed = parse("host=a sslmode=require", Libpq(17))
        assert resolve(parsed, None, Libpq(15)).libpq.major == 15
        assert resolve("host=a").hosts[0].host == "a"


class TestIntParams:
    @pytest.mark.parametrize(
        ("value", "expected"), [("5432", 5432), (" 7 ", 7), ("+3", 3), ("-1", -1)]
    )
    def test_valid(self, value: str, expected: int) -> None:
        assert parse_int_param(value, "port") == expected

    @pytest.mark.parametrize("value", ["abc", "", "1x", "99999999999", " "])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(ConninfoError) as info:
            parse_int_param(value, "connect_timeout")
        assert (
            info.value.message
            == f'invalid integer value "{value}" for connection option "connect_timeout"'
        )

    def test_libpq_11_uses_atoi(self) -> None:
        assert parse_int_param("abc", "port", Libpq(11)) == 0
        assert parse_int_param("12x", "port", Libpq(11)) == 12

    def test_psql_prefix(self) -> None:
        with pytest.raises(ConninfoError) as info:
            connect_options("sslmode=bogus", libpq=Libpq(15))
        assert info.value.psql_text() == 'psql: error: invalid sslmode value: "bogus"'
        with pytest.raises(ConninfoError) as old:
            connect_options("sslmode=bogus", libpq=Libpq(11))
        assert old.value.psql_text() == 'psql: invalid sslmode value: "bogus"'


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("postgresql://u:s3cr%zzet@h/db", 'invalid percent-encoded token: "********"'),
        ("postgresql://u:pw%00pw@h", 'forbidden value %00 in percent-encoded value: "********"'),
        ("postgresql://u@h/db?password=ab%zzcd", 'invalid percent-encoded token: "********"'),
        (
            "postgresql://u:hunter22@[::1/db",
            'end of string reached when looking for matching "]" in IPv6 host address in URI: '
            '"postgresql://u:********@[::1/db"',
        ),
    ],
)
def test_uri_errors_mask_the_password(uri: str, message: str) -> None:
    """libpq quotes these tokens; the emulator masks passwords in them (docs/fidelity.md)."""
    with pytest.raises(ConninfoError) as info:
        parse(uri)
    assert str(info.value) == message
