"""How the server stores a role's password: md5 and SCRAM-SHA-256 secrets, exactly.

PostgreSQL never stores a plaintext password (src/backend/libpq/crypt.c ``encrypt_password``):

* ``md5`` secrets are ``'md5' || md5(password || rolname)`` in lower-case hex (35 characters);
* SCRAM secrets are ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` (base64), built
  with PBKDF2-HMAC-SHA256 over the SASLprep'd password (src/common/scram-common.c);
* a value that already *is* a secret (detected exactly as ``get_password_type`` does) is stored
  verbatim, whatever ``password_encryption`` says.

Computing a SCRAM secret costs 4096 PBKDF2 rounds (about 3 ms). The emulator pays that only
when something reads the secret: :class:`StoredPassword` keeps the plaintext (wrapped in a
:class:`~aurora_sec.secrets.Secret`) and a deterministic salt, and builds the secret on first
read. Nothing here ever appears in a repr.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import stringprep
import unicodedata
from typing import Literal

from aurora_sec.secrets import Secret

__all__ = [
    "PasswordType",
    "StoredPassword",
    "md5_secret",
    "password_type",
    "saslprep",
    "scram_secret",
    "verify_md5_response",
    "verify_plaintext",
]

PasswordType = Literal["md5", "scram-sha-256", "plaintext"]

SCRAM_DEFAULT_ITERATIONS = 4096
SCRAM_SALT_LEN = 16
_MD5_RE = re.compile(r"md5[0-9a-f]{32}")


def md5_secret(password: str, role: str) -> str:
    """``'md5' || md5(password || rolname)`` (role name case-sensitive, UTF-8 bytes)."""
    data = (password + role).encode("utf-8", "surrogatepass")
    return "md5" + hashlib.md5(data, usedforsecurity=False).hexdigest()


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _parse_scram(secret: str) -> tuple[int, bytes, bytes, bytes] | None:
    """``parse_scram_secret``: scheme, integer iterations, base64 salt, two 32-byte keys."""
    scheme, sep, rest = secret.partition("$")
    if not sep or scheme != "SCRAM-SHA-256":
        return None
    iter_salt, sep, keys = rest.partition("$")
    if not sep:
        return None
    iterations_text, sep, salt_text = iter_salt.partition(":")
    if not sep:
        return None
    stored_text, sep, server_text = keys.partition(":")
    if not sep:
        return None
    # strtol: optional leading whitespace and sign, digits, nothing trailing.
    if not re.fullmatch(r"\s*[+-]?[0-9]+", iterations_text):
        return None
    salt = _b64decode(salt_text)
    stored = _b64decode(stored_text)
    server = _b64decode(server_text)
    if salt is None or stored is None or server is None:
        return None
    if len(stored) != 32 or len(server) != 32:
        return None
    return int(iterations_text), salt, stored, server


def password_type(value: str) -> PasswordType:
    """``get_password_type``: is the text an md5 secret, a SCRAM secret, or plaintext?"""
    if len(value) == 35 and _MD5_RE.fullmatch(value):
        return "md5"
    if _parse_scram(value) is not None:
        return "scram-sha-256"
    return "plaintext"


# -- SASLprep (RFC 4013), as PostgreSQL's pg_saslprep applies it -----------------------------

_MAPS_TO_NOTHING = frozenset(
    "\u00ad\u034f\u1806\u180b\u180c\u180d\u200b\u200c\u200d\u2060\ufe00\ufe01\ufe02\ufe03"
    "\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff"
)


def _prohibited(ch: str) -> bool:
    return (
        stringprep.in_table_c12(ch)
        or stringprep.in_table_c21_c22(ch)
        or stringprep.in_table_c3(ch)
        or stringprep.in_table_c4(ch)
        or stringprep.in_table_c5(ch)
        or stringprep.in_table_c6(ch)
        or stringprep.in_table_c7(ch)
        or stringprep.in_table_c8(ch)
        or stringprep.in_table_c9(ch)
    )


def saslprep(password: str) -> str:
    """pg_saslprep; on any failure PostgreSQL uses the raw password, and so do we."""
    if password.isascii():
        return password  # pg_saslprep's fast path: pure ASCII is returned as is
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in password if c not in _MAPS_TO_NOTHING
    )
    normalized = unicodedata.normalize("NFKC", mapped)
    if not normalized or any(_prohibited(c) or stringprep.in_table_a1(c) for c in normalized):
        return password
    if any(stringprep.in_table_d1(c) for c in normalized):
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            return password
        if any(stringprep.in_table_d2(c) for c in normalized):
            return password
    return normalized


def _scram_keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    prepared = saslprep(password).encode("utf-8", "surrogatepass")
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return stored_key, server_key


def scram_secret(password: str, salt: bytes, iterations: int = SCRAM_DEFAULT_ITERATIONS) -> str:
    """``scram_build_secret``: the exact text PostgreSQL stores in ``rolpassword``."""
    stored_key, server_key = _scram_keys(password, salt, iterations)
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}$"
        f"{b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def verify_plaintext(secret: str, role: str, password: str) -> bool:
    """``plain_crypt_verify``: does ``password`` (sent in clear) match the stored secret?"""
    kind = password_type(secret)
    if kind == "md5":
        return hmac.compare_digest(md5_secret(password, role), secret)
    if kind == "scram-sha-256":
        parsed = _parse_scram(secret)
        assert parsed is not None
        iterations, salt, stored, server = parsed
        stored_key, server_key = _scram_keys(password, salt, iterations)
        return hmac.compare_digest(stored_key, stored) and hmac.compare_digest(server_key, server)
    return False


def verify_md5_response(secret: str, response: str, salt: bytes) -> bool:
    """The md5 challenge: ``'md5' || md5(secret_hex || salt)`` must equal the client's answer."""
    if password_type(secret) != "md5":
        return False
    expected = "md5" + hashlib.md5(secret[3:].encode() + salt, usedforsecurity=False).hexdigest()
    return hmac.compare_digest(expected, response)


class StoredPassword:
    """A role's ``rolpassword``: an md5 or SCRAM secret, built on first read.

    ``kind`` is known at once (it decides, for instance, whether a rename clears it); the
    secret text itself is computed lazily for SCRAM and cached.
    """

    __slots__ = ("_iterations", "_kind", "_plain", "_salt", "_secret")

    def __init__(
        self,
        kind: Literal["md5", "scram-sha-256"],
        *,
        secret: str | None = None,
        plain: Secret | None = None,
        salt: bytes | None = None,
        iterations: int = SCRAM_DEFAULT_ITERATIONS,
    ) -> None:
        if secret is None and (plain is None or (kind == "scram-sha-256" and salt is None)):
            raise ValueError("a stored password needs its secret, or the plaintext (and salt)")
        self._kind = kind
        self._secret = secret
        self._plain = plain
        self._salt = salt
        self._iterations = iterations

    @classmethod
    def verbatim(cls, secret: str) -> StoredPassword:
        """A value the client sent already hashed (stored as is)."""
        kind = password_type(secret)
        if kind == "plaintext":
            raise ValueError("not a password secret")
        return cls(kind, secret=secret)

    @property
    def kind(self) -> Literal["md5", "scram-sha-256"]:
        return self._kind

    def secret(self, role: str) -> str:
        """The ``rolpassword`` text (computed, then cached, for SCRAM)."""
        if self._secret is None:
            assert self._plain is not None
            if self._kind == "md5":
                return md5_secret(self._plain.reveal(), role)
            assert self._salt is not None
            self._secret = scram_secret(self._plain.reveal(), self._salt, self._iterations)
        return self._secret

    @property
    def salted(self) -> bool:
        """A SCRAM secret the emulator builds from the plaintext with a salt it drew: storing
        the same clause again draws a new salt (see :meth:`resalted`)."""
        return self._plain is not None and self._kind == "scram-sha-256"

    def resalted(self, salt: bytes) -> StoredPassword:
        """The same plaintext, iterations and kind, with another salt (a repeated PASSWORD)."""
        new = object.__new__(StoredPassword)
        new._kind = self._kind
        new._secret = None
        new._plain = self._plain
        new._salt = salt
        new._iterations = self._iterations
        return new

    def matches(self, role: str, password: str) -> bool:
        """Would ``password`` (in clear) authenticate this role? (cheap when we know the plaintext)"""
        if self._plain is not None:
            # Same answer as hashing it, without the PBKDF2 cost.
            expected = self._plain.reveal()
            if self._kind == "scram-sha-256":
                expected, password = saslprep(expected), saslprep(password)
            return hmac.compare_digest(
                expected.encode("utf-8", "surrogatepass"), password.encode("utf-8", "surrogatepass")
            )
        return verify_plaintext(self.secret(role), role, password)

    def __repr__(self) -> str:
        return f"StoredPassword({self._kind}, '********')"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredPassword):
            return NotImplemented
        return (
            self._kind == other._kind
            and self._secret == other._secret
            and self._plain == other._plain
            and self._salt == other._salt
            and self._iterations == other._iterations
        )

    def __hash__(self) -> int:
        return hash((self._kind, self._secret, self._salt, self._iterations))
