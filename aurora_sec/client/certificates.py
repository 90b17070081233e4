"""The RDS certificate authorities and per-instance server certificates, built with ``cryptography``.

For each CA identifier of :mod:`aurora_sec.catalog.certificates` the emulator builds what a
client meets on the wire and in the bundle it downloads:

===================  ===========================================  ==========================
CA identifier        chain a server presents (leaf first)          in the global bundle
===================  ===========================================  ==========================
rds-ca-rsa2048-g1    leaf <- ``Amazon RDS <region> Subordinate CA   ``Amazon RDS <region> Root
                     RSA2048 G1.A.3``                               CA RSA2048 G1``
rds-ca-rsa4096-g1    leaf <- ``... Subordinate CA RSA4096 G1.A.3``  ``... Root CA RSA4096 G1``
rds-ca-ecc384-g1     leaf <- ``... Subordinate CA ECC384 G1.A.3``   ``... Root CA ECC384 G1``
rds-ca-2019          leaf <- ``Amazon RDS <region> 2019 CA``        ``Amazon RDS Root 2019 CA``
                                                                    and the regional 2019 CA
===================  ===========================================  ==========================

Names, orders of name attributes, key types, hashes and extensions follow real certificates:

* Roots and the regional 2019 CAs: a copy of ``global-bundle.pem`` (Dec 2023, shipped by
  voltone/aws_rds_castore ``priv/global-bundle.pem``) and a listing of a later bundle quoted
  in a public repository: G1 roots ``C=US, O=Amazon Web Services, Inc., OU=Amazon RDS,
  ST=WA, CN=Amazon RDS us-east-1 Root CA RSA2048 G1, L=Seattle``, critical BasicConstraints
  (CA, no path length), SKI, critical KeyUsage digitalSignature+keyCertSign+cRLSign, no AKI;
  RSA-2048/SHA-256 (valid 40 years), RSA-4096/SHA-384 and P-384/SHA-384 (100 years).
  ``Amazon RDS Root 2019 CA``: ``C, L, ST=Washington, O, OU, CN``, RSA-2048/SHA-256, critical
  KeyUsage keyCertSign+cRLSign, BasicConstraints, SKI, AKI = SKI, valid 2019-08-22T17:08:50Z
  to 2024-08-22T17:08:50Z. ``Amazon RDS us-east-1 2019 CA``: ``C, ST=Washington, L, O, OU, CN``.
* A server certificate (voltone/aws_rds_castore#4, me-south-1, 2023): subject ``CN=<instance
  endpoint>, OU=RDS, O=Amazon.com, L=Seattle, ST=Washington, C=US`` in that order, issuer
  ``... Subordinate CA ECC384 G1.A.3`` (same name layout as the root), an EC key,
  ecdsa-with-SHA384, valid one year, extensions SAN (non-critical), BasicConstraints
  (non-critical, not a CA), AKI, SKI. An Aurora certificate (mysql-net/MySqlConnector#498):
  CN = the instance endpoint, SANs = cluster, cluster-ro and instance endpoints in that
  order (which decides libpq's ``server certificate for "<first SAN>" (and 2 other names)``).

UNCONFIRMED (documented choices): the subordinate CAs' validity (root's) and extensions
(critical BasicConstraints with path length 0, critical KeyUsage, SKI, AKI); ``.A.3`` for
every region and key type; the leaf key (P-384 under the ECC CA, RSA-2048 under the RSA
CAs); the leaf KeyUsage (critical; digitalSignature, plus keyEncipherment for RSA) and EKU
(serverAuth); the G1 roots' validity is the catalogue's (the real us-east-1 roots start at
22:34:57 / 22:38:35 / 22:41:55 on 2021-05-25 and end an hour later on the same day of 2061 /
2121 / 2121, other regions differ by minutes). Every certificate verifies under
``cryptography.x509.verification``'s web-PKI policy (tested).

Determinism and cost. Names, serials and validity are deterministic. The CA certificates
(roots and subordinates) are the same for every account of a process, as the RDS CAs are the
same for every AWS account: their serials come from one fixed seed, and they are built once
per process (per :class:`KeyStore`). A server certificate's serial comes from the account's
:class:`SerialSource` (an account's ``IdGenerator`` is one: ``token(kind)``). Key material
cannot be derived from a seed with ``cryptography`` (RSA key generation is not seedable), so
keys are random and generated once per process per (CA identifier, role) in a
:class:`KeyStore` (RSA-4096 costs about 0.4 s): two accounts in one process share keys,
certificates are byte-identical across runs except for keys and signatures. Every region's
root and subordinate of one CA share a key; only names tell them apart, which is what chain
building uses. Certificates are built when first asked for and cached by :class:`RdsPki`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final, Literal, Protocol

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aurora_sec.catalog import certificates as catalog

__all__ = [
    "PROCESS_KEYS",
    "PROFILES",
    "CaProfile",
    "KeyStore",
    "RdsPki",
    "SeededSerials",
    "SerialSource",
    "TlsIdentity",
    "certificates_pem",
]

KeyKind = Literal["rsa2048", "rsa4096", "ec384"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Role = Literal["root", "intermediate", "leaf"]

_UTC = _dt.UTC


@attrs.frozen
class CaProfile:
    """How one CA identifier's certificates are built (names, keys, hash)."""

    identifier: str
    key: KeyKind
    hash: Literal["sha256", "sha384"]
    root_cn: str  # ``{region}`` is replaced; the 2019 root is global
    intermediate_cn: str
    leaf_key: KeyKind
    generation: Literal["2019", "g1"]

    def hash_algorithm(self) -> hashes.SHA256 | hashes.SHA384:
        return hashes.SHA256() if self.hash == "sha256" else hashes.SHA384()

    @property
    def info(self) -> catalog.CertificateInfo:
        info = catalog.lookup(self.identifier, include_retired=True)
        if info is None:  # pragma: no cover - PROFILES and the catalogue are kept in step
            raise KeyError(self.identifier)
        return info


#: One profile per CA identifier of the catalogue.
PROFILES: Mapping[str, CaProfile] = MappingProxyType(
    {
        p.identifier: p
        for p in (
            CaProfile(
                "rds-ca-2019",
                "rsa2048",
                "sha256",
                "Amazon RDS Root 2019 CA",
                "Amazon RDS {region} 2019 CA",
                "rsa2048",
                "2019",
            ),
            CaProfile(
                "rds-ca-rsa2048-g1",
                "rsa2048",
                "sha256",
                "Amazon RDS {region} Root CA RSA2048 G1",
                "Amazon RDS {region} Subordinate CA RSA2048 G1.A.3",
                "rsa2048",
                "g1",
            ),
            CaProfile(
                "rds-ca-rsa4096-g1",
                "rsa4096",
                "sha384",
                "Amazon RDS {region} Root CA RSA4096 G1",
                "Amazon RDS {region} Subordinate CA RSA4096 G1.A.3",
                "rsa2048",
                "g1",
            ),
            CaProfile(
                "rds-ca-ecc384-g1",
                "ec384",
                "sha384",
                "Amazon RDS {region} Root CA ECC384 G1",
                "Amazon RDS {region} Subordinate CA ECC384 G1.A.3",
                "ec384",
                "g1",
            ),
        )
    }
)

# The real 2019 root (global-bundle.pem): catalogue's ValidTill, and its own ValidFrom.
_ROOT_2019_NOT_BEFORE: Final = _dt.datetime(2019, 8, 22, 17, 8, 50, tzinfo=_UTC)


def profile(ca_identifier: str) -> CaProfile:
    """The profile of a CA identifier (case-insensitive), or KeyError."""
    found = PROFILES.get(ca_identifier.lower())
    if found is None:
        raise KeyError(f"unknown CA identifier: {ca_identifier!r}")
    return found


# --------------------------------------------------------------------------------------------
# Keys and serials
# --------------------------------------------------------------------------------------------


class KeyStore:
    """Private keys, generated on first use and kept: one per (CA identifier, role).

    :data:`PROCESS_KEYS` is the process-wide store every :class:`RdsPki` uses by default,
    because key generation dominates the cost of a certificate (RSA-4096: about 0.4 s) and
    key bytes are random anyway. Pass a fresh store to isolate an experiment.
    """

    def __init__(self) -> None:
        self._keys: dict[tuple[str, Role], PrivateKey] = {}
        self._lock = threading.Lock()

    def key(self, ca_identifier: str, role: Role) -> PrivateKey:
        slot = (ca_identifier, role)
        found = self._keys.get(slot)
        if found is not None:
            return found
        with self._lock:
            found = self._keys.get(slot)
            if found is None:
                p = profile(ca_identifier)
                found = _generate(p.leaf_key if role == "leaf" else p.key)
                self._keys[slot] = found
            return found

    def warm(self, ca_identifiers: Iterable[str] = tuple(PROFILES)) -> None:
        """Generate every key of these CAs now (for a test session's start-up)."""
        for identifier in ca_identifiers:
            roles: tuple[Role, ...] = ("root", "intermediate", "leaf")
            for role in roles:
                self.key(identifier, role)

    def __len__(self) -> int:
        return len(self._keys)


def _generate(kind: KeyKind) -> PrivateKey:
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(
        public_exponent=65537, key_size=2048 if kind == "rsa2048" else 4096
    )


#: The key store shared by every :class:`RdsPki` of the process unless told otherwise.
PROCESS_KEYS: Final = KeyStore()


class SerialSource(Protocol):
    """Deterministic bytes by kind: an account's ``IdGenerator`` (``acct.ids``) is one.

    ``derive`` is a pure function of the kind (it moves no counter), so issuing a certificate
    on first use changes nothing a snapshot of the account holds.
    """

    def token(self, kind: str, length: int = 16) -> bytes: ...

    def derive(self, kind: str, length: int = 16) -> bytes: ...


class SeededSerials:
    """A :class:`SerialSource` from a seed alone: ``sha256(seed, kind, n)`` for the n-th call."""

    def __init__(self, seed: int | str = 0) -> None:
        self._seed = str(seed).encode()
        self._counters: dict[str, int] = {}

    def token(self, kind: str, length: int = 16) -> bytes:
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return self._hash(kind, n)[:length]

    def derive(self, kind: str, length: int = 16) -> bytes:
        return self._hash(kind, 0)[:length]

    def _hash(self, kind: str, n: int) -> bytes:
        return hashlib.sha256(self._seed + b"\0" + kind.encode() + b"\0" + str(n).encode()).digest()


def _serial(source: SerialSource, kind: str, *, derived: bool = False) -> int:
    raw = bytearray(source.derive(kind, 16) if derived else source.token(kind, 16))
    raw[0] &= 0x7F  # positive, at most 127 bits
    raw[0] |= 0x40  # and always 16 bytes long, like the real ones
    return int.from_bytes(raw, "big")


def _leaf_serial_kind(
    identifier: str,
    region: str,
    common_name: str,
    names: Iterable[x509.DNSName],
    not_before: _dt.datetime,
) -> str:
    """A server certificate's serial is derived from what it certifies (CA, endpoint, SANs,
    issue time): the same certificate always gets the same serial, another one another."""
    sans = ",".join(n.value for n in names)
    return f"cert-serial:{identifier}:{region}:{common_name}:{sans}:{not_before.isoformat()}"


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def _name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)])
            for oid, value in attributes
        ]
    )


_O_AWS: Final = "Amazon Web Services, Inc."


def _g1_ca_name(common_name: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.ORGANIZATION_NAME, _O_AWS),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Amazon RDS"),
        (NameOID.STATE_OR_PROVINCE_NAME, "WA"),
        (NameOID.COMMON_NAME, common_name),
        (NameOID.LOCALITY_NAME, "Seattle"),
    )


def _root_2019_name(common_name: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.LOCALITY_NAME, "Seattle"),
        (NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
        (NameOID.ORGANIZATION_NAME, _O_AWS),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Amazon RDS"),
        (NameOID.COMMON_NAME, common_name),
    )


def _intermediate_2019_name(common_name: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
        (NameOID.LOCALITY_NAME, "Seattle"),
        (NameOID.ORGANIZATION_NAME, _O_AWS),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Amazon RDS"),
        (NameOID.COMMON_NAME, common_name),
    )


def _leaf_name(common_name: str) -> x509.Name:
    return _name(
        (NameOID.COMMON_NAME, common_name),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "RDS"),
        (NameOID.ORGANIZATION_NAME, "Amazon.com"),
        (NameOID.LOCALITY_NAME, "Seattle"),
        (NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
        (NameOID.COUNTRY_NAME, "US"),
    )


# --------------------------------------------------------------------------------------------
# The identity a server presents
# --------------------------------------------------------------------------------------------

TLS_VERSIONS: Final = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


@attrs.frozen(repr=False, eq=False)
class TlsIdentity:
    """What a server presents in a TLS handshake: its chain (leaf first) and private key.

    ``tls_versions`` are the protocol versions the server will speak (its
    ``ssl_min_protocol_version`` .. ``ssl_max_protocol_version``, as the engine computes
    them). The key never appears in a repr.
    """

    chain: tuple[x509.Certificate, ...]
    key: PrivateKey
    ca_identifier: str | None = None
    tls_versions: tuple[str, ...] = ("TLSv1.2", "TLSv1.3")

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    def chain_pem(self) -> bytes:
        """The chain as PEM, leaf first (a server's ``ssl_cert_file``)."""
        return certificates_pem(self.chain)

    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (a server's ``ssl_key_file``)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def with_tls_versions(self, versions: Iterable[str]) -> TlsIdentity:
        return attrs.evolve(self, tls_versions=tuple(versions))

    def __repr__(self) -> str:
        cn = self.leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        subject = str(cn[0].value) if cn else self.leaf.subject.rfc4514_string()
        return f"TlsIdentity(leaf={subject!r}, ca={self.ca_identifier!r}, tls_versions={self.tls_versions!r})"


def certificates_pem(certs: Iterable[x509.Certificate]) -> bytes:
    """Certificates as concatenated PEM blocks."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


# --------------------------------------------------------------------------------------------
# The hierarchy
# --------------------------------------------------------------------------------------------


def _add_years(moment: _dt.datetime, years: int) -> _dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


#: The seed of the CA certificates' serials: the same for every account, as the RDS CAs are.
_CA_SERIAL_SEED: Final = "rds-ca"
#: CA certificates per (key store id, role, CA identifier, region): the store is kept in the
#: entry, so its id stays its own. Signing a subordinate CA is most of a fresh cluster's
#: first connect; with the CAs shared, only the server certificate is signed per cluster.
_SHARED_CAS: dict[tuple[int, str, str, str], tuple[KeyStore, x509.Certificate]] = {}
_SHARED_LOCK: Final = threading.RLock()


class RdsPki:
    """The RDS CAs of one account (or any caller): roots, subordinates, server identities.

    Everything is built on first use and cached here. ``serials`` gives the certificates
    their serial numbers (``acct.ids`` in an account); ``keys`` defaults to the process-wide
    :data:`PROCESS_KEYS`.
    """

    def __init__(
        self, serials: SerialSource | None = None, *, keys: KeyStore | None = None
    ) -> None:
        self._serials: SerialSource = serials if serials is not None else SeededSerials(0)
        self._keys = keys if keys is not None else PROCESS_KEYS
        self._roots: dict[tuple[str, str], x509.Certificate] = {}
        self._intermediates: dict[tuple[str, str], x509.Certificate] = {}
        self._lock = threading.RLock()

    @property
    def keys(self) -> KeyStore:
        return self._keys

    # -- CAs --------------------------------------------------------------------------------

    def root(self, ca_identifier: str, region: str) -> x509.Certificate:
        """The root CA certificate of this CA in this region (rds-ca-2019: one global root)."""
        p = profile(ca_identifier)
        slot = (p.identifier, "global" if p.generation == "2019" else region)
        found = self._roots.get(slot)
        if found is None:
            with self._lock:
                found = self._roots.get(slot)
                if found is None:
                    found = self._shared("root", slot, lambda: self._build_root(p, region))
                    self._roots[slot] = found
        return found

    def intermediate(self, ca_identifier: str, region: str) -> x509.Certificate:
        """The regional CA that signs server certificates."""
        p = profile(ca_identifier)
        slot = (p.identifier, region)
        found = self._intermediates.get(slot)
        if found is None:
            with self._lock:
                found = self._intermediates.get(slot)
                if found is None:
                    found = self._shared(
                        "intermediate", slot, lambda: self._build_intermediate(p, region)
                    )
                    self._intermediates[slot] = found
        return found

    def _shared(
        self, role: str, slot: tuple[str, str], build: Callable[[], x509.Certificate]
    ) -> x509.Certificate:
        """A CA certificate every account of the process shares (per key store), as every
        AWS account meets the same RDS CAs."""
        key = (id(self._keys), role, *slot)
        with _SHARED_LOCK:
            found = _SHARED_CAS.get(key)
            if found is None or found[0] is not self._keys:
                found = (self._keys, build())
                _SHARED_CAS[key] = found
        return found[1]

    def _build_root(self, p: CaProfile, region: str) -> x509.Certificate:
        key = self._keys.key(p.identifier, "root")
        info = p.info
        if p.generation == "2019":
            name = _root_2019_name(p.root_cn)
            not_before = _ROOT_2019_NOT_BEFORE
            ski = _ski(key)
            extensions: list[tuple[x509.ExtensionType, bool]] = [
                (_ku(cert_sign=True), True),
                (x509.BasicConstraints(ca=True, path_length=None), True),
                (ski, False),
                (x509.AuthorityKeyIdentifier(ski.digest, None, None), False),
            ]
            serial_kind = "cert-serial:rds-ca-2019:root"
        else:
            name = _g1_ca_name(p.root_cn.format(region=region))
            not_before = info.valid_from
            extensions = [
                (x509.BasicConstraints(ca=True, path_length=None), True),
                (_ski(key), False),
                (_ku(digital_signature=True, cert_sign=True), True),
            ]
            serial_kind = f"cert-serial:{p.identifier}:{region}:root"
        return _build(
            subject=name,
            issuer=name,
            public_key=key,
            signing_key=key,
            serial=_serial(SeededSerials(_CA_SERIAL_SEED), serial_kind),
            not_before=not_before,
            not_after=info.valid_till,
            extensions=extensions,
            hash_algorithm=p.hash_algorithm(),
        )

    def _build_intermediate(self, p: CaProfile, region: str) -> x509.Certificate:
        root = self.root(p.identifier, region)
        root_key = self._keys.key(p.identifier, "root")
        key = self._keys.key(p.identifier, "intermediate")
        cn = p.intermediate_cn.format(region=region)
        info = p.info
        if p.generation == "2019":
            name = _intermediate_2019_name(cn)
            not_before = info.valid_from  # the catalogue's ValidFrom is the regional CA's
        else:
            name = _g1_ca_name(cn)
            not_before = root.not_valid_before_utc
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_ku(digital_signature=True, cert_sign=True), True),
            (_ski(key), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False),
        ]
        return _build(
            subject=name,
            issuer=root.subject,
            public_key=key,
            signing_key=root_key,
            serial=_serial(
                SeededSerials(_CA_SERIAL_SEED), f"cert-serial:{p.identifier}:{region}:intermediate"
            ),
            not_before=not_before,
            not_after=root.not_valid_after_utc,
            extensions=extensions,
            hash_algorithm=p.hash_algorithm(),
        )

    # -- server identities ------------------------------------------------------------------

    def issue_server_identity(
        self,
        ca_identifier: str,
        region: str,
        *,
        common_name: str,
        dns_names: Iterable[str],
        issued_at: _dt.datetime,
        tls_versions: Iterable[str] = ("TLSv1.2", "TLSv1.3"),
        serial_kind: str | None = None,
    ) -> TlsIdentity:
        """A server certificate for one instance, and the chain the server sends with it.

        ``common_name`` is the instance endpoint; ``dns_names`` the SANs in order (for Aurora:
        cluster, cluster-ro and instance endpoints). Valid for a year from ``issued_at``
        (seconds dropped), never beyond its CA. ``serial_kind`` names the serial stream
        (default: derived from the CA, region, names and issue time, moving no counter).
        """
        p = profile(ca_identifier)
        intermediate = self.intermediate(p.identifier, region)
        ca_key = self._keys.key(p.identifier, "intermediate")
        key = self._keys.key(p.identifier, "leaf")
        not_before = issued_at.astimezone(_UTC).replace(microsecond=0)
        if not_before >= intermediate.not_valid_after_utc:
            raise ValueError(
                f"{p.identifier} expired at {intermediate.not_valid_after_utc.isoformat()}: "
                f"it cannot issue a certificate at {not_before.isoformat()}"
            )
        not_after = min(_add_years(not_before, 1), intermediate.not_valid_after_utc)
        names = [x509.DNSName(n) for n in dns_names]
        is_rsa = isinstance(key, rsa.RSAPrivateKey)
        extensions: list[tuple[x509.ExtensionType, bool]] = []
        if names:
            extensions.append((x509.SubjectAlternativeName(names), False))
        extensions += [
            (x509.BasicConstraints(ca=False, path_length=None), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
            (_ski(key), False),
            (_ku(digital_signature=True, key_encipherment=is_rsa), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ]
        cert = _build(
            subject=_leaf_name(common_name),
            issuer=intermediate.subject,
            public_key=key,
            signing_key=ca_key,
            serial=_serial(
                self._serials,
                serial_kind
                or _leaf_serial_kind(p.identifier, region, common_name, names, not_before),
                derived=serial_kind is None,
            ),
            not_before=not_before,
            not_after=not_after,
            extensions=extensions,
            hash_algorithm=p.hash_algorithm(),
        )
        return TlsIdentity((cert, intermediate), key, p.identifier, tuple(tls_versions))

    # -- bundles ----------------------------------------------------------------------------

    def bundle_certificates(self, regions: Iterable[str]) -> tuple[x509.Certificate, ...]:
        """What ``global-bundle.pem`` holds for these regions: every G1 root, each region's
        2019 CA, and the 2019 root."""
        certs: list[x509.Certificate] = []
        for region in regions:
            for identifier in ("rds-ca-rsa2048-g1", "rds-ca-ecc384-g1", "rds-ca-rsa4096-g1"):
                certs.append(self.root(identifier, region))
            certs.append(self.intermediate("rds-ca-2019", region))
        certs.append(self.root("rds-ca-2019", "global"))
        return tuple(certs)

    def ca_bundle_pem(self, regions: Iterable[str] | str) -> bytes:
        """The bundle a user downloads, for these regions (the real one lists every region)."""
        if isinstance(regions, str):
            regions = (regions,)
        return certificates_pem(self.bundle_certificates(regions))

    def region_bundle_pem(self, ca_identifier: str, region: str) -> bytes:
        """The root (and for rds-ca-2019 the regional CA) of one CA, as a per-region file."""
        p = profile(ca_identifier)
        if p.generation == "2019":
            return certificates_pem(
                [self.intermediate(p.identifier, region), self.root(p.identifier, region)]
            )
        return certificates_pem([self.root(p.identifier, region)])


def _ku(
    *, digital_signature: bool = False, key_encipherment: bool = False, cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _build(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PrivateKey,
    signing_key: PrivateKey,
    serial: int,
    not_before: _dt.datetime,
    not_after: _dt.datetime,
    extensions: list[tuple[x509.ExtensionType, bool]],
    hash_algorithm: hashes.SHA256 | hashes.SHA384,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hash_algorithm)
