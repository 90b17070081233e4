"""Who signed a request: the SigV4 ``Authorization`` header, read and checked as AWS does.

botocore signs every request with ``AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/
<service>/aws4_request, SignedHeaders=..., Signature=...``. The bridge knows the secret of every
key the account issued, so it recomputes the signature over the headers the client named
(``host`` is taken from the URL when the header is not set yet, as botocore does) and the
SHA-256 of the body, exactly the canonical request of SigV4.

The request's age (``X-Amz-Date`` against the server's clock) and session tokens are checked
by :mod:`.serve`, before the signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Final, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

__all__ = [
    "ALGORITHM",
    "Headers",
    "Signature",
    "lowered",
    "parse_authorization",
    "signature_matches",
]

ALGORITHM: Final = "AWS4-HMAC-SHA256"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class Headers(Protocol):
    """Request headers (botocore's ``HTTPHeaders``, http.server's message, a dict)."""

    def items(self) -> Iterable[tuple[str, str | bytes]]: ...


def lowered(headers: Headers) -> dict[str, str]:
    """The headers by lower-cased name, as text (the first of repeated names wins)."""
    out: dict[str, str] = {}
    # email.message.Message (botocore's HTTPHeaders, http.server's headers): raw_items skips
    # the policy's per-value parse, which only matters for values with surrogates (none here:
    # botocore sets text, http.server decodes latin-1)
    raw_items = getattr(headers, "raw_items", None)
    for name, value in raw_items() if raw_items is not None else headers.items():
        key = name.lower()
        if key not in out:
            out[key] = value.decode("utf-8") if isinstance(value, bytes) else value
    return out


#: (secret, date, region, service) -> the derived SigV4 signing key (a few recent ones).
_KEYS: dict[tuple[str, str, str, str], bytes] = {}


def _signing_key(secret: str, sig: Signature) -> bytes:
    cache_key = (secret, sig.date_stamp, sig.region, sig.service)
    key = _KEYS.get(cache_key)
    if key is None:
        key = _hmac(("AWS4" + secret).encode("utf-8"), sig.date_stamp)
        for part in (sig.region, sig.service, "aws4_request"):
            key = _hmac(key, part)
        if len(_KEYS) >= 64:
            _KEYS.clear()
        _KEYS[cache_key] = key
    return key


@attrs.frozen
class Signature:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key_id: str
    date_stamp: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date_stamp}/{self.region}/{self.service}/aws4_request"


def parse_authorization(header: str | None) -> Signature | None:
    """The header's parts, or None when it is missing or not SigV4."""
    if not header or not header.startswith(ALGORITHM + " "):
        return None
    fields: dict[str, str] = {}
    for part in header[len(ALGORITHM) + 1 :].split(","):
        key, eq, value = part.strip().partition("=")
        if eq:
            fields[key] = value
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or credential[4] != "aws4_request" or not credential[0]:
        return None
    if "SignedHeaders" not in fields or "Signature" not in fields:
        return None
    return Signature(
        access_key_id=credential[0],
        date_stamp=credential[1],
        region=credential[2],
        service=credential[3],
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
    )


def _host_from_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _quote(value: str) -> str:
    return quote(value, safe="-_.~")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


#: url -> (canonical path, canonical query, host from the URL): clients call few URLs.
_URLS: dict[str, tuple[str, str, str]] = {}


def _url_parts(url: str) -> tuple[str, str, str]:
    parts = _URLS.get(url)
    if parts is None:
        split = urlsplit(url)
        query = "&".join(
            f"{_quote(k)}={_quote(v)}"
            for k, v in sorted(parse_qsl(split.query, keep_blank_values=True))
        )
        parts = (quote(split.path or "/", safe="/~"), query, _host_from_url(url))
        if len(_URLS) >= 256:
            _URLS.clear()
        _URLS[url] = parts
    return parts


def signature_matches(
    sig: Signature,
    secret: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> bool:
    """True when ``sig`` is the SigV4 signature of this request under ``secret``.

    ``headers`` by lower-cased name (:func:`lowered`).
    """
    path, query, host = _url_parts(url)
    canonical_headers = []
    for name in sig.signed_headers:
        value = headers.get(name)
        if value is None:
            if name != "host":
                return False
            value = host
        canonical_headers.append(f"{name}:{' '.join(value.split())}\n")
    amz_date = headers.get("x-amz-date")
    if amz_date is None:
        return False
    amz_date = " ".join(amz_date.split())
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method.upper(),
            path,
            query,
            "".join(canonical_headers),
            ";".join(sig.signed_headers),
            " ".join(payload.split()),
        ]
    )
    to_sign = "\n".join(
        [ALGORITHM, amz_date, sig.scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    expected = hmac.new(
        _signing_key(secret, sig), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, sig.signature)
