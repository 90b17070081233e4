"""A tiny PostgreSQL front door on 127.0.0.1, for driving REAL libpq through the TLS paths.

It speaks just enough of the protocol to let a real client reach the verdict the emulator
predicts: it answers an SSLRequest with ``S`` (then a real TLS handshake with a chain the
emulator issued) or ``N``, reads the StartupMessage and answers either AuthenticationOk +
ReadyForQuery or an ErrorResponse (FATAL, with a SQLSTATE and a message). What it answers
can depend on whether the session is encrypted, so prefer/allow retries can be observed.

This is test equipment (a stand-in for the network peer), not a model of the server.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from aurora_sec.client.certificates import TlsIdentity

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104

Verdict = tuple[str, str] | None  # (sqlstate, message) for FATAL, None for success

_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


@attrs.define
class FakeServer:
    """Configuration of the fake server; ``decide(ssl_in_use, user, database)`` -> verdict."""

    identity: TlsIdentity | None
    decide: Callable[[bool, str, str], Verdict] = lambda _ssl, _user, _db: None
    min_version: str = "TLSv1.2"
    max_version: str | None = None
    attempts: list[bool] = attrs.field(factory=list)


def _read_exact(sock: socket.socket | ssl.SSLSocket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client closed")
        data += chunk
    return data


def _error_response(sqlstate: str, message: str) -> bytes:
    fields = b"".join(
        code + value.encode() + b"\0"
        for code, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


def _message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def _answer_queries(stream: socket.socket | ssl.SSLSocket) -> None:
    """Answer whatever a driver sends after ReadyForQuery with empty successes, until
    Terminate: enough for drivers that run a statement while connecting."""
    with contextlib.suppress(Exception):
        while True:
            kind = _read_exact(stream, 1)
            (length,) = struct.unpack("!I", _read_exact(stream, 4))
            _read_exact(stream, length - 4)
            if kind == b"X":
                return
            if kind == b"Q":
                stream.sendall(_message(b"C", b"SET\0") + _message(b"Z", b"I"))
            elif kind == b"P":
                stream.sendall(_message(b"1"))
            elif kind == b"B":
                stream.sendall(_message(b"2"))
            elif kind == b"D":
                stream.sendall(_message(b"n"))
            elif kind == b"E":
                stream.sendall(_message(b"C", b"SET\0"))
            elif kind == b"S":
                stream.sendall(_message(b"Z", b"I"))


def _serve_one(conn: socket.socket, server: FakeServer, context: ssl.SSLContext | None) -> None:
    stream: socket.socket | ssl.SSLSocket = conn
    encrypted = False
    while True:
        length, code = struct.unpack("!II", _read_exact(stream, 8))
        if code == SSL_REQUEST and not encrypted:
            if context is None:
                stream.sendall(b"N")
                continue
            stream.sendall(b"S")
            stream = context.wrap_socket(conn, server_side=True)
            encrypted = True
            continue
        if code == GSS_REQUEST:
            stream.sendall(b"N")
            continue
        payload = _read_exact(stream, length - 8)
        parts = payload.split(b"\0")
        params = dict(zip(parts[0::2], parts[1::2], strict=False))
        user = params.get(b"user", b"").decode()
        database = params.get(b"database", user.encode()).decode()
        server.attempts.append(encrypted)
        verdict = server.decide(encrypted, user, database)
        if verdict is None:
            stream.sendall(b"R" + struct.pack("!II", 8, 0))
            for name, value in (("server_version", "15.0"), ("client_encoding", "UTF8")):
                body = name.encode() + b"\0" + value.encode() + b"\0"
                stream.sendall(b"S" + struct.pack("!I", len(body) + 4) + body)
            stream.sendall(b"K" + struct.pack("!III", 12, 1234, 5678))
            stream.sendall(b"Z" + struct.pack("!I", 5) + b"I")
            _answer_queries(stream)
        else:
            stream.sendall(_error_response(*verdict))
        return


@contextlib.contextmanager
def running(server: FakeServer) -> Iterator[int]:
    """Serve on a free loopback port; yields the port."""
    context: ssl.SSLContext | None = None
    tmp = tempfile.TemporaryDirectory()
    if server.identity is not None:
        chain = Path(tmp.name) / "chain.pem"
        key = Path(tmp.name) / "key.pem"
        chain.write_bytes(server.identity.chain_pem())
        key.write_bytes(server.identity.key_pem())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(chain), str(key))
        context.minimum_version = _VERSIONS[server.min_version]
        if server.max_version:
            context.maximum_version = _VERSIONS[server.max_version]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(5)
            with contextlib.suppress(Exception), conn:
                _serve_one(conn, server, context)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        tmp.cleanup()
