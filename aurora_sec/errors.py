"""The error types every plane raises: the shared kernel of failure.

Each error carries exactly what the real system reports, and nothing secret:

* :class:`AwsError` is an AWS API error (code, message, HTTP status), shaped like
  ``botocore.exceptions.ClientError`` so code written against boto3 reads it unchanged.
* :class:`ParamValidationError` is what botocore raises on the client side before a request
  is sent (unknown, missing or mistyped parameters).
* :class:`PostgresError` is a server error (SQLSTATE, severity, message, DETAIL, HINT).
* :class:`ConnectionFailed` is a connection attempt that failed, with the text the driver
  prints.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuroraSecError",
    "AwsError",
    "ConnectionFailed",
    "ParamValidationError",
    "PostgresError",
]


class AuroraSecError(Exception):
    """Base class of every error this library raises on purpose."""


class AwsError(AuroraSecError):
    """An AWS API error, as botocore's ``ClientError`` presents it.

    ``str(err)`` is botocore's text:
    ``An error occurred (Code) when calling the Operation operation: message``.
    """

    code: str
    message: str
    http_status: int
    operation_name: str
    sender_fault: bool

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 400,
        operation_name: str = "",
        sender_fault: bool = True,
    ) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        self.operation_name = operation_name
        self.sender_fault = sender_fault
        super().__init__(self._text())

    def _text(self) -> str:
        return (
            f"An error occurred ({self.code}) when calling the "
            f"{self.operation_name or 'Unknown'} operation: {self.message}"
        )

    def for_operation(self, operation_name: str) -> AwsError:
        """Return this error, stamped with the operation that raised it."""
        if self.operation_name == operation_name:
            return self
        return type(self)(
            self.code,
            self.message,
            http_status=self.http_status,
            operation_name=operation_name,
            sender_fault=self.sender_fault,
        )

    @property
    def response(self) -> dict[str, Any]:
        """The dict botocore puts in ``ClientError.response``."""
        return {
            "Error": {
                "Type": "Sender" if self.sender_fault else "Receiver",
                "Code": self.code,
                "Message": self.message,
            },
            "ResponseMetadata": {"HTTPStatusCode": self.http_status, "RetryAttempts": 0},
        }

    def __repr__(self) -> str:
        return f"AwsError(code={self.code!r}, message={self.message!r}, http_status={self.http_status})"


class ParamValidationError(AuroraSecError):
    """botocore's client-side validation error: ``Parameter validation failed:`` and a report."""

    report: str

    def __init__(self, report: str) -> None:
        self.report = report
        super().__init__(f"Parameter validation failed:\n{report}")


class PostgresError(AuroraSecError):
    """An error the PostgreSQL server reports, with the fields libpq shows."""

    sqlstate: str
    severity: str
    message: str
    detail: str | None
    hint: str | None
    position: int | None
    #: NOTICE/WARNING messages the server sent before the error (set by the session).
    notices: tuple[Any, ...]

    def __init__(
        self,
        sqlstate: str,
        message: str,
        *,
        severity: str = "ERROR",
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
    ) -> None:
        self.sqlstate = sqlstate
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.notices = ()
        super().__init__(self.text())

    def text(self) -> str:
        """The error as psql prints it (two spaces after the severity)."""
        lines = [f"{self.severity}:  {self.message}"]
        if self.detail is not None:
            lines.append(f"DETAIL:  {self.detail}")
        if self.hint is not None:
            lines.append(f"HINT:  {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"PostgresError(sqlstate={self.sqlstate!r}, message={self.message!r})"


class ConnectionFailed(AuroraSecError):
    """A connection attempt failed; ``str()`` is exactly what the driver prints."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
