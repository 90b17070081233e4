"""The bridge over HTTP: ``boto3.client("rds", endpoint_url="http://127.0.0.1:PORT")``.

:func:`serve` binds a stdlib ``ThreadingHTTPServer`` (loopback by default) whose requests go
to the same :class:`~aurora_sec.aws.bridge.serve.Server` as :func:`~aurora_sec.aws.bridge.mock`:

* a request carries no operation model, so the service is the SigV4 credential scope's
  (``Credential=<key>/<date>/<region>/<service>/aws4_request``: rds, ec2, iam or sts) and the
  operation the form's ``Action`` (body or query string), looked up in botocore's model of the
  service; an action the service does not have is the bridge's ``InvalidAction``;
* what cannot be routed gets AWS's query-protocol error XML with a 4xx status: no
  ``Authorization`` header (``MissingAuthenticationToken``, 403), one that is not SigV4
  (``IncompleteSignature``, 400), a scope naming another service (``SignatureDoesNotMatch``,
  403, as AWS answers a key scoped to the wrong service), no ``Action`` (``MissingAction``,
  400), a chunked body or one over 10 MiB (``InvalidRequest``, 400), a method other than GET
  and POST (``MethodNotAllowed``, 405), a request line http.server refuses; an unexpected
  failure is ``InternalFailure`` (500) with no traceback on the wire;
* the signature is checked over the URL the client signed (``http://<Host header><path>``),
  its ``X-Amz-Date`` against the real time (clients sign at real time; the account's clock
  stands still), 5 minutes either way as AWS does.

Nothing of a request is logged but its service, action and status (no bodies, no query
strings, no keys). Calls are serialised on the account's lock.
"""

from __future__ import annotations

import functools
import hashlib
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlsplit

from aurora_sec.aws.bridge.activation import DEFAULT_ROOT_KEYS
from aurora_sec.aws.bridge.query_xml import error_xml
from aurora_sec.aws.bridge.serve import SERVICES, Server
from aurora_sec.aws.bridge.sigv4 import parse_authorization
from aurora_sec.errors import AwsError

if TYPE_CHECKING:
    from aurora_sec.aws.account import Account

__all__ = ["MAX_BODY", "HttpServer", "serve"]

_HTTP_ERRORS: Final = {
    400: "InvalidRequest",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    414: "RequestURITooLong",
    431: "RequestHeaderFieldsTooLarge",
    505: "HTTPVersionNotSupported",
}

#: The largest request body accepted (a query-protocol call is a few KiB at most).
MAX_BODY: Final = 10 * 1024 * 1024


@functools.cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


class HttpServer(ThreadingHTTPServer):
    """The HTTP endpoint of one account (``url``, ``start()``/``shutdown()``, ``with``)."""

    daemon_threads = True
    # Not SO_REUSEADDR: port 0 always gets a fresh port, and a fixed port in use must fail.
    allow_reuse_address = False

    def __init__(
        self,
        account: Account,
        address: tuple[str, int],
        *,
        root_keys: Mapping[str, str] = DEFAULT_ROOT_KEYS,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.account = account
        self.bridge = Server(account, root_keys)
        self.log = log
        self._thread: threading.Thread | None = None
        self._errors = 0
        self._errors_lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        """Serve on a daemon thread (``shutdown()`` stops it and closes the socket)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever,
                args=(0.05,),  # poll interval: shutdown() returns within 50 ms
                name=f"aurora-sec serve {self.url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop serving (when started) and close the listening socket."""
        if self._thread is not None:
            super().shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that went away mid-answer: nothing to report, and no traceback on stderr
        pass

    def error_request_id(self) -> str:
        """A deterministic id for an error found before the bridge (draws none from the account)."""
        with self._errors_lock:
            self._errors += 1
            n = self._errors
        seed = f"{self.account.seed}/http/{n}".encode()
        return str(uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16], version=4))


class _Handler(BaseHTTPRequestHandler):
    server: HttpServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, and the answer buffered (http.server flushes it after each request) so its
    # headers and body leave in one write: a keep-alive answer must not wait on the client's
    # delayed ACK (40 ms a call on Linux otherwise)
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def version_string(self) -> str:
        return "aurora-sec"

    def log_message(self, format: str, *args: Any) -> None:
        # http.server would log the request line (a GET's query string may hold a password)
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, unknown method...) as AWS error XML."""
        status = 405 if code == 501 else code  # 501: a method other than GET and POST
        name = _HTTP_ERRORS.get(status, "InvalidRequest")
        self.close_connection = True
        # a request line http.server could not read leaves HTTP/0.9 (no status line): send one
        self.request_version = self.protocol_version
        text = message or HTTPStatus(status).phrase
        self._fail("", "", AwsError(name, text[:200], http_status=status))

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _fail(self, service: str, action: str, error: AwsError, protocol: str = "query") -> None:
        payload = error_xml(protocol, error, self.server.error_request_id())
        self._send(service, action, error.http_status, {"Content-Type": "text/xml"}, payload)

    def _send(
        self, service: str, action: str, status: int, headers: Mapping[str, str], payload: bytes
    ) -> None:
        # log first: a client that has read the response must find its line already written
        if self.server.log is not None:
            self.server.log(f"{service or '-'} {action or '-'} {status}")
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._unread_body = True
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_BODY:
            self.close_connection = True
            self._unread_body = True
            return None
        return self.rfile.read(size)

    _unread_body = False

    def finish(self) -> None:
        # A refused body is still arriving: closing with unread bytes makes the kernel send
        # RST, and a client still writing would see "connection reset" instead of our 400.
        # Say we are done writing, then read (and drop) what comes, briefly and boundedly.
        if self._unread_body:
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.settimeout(0.5)
                budget = 4 * MAX_BODY
                while budget > 0 and (chunk := self.connection.recv(65536)):
                    budget -= len(chunk)
            except OSError:
                pass
        super().finish()

    def _answer(self) -> None:
        # ``op`` is what the log shows: a known operation's name, never the client's text
        service = op = ""
        protocol = "query"
        try:
            body = self._body()
            if body is None:
                raise AwsError(
                    "InvalidRequest",
                    f"The request body must carry a Content-Length of at most {MAX_BODY} bytes.",
                )
            fields = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            authorization = self.headers.get("Authorization")
            if not authorization:
                raise AwsError(
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                    http_status=403,
                )
            sig = parse_authorization(authorization)
            if sig is None:
                raise AwsError(
                    "IncompleteSignature",
                    "The request signature does not conform to AWS standards.",
                )
            if sig.service not in SERVICES:
                raise AwsError(
                    "SignatureDoesNotMatch",
                    "Credential should be scoped to correct service: 'rds', 'ec2', 'iam' or 'sts' "
                    f"(aurora-sec serve does not emulate {sig.service!r}).",
                    http_status=403,
                )
            service = sig.service
            model = _service_model(service)
            protocol = model.protocol
            action = fields.get("Action", "")
            if not action:
                raise AwsError(
                    "MissingAction", "The request is missing an action or a required parameter."
                )
            if action in model.operation_names:
                op = action
            else:
                # any operation of the service: the bridge answers InvalidAction
                action, op = model.operation_names[0], "(unknown action)"
            host = self.headers.get("Host") or f"{self.server.host}:{self.server.port}"
            url = f"http://{host}{self.path}"
            with self.server.account.lock:
                status, headers, payload = self.server.bridge.handle(
                    model.operation_model(action), self.command, url, self.headers, body
                )
        except AwsError as err:
            self._fail(service, op, err, protocol)
            return
        except Exception as err:  # never a traceback on the wire
            if self.server.log is not None:
                self.server.log(f"{service or '-'} {op or '-'} internal error {type(err).__name__}")
            failure = AwsError(
                "InternalFailure",
                "The request processing has failed because of an unknown error.",
                http_status=500,
                sender_fault=False,
            )
            self._fail(service, op, failure, protocol)
            return
        self._send(service, op, status, headers, payload)


def serve(
    account: Account,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    root_keys: Mapping[str, str] = DEFAULT_ROOT_KEYS,
    log: Callable[[str], None] | None = None,
) -> HttpServer:
    """An HTTP endpoint for ``account``'s rds, ec2, iam and sts, bound (``port=0``: a free port).

    Not yet serving: ``with serve(acct) as server:`` (or ``server.start()``) serves on a
    daemon thread until ``shutdown()``; ``server.serve_forever()`` serves on this thread.
    ``log`` gets one line per request (service, action, status).

    >>> import aurora_sec
    >>> with serve(aurora_sec.Account(seed=0)) as server:  # doctest: +SKIP
    ...     boto3.client("rds", endpoint_url=server.url, region_name="us-east-1", ...)
    """
    return HttpServer(account, (host, port), root_keys=root_keys, log=log)
