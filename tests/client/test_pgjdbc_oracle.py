"""Replay of real pgjdbc connections (record_pgjdbc_connect.py) on the emulator.

Each recorded case says what pgjdbc 42.7.13 on OpenJDK 17 did against a fake server:
connected or not, the SQLSTATE and message of the exception, and which StartupMessages the
server received (plaintext or over SSL). The emulator negotiates the same URL against an
in-memory twin of that server and must agree on all of it.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from collections.abc import Collection, Sequence
from typing import Any

import attrs
import pytest

from aurora_sec.client.certificates import TlsIdentity
from aurora_sec.client.jdbc_url import Pgjdbc, parse_jdbc_url
from aurora_sec.client.machine import ClientMachine
from aurora_sec.client.negotiation import (
    Accepted,
    Fatal,
    ServerEndpoint,
    Startup,
    Unreachable,
    negotiate_pgjdbc,
)
from aurora_sec.client.verify import CertificateChecker
from aurora_sec.engine.server import TLS12_SUITES, choose_cipher
from tests.client.pgjdbc_world import SERVER_KINDS, build_world, server_decide

RECORDED = json.loads(
    (pathlib.Path(__file__).with_name("data") / "pgjdbc_connect.json").read_text()
)
NOW = dt.datetime.now(dt.UTC)
ROOTS = "/roots"
PORT = 15432
WORLD = build_world(NOW, ROOTS)


@attrs.frozen
class Twin:
    accepts_ssl: bool
    tls: TlsIdentity | None
    kind: str
    accepts_direct_ssl: bool = False

    def tls_cipher(self, tls_version: str, offered: Collection[str]) -> str | None:
        """As a server with PostgreSQL's default ssl_ciphers picks."""
        ca = self.tls.ca_identifier if self.tls is not None else None
        return choose_cipher(tls_version, tuple(TLS12_SUITES), ca, offered)

    def decide(self, startup: Startup) -> Accepted | Fatal:
        verdict = server_decide(self.kind)(startup.encrypted, startup.user, startup.database)
        return Accepted() if verdict is None else Fatal(*verdict)


@attrs.frozen
class OneServer:
    endpoint: ServerEndpoint

    def resolve(self, host: str) -> Sequence[str]:
        return ["127.0.0.1"]

    def connect(self, address: str, port: int) -> ServerEndpoint | Unreachable:
        return self.endpoint if port == PORT else Unreachable("refused")


def startups(outcome_attempts: Sequence[Any]) -> list[bool]:
    return [
        a.encrypted
        for a in outcome_attempts
        if any(
            e == "accepted" or e.startswith("fatal:") or e == "password-required" for e in a.events
        )
    ]


@pytest.mark.parametrize(
    "case",
    RECORDED["cases"],
    ids=[f"{c['server']}-{c['url'].split('/d', 1)[-1]}" for c in RECORDED["cases"]],
)
def test_replay(case: dict[str, Any]) -> None:
    identity, ssl_on, kind, _low, _high = WORLD.server_config(case["server"])
    twin = Twin(ssl_on, identity if ssl_on else None, kind)
    url = case["url"].format(PORT=PORT, ROOTS=ROOTS)
    machine = ClientMachine(files=WORLD.files, home="/nonexistent-home", os_user="u")
    parsed = parse_jdbc_url(
        url, {"user": "u", "password": "secret"}, machine, Pgjdbc(RECORDED["pgjdbc"])
    )
    outcome = negotiate_pgjdbc(
        parsed,
        OneServer(twin),
        machine=machine,
        now=dt.datetime.now(dt.UTC),
        checker=CertificateChecker(),
    )
    assert outcome.ok == case["ok"]
    if not case["ok"]:
        expected = case["message"].format(PORT=PORT, ROOTS=ROOTS)
        assert (outcome.sqlstate, outcome.message) == (case["sqlstate"], expected)
    assert startups(outcome.attempts) == case["attempts"]


def test_recording_is_broad() -> None:
    assert {c["server"] for c in RECORDED["cases"]} == set(SERVER_KINDS)
    assert sum(c["ok"] for c in RECORDED["cases"]) >= 20
    assert sum(not c["ok"] for c in RECORDED["cases"]) >= 30
