"""Certificate checks, unit by unit (the oracle tests compare them with real libpq)."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from aurora_sec.client.certificates import RdsPki, SeededSerials, TlsIdentity
from aurora_sec.client.conninfo import Libpq
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.verify import (
    CertificateChecker,
    RootCertificates,
    libpq_host_check,
    load_pem_bundle,
    pgjdbc_host_matches,
)

UTC = dt.UTC
ISSUED = dt.datetime(2025, 3, 1, tzinfo=UTC)
AT = dt.datetime(2025, 6, 1, tzinfo=UTC)
CLUSTER = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"
READER = "prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com"
INSTANCE = "prod-1.abcdefghijkl.us-east-1.rds.amazonaws.com"


@pytest.fixture(scope="module")
def pki() -> RdsPki:
    return RdsPki(SeededSerials(1))


@pytest.fixture(scope="module")
def rds(pki: RdsPki) -> TlsIdentity:
    return pki.issue_server_identity(
        "rds-ca-rsa2048-g1",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=ISSUED,
    )


def leaf(pki: RdsPki, cn: str | None, names: list[x509.GeneralName]) -> x509.Certificate:
    key = pki.keys.key("rds-ca-rsa2048-g1", "leaf")
    ca_key = pki.keys.key("rds-ca-rsa2048-g1", "intermediate")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
        .issuer_name(pki.intermediate("rds-ca-rsa2048-g1", "us-east-1").subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(ISSUED)
        .not_valid_after(ISSUED + dt.timedelta(days=365))
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
    return builder.sign(ca_key, hashes.SHA256())


class TestHostNames:
    def test_every_rds_endpoint_matches(self, rds: TlsIdentity) -> None:
        for host in (CLUSTER, READER, INSTANCE, CLUSTER.upper()):
            assert libpq_host_check(rds.leaf, host, Libpq(17)).ok

    def test_mismatch_names_the_first_san_and_counts_the_others(self, rds: TlsIdentity) -> None:
        check = libpq_host_check(rds.leaf, "custom.cluster-custom-x.rds.amazonaws.com", Libpq(17))
        assert not check.ok and check.stage == "hostname"
        assert check.message == (
            f'server certificate for "{CLUSTER}" (and 2 other names) does not match host name '
            '"custom.cluster-custom-x.rds.amazonaws.com"'
        )

    def test_singular_and_cn_only(self, pki: RdsPki) -> None:
        two = leaf(
            pki, "cn.example.com", [x509.DNSName("a.example.com"), x509.DNSName("b.example.com")]
        )
        assert (
            "(and 1 other name) does not"
            in libpq_host_check(two, "c.example.com", Libpq(15)).message
        )
        cn_only = leaf(pki, "cnonly.example.com", [])
        assert libpq_host_check(cn_only, "cnonly.example.com", Libpq(15)).ok
        assert libpq_host_check(cn_only, "x", Libpq(15)).message == (
            'server certificate for "cnonly.example.com" does not match host name "x"'
        )
        nothing = leaf(pki, None, [])
        assert libpq_host_check(nothing, "x", Libpq(15)).message == (
            "could not get server's host name from server certificate"
        )

    def test_no_host(self, rds: TlsIdentity) -> None:
        assert libpq_host_check(rds.leaf, None, Libpq(15)).message == (
            "host name must be specified for a verified SSL connection"
        )

    @pytest.mark.parametrize(
        ("host", "ok"),
        [
            ("a.cluster.example.com", True),
            ("A.Cluster.Example.COM", True),
            ("a.b.cluster.example.com", False),
            ("cluster.example.com", False),
            (".cluster.example.com", False),
        ],
    )
    def test_wildcards(self, pki: RdsPki, host: str, ok: bool) -> None:
        cert = leaf(pki, None, [x509.DNSName("*.cluster.example.com")])
        assert libpq_host_check(cert, host, Libpq(17)).ok is ok

    def test_ip_sans_from_15(self, pki: RdsPki) -> None:
        cert = leaf(pki, "db.example.com", [x509.IPAddress(ipaddress.ip_address("10.0.0.7"))])
        assert libpq_host_check(cert, "10.0.0.7", Libpq(15)).ok
        assert libpq_host_check(cert, "10.0.7", Libpq(15)).ok  # inet_aton's short forms
        # 14 looks only at dNSName SANs, then the CN
        assert libpq_host_check(cert, "10.0.0.7", Libpq(14)).message == (
            'server certificate for "db.example.com" does not match host name "10.0.0.7"'
        )
        # a DNS host and an IP-only SAN list: 15 falls back to the CN and counts both
        mixed = libpq_host_check(cert, "other.example.com", Libpq(15))
        assert mixed.message == (
            'server certificate for "10.0.0.7" (and 1 other name) does not match host name "other.example.com"'
        )

    def test_ip_host_with_dns_san_still_checks_the_cn_from_15(self, pki: RdsPki) -> None:
        cert = leaf(pki, "127.0.0.1", [x509.DNSName("db.example.com")])
        assert libpq_host_check(cert, "127.0.0.1", Libpq(15)).ok
        assert not libpq_host_check(cert, "127.0.0.1", Libpq(14)).ok

    def test_embedded_nul(self, pki: RdsPki) -> None:
        cert = leaf(pki, "a\0b", [])
        assert (
            libpq_host_check(cert, "a", Libpq(15)).message
            == "SSL certificate's name contains embedded null"
        )

    def test_pgjdbc_rules(self, pki: RdsPki, rds: TlsIdentity) -> None:
        assert pgjdbc_host_matches(rds.leaf, CLUSTER)
        assert not pgjdbc_host_matches(rds.leaf, "127.0.0.1")
        wild = leaf(pki, None, [x509.DNSName("*.x.com")])
        assert pgjdbc_host_matches(wild, "a.x.com")
        assert not pgjdbc_host_matches(wild, "a.b.x.com")
        ip = leaf(pki, "cn.x.com", [x509.IPAddress(ipaddress.ip_address("10.1.2.3"))])
        assert pgjdbc_host_matches(ip, "10.1.2.3")
        assert pgjdbc_host_matches(ip, "cn.x.com")  # no DNS SAN: the CN counts


class TestRootFiles:
    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (b"", "no certificate or crl found"),
            (b"hello\n", "no certificate or crl found"),
            (
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "no certificate or crl found",
            ),
            (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "wrong tag"),
            (
                b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                "bad base64 decode",
            ),
        ],
    )
    def test_unreadable(self, data: bytes, reason: str) -> None:
        assert load_pem_bundle(data) == reason

    def test_text_around_certificates_is_ignored(self, pki: RdsPki) -> None:
        loaded = load_pem_bundle(b"junk\n" + pki.ca_bundle_pem("us-east-1") + b"junk")
        assert not isinstance(loaded, str) and len(loaded) == 5

    def test_locations(self) -> None:
        machine = ClientMachine(files={"~/.postgresql/root.crt": b"x"})
        default = RootCertificates.for_libpq(None, machine, Libpq(15))
        assert (default.kind, default.path) == ("file", "/home/ec2-user/.postgresql/root.crt")
        assert RootCertificates.for_libpq("/nope", machine, Libpq(15)).kind == "missing"
        assert RootCertificates.for_libpq("system", machine, Libpq(16)).kind == "system"
        assert RootCertificates.for_libpq("system", machine, Libpq(15)).kind == "missing"
        assert (
            RootCertificates.for_libpq(None, ClientMachine(home=None), Libpq(15)).kind == "no_home"
        )


class TestChecks:
    def test_modes_and_roots(self, pki: RdsPki, rds: TlsIdentity) -> None:
        checker = CertificateChecker()
        good = RootCertificates("file", "/r.pem", pki.ca_bundle_pem("us-east-1"))
        wrong = RootCertificates("file", "/w.pem", pki.ca_bundle_pem("eu-west-1"))
        missing = RootCertificates("missing", "/m.pem")

        def check(
            mode: str, root: RootCertificates, host: str = CLUSTER, major: int = 17
        ) -> tuple[bool, str]:
            result = checker.check_libpq(
                libpq=Libpq(major), sslmode=mode, root=root, presented=rds.chain, host=host, now=AT
            )
            return result.ok, result.message

        assert check("verify-full", good) == (True, "")
        assert check("require", wrong) == (False, "SSL error: certificate verify failed")
        assert check("require", missing) == (True, "")
        assert check("verify-ca", good, "other.example.com") == (True, "")
        assert check("verify-ca", missing, major=15) == (
            False,
            'root certificate file "/m.pem" does not exist\n'
            "Either provide the file or change sslmode to disable server certificate verification.",
        )
        assert check("verify-ca", missing, major=16)[1].endswith(
            "use the system's trusted roots with sslrootcert=system, or change sslmode to disable "
            "server certificate verification."
        )
        no_home = RootCertificates("no_home")
        assert check("verify-full", no_home)[1].startswith(
            "could not get home directory to locate root certificate file\n"
        )
        garbage = RootCertificates("file", "/g.pem", b"nope")
        assert check("prefer", garbage) == (
            False,
            'could not read root certificate file "/g.pem": no certificate or crl found',
        )
        system = RootCertificates("system", "system")
        assert check("verify-full", system) == (False, "SSL error: certificate verify failed")

    def test_expiry_and_clock(self, pki: RdsPki, rds: TlsIdentity) -> None:
        checker = CertificateChecker()
        roots = load_pem_bundle(pki.ca_bundle_pem("us-east-1"))
        assert not isinstance(roots, str)
        assert checker.chain_valid(roots, rds.chain, AT)
        assert checker.chain_valid(roots, rds.chain, AT + dt.timedelta(days=30))  # cached window
        assert not checker.chain_valid(roots, rds.chain, ISSUED - dt.timedelta(seconds=1))
        assert not checker.chain_valid(roots, rds.chain, ISSUED + dt.timedelta(days=366))
        assert checker.chain_valid(roots, rds.chain, AT)

    def test_only_self_signed_certificates_anchor(self, pki: RdsPki) -> None:
        identity = pki.issue_server_identity(
            "rds-ca-2019",
            "us-east-1",
            common_name=INSTANCE,
            dns_names=[INSTANCE],
            issued_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
        )
        checker = CertificateChecker()
        at = dt.datetime(2024, 2, 1, tzinfo=UTC)
        intermediate_only = (pki.intermediate("rds-ca-2019", "us-east-1"),)
        assert not checker.chain_valid(intermediate_only, identity.chain[:1], at)
        both = (*intermediate_only, pki.root("rds-ca-2019", "us-east-1"))
        assert checker.chain_valid(both, identity.chain[:1], at)
        # the 2019 CA expired on 2024-08-22: every chain under it fails after that
        assert not checker.chain_valid(both, identity.chain, dt.datetime(2024, 8, 23, tzinfo=UTC))

    def test_a_name_alike_with_a_bad_self_signature_is_no_anchor(
        self, pki: RdsPki, rds: TlsIdentity
    ) -> None:
        """Anchors are first chosen by name; one whose self-signature fails must not count."""
        root = pki.root("rds-ca-rsa2048-g1", "us-east-1")
        other_key = pki.keys.key("rds-ca-ecc384-g1", "root")
        # the real root's name and key, signed by another key: subject == issuer, yet not
        # self-signed
        impostor = (
            x509.CertificateBuilder()
            .subject_name(root.subject)
            .issuer_name(root.subject)
            .public_key(root.public_key())
            .serial_number(7)
            .not_valid_before(root.not_valid_before_utc)
            .not_valid_after(root.not_valid_after_utc)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(other_key, hashes.SHA384())
        )
        assert impostor.subject == impostor.issuer
        assert not CertificateChecker().chain_valid((impostor,), rds.chain, AT)
        assert CertificateChecker().chain_valid((impostor, root), rds.chain, AT)
        assert CertificateChecker().chain_valid((root, impostor), rds.chain, AT)

    def test_raw_names_agree_with_parsed_names(self, pki: RdsPki, rds: TlsIdentity) -> None:
        from aurora_sec.client.verify import _raw_issuer_and_subject

        roots = load_pem_bundle(pki.ca_bundle_pem("us-east-1"))
        assert not isinstance(roots, str)
        for cert in (*roots, *rds.chain):
            raw = _raw_issuer_and_subject(cert)
            assert raw == (cert.issuer.public_bytes(), cert.subject.public_bytes())

    def test_pgjdbc_root_file_messages(self, pki: RdsPki, rds: TlsIdentity) -> None:
        checker = CertificateChecker()
        machine = ClientMachine(
            files={"/good.pem": pki.ca_bundle_pem("us-east-1"), "/bad.pem": b"x"}
        )

        def check(root: str | None, host: str = CLUSTER) -> tuple[bool, str, str | None]:
            result = checker.check_pgjdbc(
                trust="rootcert",
                verify_host=True,
                rootcert=root,
                machine=machine,
                presented=rds.chain,
                host=host,
                now=AT,
            )
            return result.ok, result.message, result.sqlstate

        assert check("/good.pem") == (True, "", None)
        assert check("/missing.pem") == (
            False,
            "Could not open SSL root certificate file /missing.pem.",
            "08006",
        )
        assert (
            check("/bad.pem")[1]
            == "Loading the SSL root certificate /bad.pem into a TrustManager failed."
        )
        assert check("/good.pem", "127.0.0.1")[1] == (
            "The hostname 127.0.0.1 could not be verified by hostnameverifier PgjdbcHostnameVerifier."
        )
