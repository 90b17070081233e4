"""Session-scoped pytest fixtures for the oracle servers: ``pg15``, ``pg16`` and ``pg`` (both).

A server starts on the first test that asks for it and stops when the session ends. A server
that cannot start makes every test using it ERROR with the server's log tail: never a skip.

The started servers live in one registry per process, so registering this module as a plugin
(``pytest_plugins = ["tests.oracle.fixtures"]`` in tests/conftest.py) and importing its
fixtures into a conftest at the same time cannot start a server twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oracle.servers import PgServer, start_server

MAJORS = (15, 16)

_SERVERS: dict[int, PgServer] = {}


def oracle_server(major: int) -> PgServer:
    """The running server of this major, started now if it is not yet."""
    server = _SERVERS.get(major)
    if server is None or not server.running:
        server = start_server(major)  # raises ServerStartError with the log tail
        _SERVERS[major] = server
    return server


def stop_oracle_server(major: int) -> None:
    server = _SERVERS.pop(major, None)
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def pg15() -> Iterator[PgServer]:
    """PostgreSQL 15 (Debian's postgresql-15), Aurora-shaped, on 127.0.0.1."""
    try:
        yield oracle_server(15)
    finally:
        stop_oracle_server(15)


@pytest.fixture(scope="session")
def pg16() -> Iterator[PgServer]:
    """PostgreSQL 16.2 (the pgserver wheel), Aurora-shaped, on 127.0.0.1."""
    try:
        yield oracle_server(16)
    finally:
        stop_oracle_server(16)


@pytest.fixture(scope="session", params=MAJORS, ids=[f"pg{major}" for major in MAJORS])
def pg(request: pytest.FixtureRequest) -> PgServer:
    """Each oracle server in turn (the test runs once per major)."""
    server: PgServer = request.getfixturevalue(f"pg{request.param}")
    return server
