"""Server certificate checks as libpq and pgjdbc make them, sans-IO, with their exact messages.

libpq (``fe-secure-openssl.c`` ``initialize_SSL`` / ``open_client_SSL``,
``fe-secure-common.c``):

1. **Root certificates** (:class:`RootCertificates`): ``sslrootcert``, else
   ``~/.postgresql/root.crt``; ``sslrootcert=system`` (16+) is the machine's trust store. A
   file that exists is loaded and the chain is verified in **every** sslmode (so
   ``require`` behaves like ``verify-ca``); one that cannot be read fails with ``could not
   read root certificate file "%s": <OpenSSL reason>``; a missing one is an error only for
   ``verify-ca`` / ``verify-full``: ``root certificate file "%s" does not exist`` and a second
   line that changed in 16.
2. **Chain** (during the handshake): ``SSL error: certificate verify failed`` for an unknown
   issuer, an expired or not-yet-valid certificate, a broken chain. Verified with
   ``cryptography.x509.verification`` against the caller's clock; only self-signed
   certificates of the root file are trust anchors (as OpenSSL without PARTIAL_CHAIN),
   the others help build the path.
3. **Host name** (``verify-full`` only, after the handshake): libpq's own rules, not
   cryptography's: SAN dNSName (and iPAddress from 15) first, the CN only when no SAN of the
   host's type exists (14 and older: when no dNSName exists), case-insensitive, a ``*.``
   wildcard covering exactly one left-most label; ``server certificate for "<first name>"
   (and N other names) does not match host name "<host>"``.

pgjdbc (``LibPQFactory``, ``MakeSSL``, ``PGjdbcHostnameVerifier``): only ``verify-ca`` /
``verify-full`` load ``sslrootcert`` (missing: ``Could not open SSL root certificate file
<path>.``); ``require`` and below never verify; the JSSE texts of a failed chain are
recorded from pgjdbc 42.7.13 on OpenJDK 17 (tests/client/data).

Verification results are cached in a :class:`CertificateChecker` (one per account or
client), keyed by the root certificates and the presented chain, and reused while the clock
stays inside the verified chain's validity window, so a warm verify-full connection costs a
few dictionary lookups; behind that, root files, trust anchors, verified chains and
self-signatures are memoised for the whole process (pure functions of the certificates and
the clock), so a new client of a known cluster does not verify again.

Observed with real libpq 15.18 and 18.6 (tests/client/test_verify_oracle.py): the OpenSSL
reasons of an unreadable root file are ``no certificate or crl found`` (no PEM certificate:
empty, text, DER, a key only), ``bad base64 decode``, ``wrong tag`` (a PEM block that is not
DER). OpenSSL reports the *oldest* error of its per-thread queue, so a process that failed a
handshake before may print a stale reason (``shutdown while in init``); the emulator gives
the clean-process text.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import ipaddress
import re
import socket
from collections.abc import Sequence
from typing import Final, Literal

import attrs
from cryptography import x509
from cryptography.x509 import verification as xv
from cryptography.x509.oid import NameOID

from aurora_sec.client.conninfo import ConnectOptions, Libpq
from aurora_sec.client.machine import ClientMachine

__all__ = [
    "CertCheck",
    "CertificateChecker",
    "RootCertificates",
    "libpq_host_check",
    "load_pem_bundle",
]

RootKind = Literal["file", "missing", "system", "no_home"]
Stage = Literal["setup", "handshake", "hostname"]

_PEM_BLOCK: Final = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL
)
_CERT_LABELS: Final = frozenset({b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CERTIFICATE"})


def load_pem_bundle(data: bytes) -> tuple[x509.Certificate, ...] | str:
    """Certificates of a PEM file as OpenSSL's ``X509_load_cert_crl_file`` reads them.

    Returns the certificates, or the OpenSSL reason string of the failure.
    """
    certs: list[x509.Certificate] = []
    crls = 0
    for match in _PEM_BLOCK.finditer(data):
        label, body = match.group(1), match.group(2)
        if label not in _CERT_LABELS and label != b"X509 CRL":
            continue
        try:
            der = base64.b64decode(re.sub(rb"\s+", b"", body), validate=True)
        except (binascii.Error, ValueError):
            return "bad base64 decode"
        if label == b"X509 CRL":
            crls += 1
            continue
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError:
            # UNCONFIRMED beyond "wrong tag" (observed for DER that is not a SEQUENCE).
            return "wrong tag" if der[:1] != b"\x30" else "nested asn1 error"
    if not certs and not crls:
        return "no certificate or crl found"
    return tuple(certs)


@attrs.frozen
class RootCertificates:
    """Where a client's trusted roots come from, and their bytes.

    ``kind``: ``file`` (exists; ``data`` holds its bytes), ``missing`` (``path`` names the
    file that does not exist), ``system`` (``sslrootcert=system``, 16+: the machine's trust
    store, ``system_roots``), ``no_home`` (no ``sslrootcert`` and no home directory).
    """

    kind: RootKind
    path: str = ""
    data: bytes | None = None
    system_roots: tuple[x509.Certificate, ...] = ()

    @classmethod
    def for_libpq(
        cls,
        sslrootcert: str | None,
        machine: ClientMachine,
        libpq: Libpq,
        system_roots: Sequence[x509.Certificate] = (),
    ) -> RootCertificates:
        """``initialize_SSL``'s choice of root file."""
        if sslrootcert:
            path = sslrootcert
        elif machine.home is not None:
            path = f"{machine.home}/.postgresql/root.crt"
        else:
            return cls("no_home")
        if path == "system" and libpq.rule("libpq.sslrootcert_system"):
            return cls("system", "system", None, tuple(system_roots))
        data = machine.read(path)
        if data is None:
            return cls("missing", path)
        return cls("file", path, data)

    @classmethod
    def for_options(
        cls,
        options: ConnectOptions,
        machine: ClientMachine,
        system_roots: Sequence[x509.Certificate] = (),
    ) -> RootCertificates:
        return cls.for_libpq(options.sslrootcert, machine, options.libpq, system_roots)


@attrs.frozen
class CertCheck:
    """The verdict on a server certificate: ``ok``, or where and how it failed.

    ``lines`` are the driver's message lines (libpq: without the ``connection to server at
    ...`` prefix, which the negotiation adds). ``verified`` tells whether the chain was
    checked against trusted roots at all (``require`` without a root file: False).
    """

    ok: bool
    verified: bool
    stage: Stage | None = None
    lines: tuple[str, ...] = ()
    sqlstate: str | None = None  # pgjdbc only

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


_OK_UNVERIFIED: Final = CertCheck(True, False)
_OK_VERIFIED: Final = CertCheck(True, True)
_VERIFY_FAILED: Final = CertCheck(
    False, True, "handshake", ("SSL error: certificate verify failed",)
)

# --------------------------------------------------------------------------------------------
# libpq host name matching (fe-secure-common.c, fe-secure-openssl.c)
# --------------------------------------------------------------------------------------------

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _casefold(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _wildcard_match(pattern: str, host: str) -> bool:
    """``wildcard_certificate_match``: ``*.`` then the rest, case-insensitive, one label."""
    lenpat, lenstr = len(pattern), len(host)
    if lenpat < 3 or pattern[0] != "*" or pattern[1] != ".":
        return False
    if lenpat > lenstr:
        return False
    if _casefold(pattern[1:]) != _casefold(host[lenstr - lenpat + 1 :]):
        return False
    first_dot = host.find(".")
    return not (first_dot == -1 or first_dot < lenstr - lenpat)


def _inet_aton(host: str) -> bytes | None:
    try:
        return socket.inet_aton(host)
    except (OSError, ValueError):
        return None


def _inet_pton6(host: str) -> bytes | None:
    try:
        return socket.inet_pton(socket.AF_INET6, host)
    except (OSError, ValueError):
        return None


class _NameError(Exception):
    pass


def _match_name(name: str, host: str) -> bool:
    if "\0" in name:
        raise _NameError("SSL certificate's name contains embedded null")
    return _casefold(name) == _casefold(host) or _wildcard_match(name, host)


def _match_ip(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str
) -> tuple[bool, str]:
    packed = address.packed
    mine = _inet_aton(host) if len(packed) == 4 else _inet_pton6(host)
    return (mine == packed, str(address))


def _names(cert: x509.Certificate) -> tuple[list[x509.GeneralName], str | None]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        general = list(san)
    except x509.ExtensionNotFound:
        general = []
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = cns[0].value if cns else None
    return general, (
        cn if isinstance(cn, str) else (cn.decode("latin-1") if cn is not None else None)
    )


def libpq_host_check(leaf: x509.Certificate, host: str | None, libpq: Libpq) -> CertCheck:
    """``pq_verify_peer_name_matches_certificate`` for ``verify-full``."""
    if not host:
        return CertCheck(
            False, True, "hostname", ("host name must be specified for a verified SSL connection",)
        )
    general, cn = _names(leaf)
    ip_aware = bool(libpq.rule("libpq.ip_san"))
    examined = 0
    first: str | None = None
    rc = 0
    try:
        if ip_aware:
            host_is_ip = _inet_aton(host) is not None or _inet_pton6(host) is not None
            check_cn = True
            for name in general:
                if isinstance(name, x509.IPAddress if host_is_ip else x509.DNSName):
                    check_cn = False
                shown: str | None = None
                if isinstance(name, x509.DNSName):
                    examined += 1
                    shown = name.value
                    rc = 1 if _match_name(name.value, host) else 0
                elif isinstance(name, x509.IPAddress):
                    examined += 1
                    value = name.value
                    if not isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
                        raise _NameError(
                            f"certificate contains IP address with invalid length {len(value.network_address.packed)}"
                        )
                    matched, shown = _match_ip(value, host)
                    rc = 1 if matched else 0
                if shown is not None and first is None:
                    first = shown
                if rc != 0:
                    check_cn = False
                    break
            if check_cn and cn is not None:
                examined += 1
                rc = 1 if _match_name(cn, host) else 0
                if first is None:
                    first = cn
        else:
            for name in general:
                if isinstance(name, x509.DNSName):
                    examined += 1
                    rc = 1 if _match_name(name.value, host) else 0
                    if first is None:
                        first = name.value
                if rc != 0:
                    break
            if examined == 0 and cn is not None:
                examined += 1
                rc = 1 if _match_name(cn, host) else 0
                first = cn
    except _NameError as exc:
        return CertCheck(False, True, "hostname", (str(exc),))
    if rc == 1:
        return _OK_VERIFIED
    if examined > 1:
        others = examined - 1
        noun = "name" if others == 1 else "names"
        text = (
            f'server certificate for "{first}" (and {others} other {noun}) '
            f'does not match host name "{host}"'
        )
    elif examined == 1:
        text = f'server certificate for "{first}" does not match host name "{host}"'
    else:
        text = "could not get server's host name from server certificate"
    return CertCheck(False, True, "hostname", (text,))


# --------------------------------------------------------------------------------------------
# Chain verification with a cache
# --------------------------------------------------------------------------------------------

_PERMIT_ALL_EE: Final = xv.ExtensionPolicy.permit_all()
_CA_POLICY: Final = xv.ExtensionPolicy.webpki_defaults_ca()


#: ``_self_signed`` per certificate object, for the whole process (the entry keeps the object,
#: so its id stays its own): an ECDSA P-384 self-signature costs about 0.6 ms to check.
_SELF_SIGNED: dict[int, tuple[x509.Certificate, bool]] = {}
#: Verified chains for the whole process: (trusted ids, presented ids) -> the objects (kept
#: alive, so the ids stay theirs) and the validity window of the verified path. Root files
#: are read once per process (``_ROOT_FILES``) and an instance presents the same chain
#: objects to every client, so a new client of a known cluster does not verify again.
_VERIFIED: dict[
    tuple[tuple[int, ...], tuple[int, ...]], tuple[object, _dt.datetime, _dt.datetime]
] = {}
_PROCESS_CACHE_MAX: Final = 4096
#: Root files read, for the whole process: their bytes -> certificates (or OpenSSL's reason).
#: Certificates are immutable, so every checker may share them.
_ROOT_FILES: dict[bytes, tuple[x509.Certificate, ...] | str] = {}


def _self_signed(cert: x509.Certificate) -> bool:
    known = _SELF_SIGNED.get(id(cert))
    if known is not None and known[0] is cert:
        return known[1]
    if not _named_by_itself(cert):
        verdict = False
    else:
        try:
            cert.verify_directly_issued_by(cert)
        except (ValueError, TypeError, Exception):
            verdict = False
        else:
            verdict = True
    if len(_SELF_SIGNED) >= _PROCESS_CACHE_MAX:
        _SELF_SIGNED.clear()
    _SELF_SIGNED[id(cert)] = (cert, verdict)
    return verdict


def _der_element(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the content, end of the element) of the DER element at ``at``."""
    tag = data[at]
    length = data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    return tag, start, start + length


def _raw_issuer_and_subject(cert: x509.Certificate) -> tuple[bytes, bytes] | None:
    """The DER bytes of the issuer and subject Names, read from the TBSCertificate."""
    try:
        tbs = cert.tbs_certificate_bytes
        _tag, at, _end = _der_element(tbs, 0)  # TBSCertificate SEQUENCE
        tag, _start, end = _der_element(tbs, at)
        if tag == 0xA0:  # [0] EXPLICIT version
            at = end
        _tag, _start, at = _der_element(tbs, at)  # serialNumber
        _tag, _start, at = _der_element(tbs, at)  # signature AlgorithmIdentifier
        _tag, _start, end = _der_element(tbs, at)  # issuer
        issuer = tbs[at:end]
        _tag, _start, at = _der_element(tbs, end)  # validity
        _tag, _start, end = _der_element(tbs, at)  # subject
        return issuer, tbs[at:end]
    except (IndexError, ValueError):
        return None


def _named_by_itself(cert: x509.Certificate) -> bool:
    """``subject == issuer``: equal bytes are equal names; otherwise compare the Names."""
    raw = _raw_issuer_and_subject(cert)
    if raw is not None and raw[0] == raw[1]:
        return True
    return cert.subject == cert.issuer


@attrs.frozen
class _Anchors:
    store: xv.Store | None
    intermediates: tuple[x509.Certificate, ...]


class _AnchorsEntry:
    """A root file's anchors: by name at once, exact (self-signatures checked) when needed."""

    __slots__ = ("candidate", "certs", "exact")

    def __init__(self, certs: tuple[x509.Certificate, ...], candidate: _Anchors) -> None:
        self.certs = certs
        self.candidate = candidate
        self.exact: _Anchors | None = None


#: Anchors per set of root certificates, for the whole process (keyed by the objects' ids;
#: each entry keeps its certificates alive).
_ANCHORS: dict[tuple[int, ...], _AnchorsEntry] = {}


class CertificateChecker:
    """Verifies presented chains against root bytes at a time, with a bounded cache.

    Owned by the caller (an account or a client). Its caches are keyed by object identity
    (the objects are kept alive with the entries); behind them, root files (by their bytes),
    anchors, verified chains and self-signature checks are memoised for the process, so a
    new client of a known cluster does not verify again.

    Trust anchors are the self-signed certificates of the root file. Checking every
    self-signature of a bundle up front is most of a first verification's cost, so the path
    is first built with the certificates whose subject is their issuer as anchors and only
    the anchor the path ends at has its self-signature checked; when that fails, or no path
    is found, the exact anchors are computed and the verification repeated with them, so
    the verdict is always the one of the exact anchor set.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._max = max_entries
        self._roots: dict[bytes, tuple[x509.Certificate, ...] | str] = {}
        # key -> (kept objects, window start, window end) or failure times
        self._ok: dict[tuple[object, ...], tuple[object, _dt.datetime, _dt.datetime]] = {}
        self._failed: dict[tuple[object, ...], set[_dt.datetime]] = {}
        self._hosts: dict[tuple[int, str | None, bool], tuple[x509.Certificate, CertCheck]] = {}

    # -- root files -------------------------------------------------------------------------

    def roots(self, data: bytes) -> tuple[x509.Certificate, ...] | str:
        """The certificates of a root file, or OpenSSL's reason for rejecting it (cached)."""
        found = self._roots.get(data)
        if found is None:
            found = _ROOT_FILES.get(data)
            if found is None:
                found = load_pem_bundle(data)
                if len(_ROOT_FILES) >= _PROCESS_CACHE_MAX:
                    _ROOT_FILES.clear()
                _ROOT_FILES[data] = found
            if len(self._roots) >= self._max:
                self._roots.clear()
            self._roots[data] = found
        return found

    @staticmethod
    def _anchors_entry(certs: tuple[x509.Certificate, ...]) -> _AnchorsEntry:
        key = tuple(id(c) for c in certs)
        found = _ANCHORS.get(key)
        if found is None or found.certs != certs:
            named: list[x509.Certificate] = []
            other: list[x509.Certificate] = []
            for cert in certs:
                (named if _named_by_itself(cert) else other).append(cert)
            candidate = _Anchors(xv.Store(named) if named else None, tuple(other))
            if len(_ANCHORS) >= _PROCESS_CACHE_MAX:
                _ANCHORS.clear()
            # the entry keeps the certificates alive, so their ids stay theirs
            found = _AnchorsEntry(certs, candidate)
            _ANCHORS[key] = found
        return found

    def _exact_anchors(self, certs: tuple[x509.Certificate, ...]) -> _Anchors:
        entry = self._anchors_entry(certs)
        if entry.exact is None:
            anchors: list[x509.Certificate] = []
            helpers: list[x509.Certificate] = []
            for cert in certs:
                (anchors if _self_signed(cert) else helpers).append(cert)
            entry.exact = _Anchors(xv.Store(anchors) if anchors else None, tuple(helpers))
        return entry.exact

    @staticmethod
    def _verify(
        anchors: _Anchors, presented: Sequence[x509.Certificate], now: _dt.datetime
    ) -> list[x509.Certificate] | None:
        if anchors.store is None:
            return None
        verifier = (
            xv.PolicyBuilder()
            .store(anchors.store)
            .time(now)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_PERMIT_ALL_EE)
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(presented[0], [*presented[1:], *anchors.intermediates])
        except xv.VerificationError:
            return None
        return list(verified.chain)

    # -- chains -----------------------------------------------------------------------------

    def chain_valid(
        self,
        trusted: tuple[x509.Certificate, ...],
        presented: Sequence[x509.Certificate],
        now: _dt.datetime,
    ) -> bool:
        """Whether ``presented`` (leaf first) chains to a self-signed cert of ``trusted`` at ``now``."""
        if not presented:
            return False
        key: tuple[object, ...] = (tuple(id(c) for c in trusted), tuple(id(c) for c in presented))
        hit = self._ok.get(key)
        if hit is not None and hit[1] <= now <= hit[2]:
            return True
        failed = self._failed.get(key)
        if failed is not None and now in failed:
            return False
        kept = (trusted, tuple(presented))
        process_key = (tuple(id(c) for c in trusted), tuple(id(c) for c in presented))
        known = _VERIFIED.get(process_key)
        window: tuple[_dt.datetime, _dt.datetime] | None = None
        if known is not None and known[0] == kept and known[1] <= now <= known[2]:
            window = (known[1], known[2])
        else:
            path = self._verify(self._anchors_entry(trusted).candidate, presented, now)
            if path is None or not _self_signed(path[-1]):
                path = self._verify(self._exact_anchors(trusted), presented, now)
            if path is not None:
                window = (
                    max(c.not_valid_before_utc for c in path),
                    min(c.not_valid_after_utc for c in path),
                )
                if len(_VERIFIED) >= _PROCESS_CACHE_MAX:
                    _VERIFIED.clear()
                _VERIFIED[process_key] = (kept, window[0], window[1])
        if len(self._ok) + len(self._failed) >= self._max:
            self._ok.clear()
            self._failed.clear()
        if window is not None:
            # keep the certificates alive so that their ids stay theirs while cached
            self._ok[key] = (kept, window[0], window[1])
            return True
        self._failed.setdefault(key, set()).add(now)
        self._ok.pop(key, None)
        return False

    def host_check(self, leaf: x509.Certificate, host: str | None, libpq: Libpq) -> CertCheck:
        """:func:`libpq_host_check`, cached per certificate and host name."""
        ip_aware = bool(libpq.rule("libpq.ip_san"))
        key = (id(leaf), host, ip_aware)
        found = self._hosts.get(key)
        if found is not None and found[0] is leaf:
            return found[1]
        check = libpq_host_check(leaf, host, libpq)
        if len(self._hosts) >= self._max:
            self._hosts.clear()
        self._hosts[key] = (leaf, check)  # the leaf is kept so that its id stays its own
        return check

    # -- libpq ------------------------------------------------------------------------------

    def check_libpq(
        self,
        *,
        libpq: Libpq,
        sslmode: str,
        root: RootCertificates,
        presented: Sequence[x509.Certificate],
        host: str | None,
        now: _dt.datetime,
    ) -> CertCheck:
        """What libpq concludes about the server's certificate once the server said ``S``.

        Stages: ``setup`` (the root file, before any handshake), ``handshake`` (the chain),
        ``hostname`` (verify-full). Any failure here makes ``prefer`` retry in plaintext.
        """
        verifying = sslmode in ("verify-ca", "verify-full")
        if root.kind == "missing" or root.kind == "no_home":
            if not verifying:
                return _OK_UNVERIFIED
            hint = str(libpq.rule("libpq.root_cert_missing_hint"))
            first = (
                "could not get home directory to locate root certificate file"
                if root.kind == "no_home"
                else f'root certificate file "{root.path}" does not exist'
            )
            return CertCheck(False, False, "setup", (first, hint))
        if root.kind == "system":
            trusted: tuple[x509.Certificate, ...] = root.system_roots
        else:
            loaded = self.roots(root.data or b"")
            if isinstance(loaded, str):
                return CertCheck(
                    False,
                    False,
                    "setup",
                    (f'could not read root certificate file "{root.path}": {loaded}',),
                )
            trusted = loaded
        if not self.chain_valid(trusted, presented, now):
            return _VERIFY_FAILED
        if sslmode != "verify-full":
            return _OK_VERIFIED
        return self.host_check(presented[0], host, libpq)

    # -- pgjdbc -----------------------------------------------------------------------------

    def check_pgjdbc(
        self,
        *,
        trust: Literal["none", "rootcert", "jvm"],
        verify_host: bool,
        rootcert: str | None,
        machine: ClientMachine,
        presented: Sequence[x509.Certificate],
        host: str,
        now: _dt.datetime,
        jvm_roots: Sequence[x509.Certificate] = (),
    ) -> CertCheck:
        """What pgjdbc concludes (``LibPQFactory`` / ``MakeSSL.verifyPeerName``)."""
        if trust == "rootcert":
            path = rootcert or ""
            data = machine.read(path)
            if data is None:
                return CertCheck(
                    False,
                    False,
                    "setup",
                    (f"Could not open SSL root certificate file {path}.",),
                    "08006",
                )
            loaded = self.roots(data)
            if isinstance(loaded, str):
                # UNCONFIRMED: JSSE's CertificateFactory may accept some files OpenSSL refuses.
                return CertCheck(
                    False,
                    False,
                    "setup",
                    (f"Loading the SSL root certificate {path} into a TrustManager failed.",),
                    "08006",
                )
            if not self.chain_valid(loaded, presented, now):
                return _jsse_failure(loaded, presented, now)
        elif trust == "jvm":
            trusted = tuple(jvm_roots)
            if not self.chain_valid(trusted, presented, now):
                return _jsse_failure(trusted, presented, now)
        if verify_host and not pgjdbc_host_matches(presented[0], host):
            return CertCheck(
                False,
                trust != "none",
                "hostname",
                (
                    f"The hostname {host} could not be verified by hostnameverifier PgjdbcHostnameVerifier.",
                ),
                "08006",
            )
        return CertCheck(True, trust != "none")


def _jsse_failure(
    trusted: tuple[x509.Certificate, ...], presented: Sequence[x509.Certificate], now: _dt.datetime
) -> CertCheck:
    """JSSE's text: path building fails for an unknown issuer, validation for a bad date."""
    in_time = all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in presented)
    if in_time:
        reason = (
            "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
            "unable to find valid certification path to requested target"
        )
    else:
        reason = "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"
    return CertCheck(False, True, "handshake", (f"SSL error: {reason}",), "08006")


def _pgjdbc_name_matches(hostname: str, pattern: str) -> bool:
    """``PGjdbcHostnameVerifier.verifyHostName``."""
    last_star = pattern.rfind("*")
    if last_star == -1:
        return hostname.lower() == pattern.lower()
    if last_star > 0 or "." not in pattern:
        return False
    if len(hostname) < len(pattern) - 1:
        return False
    offset = len(hostname) - len(pattern) + 1
    if hostname.rfind(".", 0, offset) >= 0:
        return False
    return hostname[offset:].lower() == pattern[1:].lower()


def pgjdbc_host_matches(leaf: x509.Certificate, hostname: str) -> bool:
    """``PGjdbcHostnameVerifier.verify``: SANs (DNS and IP) first, the CN only without a DNS SAN."""
    canonical = hostname[1:-1] if hostname.startswith("[") and hostname.endswith("]") else hostname
    try:
        if not canonical.startswith("["):
            canonical = (
                canonical.encode("idna").decode("ascii") if not canonical.isascii() else canonical
            )
    except UnicodeError:
        return False
    general, _cn = _names(leaf)
    any_dns = False
    for name in general:
        if isinstance(name, x509.DNSName):
            any_dns = True
            if _pgjdbc_name_matches(canonical, name.value):
                return True
        elif isinstance(name, x509.IPAddress):
            value = str(name.value)
            if _pgjdbc_name_matches(canonical, value):
                return True
    if any_dns:
        return False
    cns = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if not cns:
        return False
    common = cns[-1] if len(cns) > 1 else cns[0]
    return isinstance(common, str) and _pgjdbc_name_matches(canonical, common)
