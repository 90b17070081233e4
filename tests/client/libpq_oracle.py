"""Real libpq, called in-process: the machine's libpq 15 (ctypes) and psycopg's bundled libpq 18.

Both expose the same two calls the conninfo tests need:

* ``parse(text)``: ``PQconninfoParse`` -> ``(options, None)`` or ``(None, error text)``.
* ``start(text)``: ``PQconnectStart`` -> ``(options, error text)``, where the options are what
  ``PQconninfo`` reports after defaults and validation. Validation errors are reported before
  any socket is opened; callers only pass strings whose hosts are IP literals or fail
  validation, so nothing waits on DNS.

libpq reads environment variables at call time, so tests set them with ``monkeypatch``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import select
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from psycopg import pq

__all__ = ["LIBPQ15", "LIBPQ18", "RealLibpq", "in_fresh_thread"]


def in_fresh_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in a new thread: OpenSSL keeps one error queue per thread and libpq
    reports its *oldest* entry, so a clean thread gives the text a fresh process prints."""
    box: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


T = TypeVar("T")


class RealLibpq(Protocol):
    major: int

    def parse(self, text: bytes) -> tuple[dict[str, str] | None, str | None]: ...

    def start(self, text: bytes) -> tuple[dict[str, str], str]: ...

    def connect(self, text: bytes) -> tuple[bool, bool, str]: ...


class _Option(ctypes.Structure):
    _fields_ = [
        ("keyword", ctypes.c_char_p),
        ("envvar", ctypes.c_char_p),
        ("compiled", ctypes.c_char_p),
        ("val", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("dispchar", ctypes.c_char_p),
        ("dispsize", ctypes.c_int),
    ]


def _options(ptr: ctypes._Pointer[_Option]) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while ptr[i].keyword is not None:
        opt = ptr[i]
        if opt.val is not None and opt.keyword is not None:
            out[opt.keyword.decode()] = opt.val.decode("utf-8", "surrogateescape")
        i += 1
    return out


class _SystemLibpq:
    """libpq.so.5 of the machine (Debian's 15.18), through ctypes."""

    def __init__(self) -> None:
        lib = ctypes.CDLL("libpq.so.5")
        lib.PQconninfoParse.restype = ctypes.POINTER(_Option)
        lib.PQconninfoParse.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.PQconninfoFree.argtypes = [ctypes.POINTER(_Option)]
        lib.PQfreemem.argtypes = [ctypes.c_void_p]
        lib.PQconnectStart.restype = ctypes.c_void_p
        lib.PQconnectStart.argtypes = [ctypes.c_char_p]
        lib.PQconninfo.restype = ctypes.POINTER(_Option)
        lib.PQconninfo.argtypes = [ctypes.c_void_p]
        lib.PQerrorMessage.restype = ctypes.c_char_p
        lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
        lib.PQfinish.argtypes = [ctypes.c_void_p]
        lib.PQlibVersion.restype = ctypes.c_int
        lib.PQconnectdb.restype = ctypes.c_void_p
        lib.PQconnectdb.argtypes = [ctypes.c_char_p]
        lib.PQstatus.restype = ctypes.c_int
        lib.PQstatus.argtypes = [ctypes.c_void_p]
        lib.PQsslInUse.restype = ctypes.c_int
        lib.PQsslInUse.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self.major = lib.PQlibVersion() // 10000

    def parse(self, text: bytes) -> tuple[dict[str, str] | None, str | None]:
        err = ctypes.c_void_p()
        opts = self._lib.PQconninfoParse(text, ctypes.byref(err))
        if not opts:
            message = ctypes.cast(err, ctypes.c_char_p).value or b""
            self._lib.PQfreemem(err)
            return None, message.decode("utf-8", "surrogateescape")
        try:
            return _options(opts), None
        finally:
            self._lib.PQconninfoFree(opts)

    def start(self, text: bytes) -> tuple[dict[str, str], str]:
        conn = self._lib.PQconnectStart(text)
        try:
            opts = self._lib.PQconninfo(conn)
            values = _options(opts) if opts else {}
            if opts:
                self._lib.PQconninfoFree(opts)
            message = (self._lib.PQerrorMessage(conn) or b"").decode("utf-8", "surrogateescape")
            return values, message
        finally:
            self._lib.PQfinish(conn)

    def connect(self, text: bytes) -> tuple[bool, bool, str]:
        """``PQconnectdb``: (connected, SSL in use, error message)."""
        conn = self._lib.PQconnectdb(text)
        try:
            ok = self._lib.PQstatus(conn) == 0
            in_ssl = bool(self._lib.PQsslInUse(conn))
            message = (self._lib.PQerrorMessage(conn) or b"").decode("utf-8", "surrogateescape")
            return ok, in_ssl, message
        finally:
            self._lib.PQfinish(conn)


class _PsycopgLibpq:
    """The libpq psycopg[binary] bundles (18)."""

    def __init__(self) -> None:
        self.major = pq.version() // 10000

    def parse(self, text: bytes) -> tuple[dict[str, str] | None, str | None]:
        try:
            opts = pq.Conninfo.parse(text)
        except Exception as exc:  # psycopg.OperationalError
            return None, str(exc)
        return {
            o.keyword.decode(): o.val.decode("utf-8", "surrogateescape")
            for o in opts
            if o.val is not None
        }, None

    def start(self, text: bytes) -> tuple[dict[str, str], str]:
        conn = pq.PGconn.connect_start(text)
        try:
            values = {
                o.keyword.decode(): o.val.decode("utf-8", "surrogateescape")
                for o in conn.info
                if o.val is not None
            }
            return values, conn.error_message.decode("utf-8", "surrogateescape")
        finally:
            conn.finish()

    def connect(self, text: bytes) -> tuple[bool, bool, str]:
        """``PQconnectStart`` + ``PQconnectPoll`` (psycopg holds the GIL in ``PQconnectdb``,
        which would starve a server thread in the same process)."""
        conn = pq.PGconn.connect_start(text)
        try:
            status: int = pq.PollingStatus.WRITING
            while status not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
                if conn.status == pq.ConnStatus.BAD:
                    break
                try:
                    fileno = conn.socket
                except Exception:  # psycopg.OperationalError: no socket (yet)
                    break
                if status == pq.PollingStatus.READING:
                    select.select([fileno], [], [], 10)
                else:
                    select.select([], [fileno], [], 10)
                status = conn.connect_poll()
            ok = conn.status == pq.ConnStatus.OK
            return ok, bool(conn.ssl_in_use), conn.error_message.decode("utf-8", "surrogateescape")
        finally:
            conn.finish()


LIBPQ15: RealLibpq = _SystemLibpq()
LIBPQ18: RealLibpq = _PsycopgLibpq()
