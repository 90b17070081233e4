"""Password storage: the exact md5 and SCRAM formats and PostgreSQL's detection rules."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_sec.engine.passwords import (
    StoredPassword,
    md5_secret,
    password_type,
    saslprep,
    scram_secret,
    verify_md5_response,
    verify_plaintext,
)
from aurora_sec.secrets import Secret

VALID_SCRAM = scram_secret("pw", b"\x00" * 16)


def test_md5_vector_from_a_real_server() -> None:
    # postgres-truth.md 3.1 [RUN15]: role m1, password pw
    assert md5_secret("pw", "m1") == "md57d0803bc1d6d6f94fc3260af3bf55457"
    assert md5_secret("pw", "M1C") != md5_secret("pw", "m1c")  # the role name is case-sensitive


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("md5" + "a" * 32, "md5"),
        ("md5" + "A" * 32, "plaintext"),  # upper-case hex is plaintext [RUN15]
        ("MD5" + "a" * 32, "plaintext"),
        ("md5" + "a" * 31, "plaintext"),
        ("md5" + "a" * 33, "plaintext"),
        (VALID_SCRAM, "scram-sha-256"),
        ("SCRAM-SHA-256$bogus", "plaintext"),  # [RUN15]
        (VALID_SCRAM.replace("4096", "40x6"), "plaintext"),
        (VALID_SCRAM.replace("SCRAM-SHA-256", "SCRAM-SHA-1"), "plaintext"),
        ("hunter2", "plaintext"),
        ("", "plaintext"),
    ],
)
def test_password_type(value: str, kind: str) -> None:
    assert password_type(value) == kind


def test_scram_format() -> None:
    secret = scram_secret("pencil", b"0123456789abcdef", 4096)
    scheme, rest = secret.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored, server = keys.split(":")
    assert scheme == "SCRAM-SHA-256"
    assert iterations == "4096"
    assert base64.b64decode(salt) == b"0123456789abcdef"
    assert len(base64.b64decode(stored)) == len(base64.b64decode(server)) == 32
    assert verify_plaintext(secret, "anyone", "pencil")
    assert not verify_plaintext(secret, "anyone", "Pencil")


def test_saslprep_maps_and_normalises() -> None:
    assert saslprep("I\u00adX") == "IX"  # soft hyphen maps to nothing
    assert saslprep("\u2168") == "IX"  # NFKC
    assert saslprep("a\u0007b") == "a\u0007b"  # prohibited: the raw password is used
    assert saslprep("plain") == "plain"


def test_md5_challenge() -> None:
    secret = md5_secret("pw", "m1")
    import hashlib

    salt = b"\x01\x02\x03\x04"
    answer = "md5" + hashlib.md5(secret[3:].encode() + salt).hexdigest()
    assert verify_md5_response(secret, answer, salt)
    assert not verify_md5_response(secret, answer, b"\x00\x00\x00\x00")


def test_stored_password_is_lazy_and_never_shown() -> None:
    stored = StoredPassword("scram-sha-256", plain=Secret("s3cret-pw"), salt=b"s" * 16)
    assert "s3cret" not in repr(stored)
    assert stored._secret is None  # nothing computed yet
    assert stored.matches("r", "s3cret-pw")
    assert not stored.matches("r", "other")
    assert stored._secret is None  # matching with the known plaintext needs no PBKDF2
    text = stored.secret("r")
    assert text == scram_secret("s3cret-pw", b"s" * 16)
    assert stored.secret("r") is text
    verbatim = StoredPassword.verbatim(md5_secret("x", "r"))
    assert verbatim.kind == "md5"
    assert verbatim.matches("r", "x")
    with pytest.raises(ValueError, match="not a password secret"):
        StoredPassword.verbatim("plain")


@settings(max_examples=25, deadline=None)
@given(password=st.text(min_size=1, max_size=12), salt=st.binary(min_size=16, max_size=16))
def test_lazy_match_agrees_with_the_real_check(password: str, salt: bytes) -> None:
    stored = StoredPassword("scram-sha-256", plain=Secret(password), salt=salt)
    secret = scram_secret(password, salt, 16)
    assert verify_plaintext(secret, "r", password)
    assert stored.matches("r", password)
