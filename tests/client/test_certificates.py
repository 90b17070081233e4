"""The RDS certificate hierarchy: names, profiles, determinism, validity, bundles."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification as xv
from cryptography.x509.oid import NameOID

from aurora_sec.aws.ids import IdGenerator
from aurora_sec.catalog import certificates as catalog
from aurora_sec.client.certificates import (
    PROFILES,
    KeyStore,
    RdsPki,
    SeededSerials,
    certificates_pem,
)
from aurora_sec.client.verify import load_pem_bundle

UTC = dt.UTC
ISSUED = dt.datetime(2025, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
CLUSTER = "prod.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"
READER = "prod.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com"
INSTANCE = "prod-1.abcdefghijkl.us-east-1.rds.amazonaws.com"


@pytest.fixture(scope="module")
def pki() -> RdsPki:
    return RdsPki(SeededSerials(0))


def attributes(name: x509.Name) -> list[tuple[str, str]]:
    return [(a.oid.dotted_string, str(a.value)) for rdn in name.rdns for a in rdn]


C, ST, L, ORG, OU, CN = (
    NameOID.COUNTRY_NAME.dotted_string,
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string,
    NameOID.LOCALITY_NAME.dotted_string,
    NameOID.ORGANIZATION_NAME.dotted_string,
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string,
    NameOID.COMMON_NAME.dotted_string,
)


def test_profiles_cover_the_catalogue() -> None:
    assert set(PROFILES) == {c.identifier for c in catalog.ALL_CERTIFICATES}


def test_g1_root_matches_the_real_us_east_1_root(pki: RdsPki) -> None:
    root = pki.root("rds-ca-rsa2048-g1", "us-east-1")
    assert attributes(root.subject) == [
        (C, "US"),
        (ORG, "Amazon Web Services, Inc."),
        (OU, "Amazon RDS"),
        (ST, "WA"),
        (CN, "Amazon RDS us-east-1 Root CA RSA2048 G1"),
        (L, "Seattle"),
    ]
    assert root.issuer == root.subject
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert (
        ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and ku.value.digital_signature
    )
    with pytest.raises(x509.ExtensionNotFound):
        root.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    info = catalog.lookup("rds-ca-rsa2048-g1")
    assert info is not None
    assert (root.not_valid_before_utc, root.not_valid_after_utc) == (
        info.valid_from,
        info.valid_till,
    )


def test_2019_hierarchy(pki: RdsPki) -> None:
    root = pki.root("rds-ca-2019", "us-east-1")
    assert root is pki.root("rds-ca-2019", "eu-west-1")  # one global root
    assert attributes(root.subject)[-1] == (CN, "Amazon RDS Root 2019 CA")
    assert [oid for oid, _ in attributes(root.subject)] == [C, L, ST, ORG, OU, CN]
    assert root.not_valid_after_utc == dt.datetime(2024, 8, 22, 17, 8, 50, tzinfo=UTC)
    intermediate = pki.intermediate("rds-ca-2019", "us-east-1")
    assert [oid for oid, _ in attributes(intermediate.subject)] == [C, ST, L, ORG, OU, CN]
    assert attributes(intermediate.subject)[-1] == (CN, "Amazon RDS us-east-1 2019 CA")
    assert intermediate.issuer == root.subject


@pytest.mark.parametrize(
    ("identifier", "key_type", "size", "hash_name"),
    [
        ("rds-ca-2019", rsa.RSAPublicKey, 2048, "sha256"),
        ("rds-ca-rsa2048-g1", rsa.RSAPublicKey, 2048, "sha256"),
        ("rds-ca-rsa4096-g1", rsa.RSAPublicKey, 4096, "sha384"),
        ("rds-ca-ecc384-g1", ec.EllipticCurvePublicKey, 384, "sha384"),
    ],
)
def test_keys_and_hashes(
    pki: RdsPki, identifier: str, key_type: type, size: int, hash_name: str
) -> None:
    root = pki.root(identifier, "us-east-1")
    key = root.public_key()
    assert isinstance(key, key_type)
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    assert key.key_size == size
    assert root.signature_hash_algorithm is not None
    assert root.signature_hash_algorithm.name == hash_name
    issued = ISSUED if identifier != "rds-ca-2019" else dt.datetime(2024, 1, 1, tzinfo=UTC)
    identity = pki.issue_server_identity(
        identifier,
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=issued,
    )
    assert identity.leaf.signature_hash_algorithm is not None
    assert identity.leaf.signature_hash_algorithm.name == hash_name


def test_server_certificate_profile(pki: RdsPki) -> None:
    identity = pki.issue_server_identity(
        "rds-ca-ecc384-g1",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=ISSUED,
    )
    leaf = identity.leaf
    assert attributes(leaf.subject) == [
        (CN, INSTANCE),
        (OU, "RDS"),
        (ORG, "Amazon.com"),
        (L, "Seattle"),
        (ST, "Washington"),
        (C, "US"),
    ]
    assert attributes(leaf.issuer)[4] == (CN, "Amazon RDS us-east-1 Subordinate CA ECC384 G1.A.3")
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.DNSName) == [CLUSTER, READER, INSTANCE]
    bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert not bc.critical and not bc.value.ca
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    assert leaf.not_valid_before_utc == ISSUED.replace(microsecond=0)
    assert leaf.not_valid_after_utc == ISSUED.replace(microsecond=0, year=2026)
    assert identity.chain == (leaf, pki.intermediate("rds-ca-ecc384-g1", "us-east-1"))


@pytest.mark.parametrize("identifier", list(PROFILES))
def test_every_chain_passes_cryptographys_web_pki_policy(pki: RdsPki, identifier: str) -> None:
    issued = ISSUED if identifier != "rds-ca-2019" else dt.datetime(2024, 1, 1, tzinfo=UTC)
    identity = pki.issue_server_identity(
        identifier,
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[CLUSTER, READER, INSTANCE],
        issued_at=issued,
    )
    bundle = load_pem_bundle(pki.ca_bundle_pem("us-east-1"))
    assert not isinstance(bundle, str)
    roots = [c for c in bundle if c.subject == c.issuer]
    at = issued + dt.timedelta(days=1)
    for host in (CLUSTER, READER, INSTANCE):
        verifier = (
            xv.PolicyBuilder()
            .store(xv.Store(roots))
            .time(at)
            .build_server_verifier(x509.DNSName(host))
        )
        chain = verifier.verify(identity.leaf, list(identity.chain[1:]))
        assert chain[-1] == pki.root(identifier, "us-east-1")
    elsewhere = (
        xv.PolicyBuilder()
        .store(xv.Store(roots))
        .time(at)
        .build_server_verifier(x509.DNSName("x.example.com"))
    )
    with pytest.raises(xv.VerificationError):
        elsewhere.verify(identity.leaf, list(identity.chain[1:]))


def test_bundle_contents(pki: RdsPki) -> None:
    certs = pki.bundle_certificates(["us-east-1", "eu-west-1"])
    names = [c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in certs]
    assert names == [
        "Amazon RDS us-east-1 Root CA RSA2048 G1",
        "Amazon RDS us-east-1 Root CA ECC384 G1",
        "Amazon RDS us-east-1 Root CA RSA4096 G1",
        "Amazon RDS us-east-1 2019 CA",
        "Amazon RDS eu-west-1 Root CA RSA2048 G1",
        "Amazon RDS eu-west-1 Root CA ECC384 G1",
        "Amazon RDS eu-west-1 Root CA RSA4096 G1",
        "Amazon RDS eu-west-1 2019 CA",
        "Amazon RDS Root 2019 CA",
    ]
    assert pki.ca_bundle_pem("us-east-1") == certificates_pem(
        pki.bundle_certificates(["us-east-1"])
    )
    assert pki.region_bundle_pem("rds-ca-2019", "us-east-1").count(b"BEGIN CERTIFICATE") == 2
    assert pki.region_bundle_pem("rds-ca-rsa2048-g1", "us-east-1").count(b"BEGIN CERTIFICATE") == 1


def test_serials_are_deterministic() -> None:
    def serials(pki: RdsPki) -> list[int]:
        identity = pki.issue_server_identity(
            "rds-ca-rsa2048-g1",
            "us-east-1",
            common_name=INSTANCE,
            dns_names=[INSTANCE],
            issued_at=ISSUED,
        )
        again = pki.issue_server_identity(
            "rds-ca-rsa2048-g1",
            "us-east-1",
            common_name=INSTANCE,
            dns_names=[INSTANCE],
            issued_at=ISSUED + dt.timedelta(days=1),
        )
        same = pki.issue_server_identity(
            "rds-ca-rsa2048-g1",
            "us-east-1",
            common_name=INSTANCE,
            dns_names=[INSTANCE],
            issued_at=ISSUED,
        )
        # the same content is the same certificate, byte for byte (its serial is derived
        # from what it certifies, not drawn from a counter)
        assert same.leaf == identity.leaf
        return [
            pki.root("rds-ca-rsa2048-g1", "us-east-1").serial_number,
            pki.intermediate("rds-ca-rsa2048-g1", "us-east-1").serial_number,
            identity.leaf.serial_number,
            again.leaf.serial_number,
        ]

    first = serials(RdsPki(SeededSerials(7)))
    assert first == serials(RdsPki(SeededSerials(7)))
    assert first != serials(RdsPki(SeededSerials(8)))
    assert first[2] != first[3]  # a re-issue a day later has another serial
    assert all(len(f"{s:x}") == 32 for s in first)
    with_ids = serials(RdsPki(IdGenerator(0, "123456789012", "us-east-1")))
    assert with_ids == serials(RdsPki(IdGenerator(0, "123456789012", "us-east-1")))


def test_validity_is_capped_by_the_ca() -> None:
    pki = RdsPki()
    identity = pki.issue_server_identity(
        "rds-ca-2019",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[INSTANCE],
        issued_at=dt.datetime(2024, 3, 1, tzinfo=UTC),
    )
    assert identity.leaf.not_valid_after_utc == dt.datetime(2024, 8, 22, 17, 8, 50, tzinfo=UTC)
    with pytest.raises(ValueError, match="rds-ca-2019 expired at 2024-08-22T17:08:50"):
        pki.issue_server_identity(
            "rds-ca-2019", "us-east-1", common_name=INSTANCE, dns_names=[INSTANCE], issued_at=ISSUED
        )


def test_identity_keeps_its_key_private(pki: RdsPki) -> None:
    identity = pki.issue_server_identity(
        "rds-ca-rsa2048-g1",
        "us-east-1",
        common_name=INSTANCE,
        dns_names=[INSTANCE],
        issued_at=ISSUED,
    )
    assert "PRIVATE" not in repr(identity)
    assert INSTANCE in repr(identity)
    assert identity.key_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert identity.chain_pem().count(b"BEGIN CERTIFICATE") == 2
    assert identity.with_tls_versions(["TLSv1.2"]).tls_versions == ("TLSv1.2",)


def test_key_store_generates_once_per_role() -> None:
    keys = KeyStore()
    first = keys.key("rds-ca-ecc384-g1", "root")
    assert keys.key("rds-ca-ecc384-g1", "root") is first
    assert keys.key("rds-ca-ecc384-g1", "leaf") is not first
    assert len(keys) == 2
    pki_a, pki_b = RdsPki(keys=keys), RdsPki(keys=keys)
    a = pki_a.root("rds-ca-ecc384-g1", "us-east-1")
    b = pki_b.root("rds-ca-ecc384-g1", "us-east-1")
    assert a.public_key() == b.public_key()
    with pytest.raises(KeyError, match="unknown CA identifier"):
        keys.key("rds-ca-bogus", "root")
