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
    "SQLSTATE_CLASSES",
    "ActiveSqlTransaction",
    "AuroraSecError",
    "AwsError",
    "CantChangeRuntimeParam",
    "CharacterNotInRepertoire",
    "ConnectionFailed",
    "DatatypeMismatch",
    "DependentObjectsStillExist",
    "DuplicateObject",
    "DuplicateTable",
    "FeatureNotSupported",
    "InFailedSqlTransaction",
    "InsufficientPrivilege",
    "InternalError_",
    "InvalidAuthorizationSpecification",
    "InvalidCatalogName",
    "InvalidDatetimeFormat",
    "InvalidGrantOperation",
    "InvalidParameterValue",
    "InvalidPassword",
    "InvalidSavepointSpecification",
    "NoActiveSqlTransaction",
    "ObjectInUse",
    "ParamValidationError",
    "PostgresError",
    "ReservedName",
    "StatementTooComplex",
    "SyntaxError",
    "TooManyConnections",
    "UndefinedColumn",
    "UndefinedFunction",
    "UndefinedObject",
    "UndefinedTable",
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

    def __new__(cls, sqlstate: str, *args: Any, **kwargs: Any) -> PostgresError:
        """``PostgresError("42501", ...)`` is an :class:`InsufficientPrivilege`, as in psycopg."""
        if cls is PostgresError:
            cls = SQLSTATE_CLASSES.get(sqlstate, PostgresError)
        return super().__new__(cls)

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
        return f"{type(self).__name__}(sqlstate={self.sqlstate!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        state = dict(self.__dict__)
        return (_rebuild_postgres_error, (self.sqlstate, self.message), state)

    def again(self) -> PostgresError:
        """A new error with the same class, fields and notices, to raise once more (a raised
        exception keeps its traceback and whatever a caller added to it: each raise gets its
        own object)."""
        new: PostgresError = Exception.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.pop("__notes__", None)
        new.args = self.args
        return new


def _rebuild_postgres_error(sqlstate: str, message: str) -> PostgresError:
    return PostgresError(sqlstate, message)


# -- psycopg's error classes, one per SQLSTATE the emulator reports (psycopg.errors) --


class FeatureNotSupported(PostgresError):
    """SQLSTATE 0A000 (``psycopg.errors.FeatureNotSupported``)."""


class InvalidGrantOperation(PostgresError):
    """SQLSTATE 0LP01 (``psycopg.errors.InvalidGrantOperation``)."""


class InvalidDatetimeFormat(PostgresError):
    """SQLSTATE 22007 (``psycopg.errors.InvalidDatetimeFormat``)."""


class CharacterNotInRepertoire(PostgresError):
    """SQLSTATE 22021 (``psycopg.errors.CharacterNotInRepertoire``)."""


class InvalidParameterValue(PostgresError):
    """SQLSTATE 22023 (``psycopg.errors.InvalidParameterValue``)."""


class ActiveSqlTransaction(PostgresError):
    """SQLSTATE 25001 (``psycopg.errors.ActiveSqlTransaction``)."""


class NoActiveSqlTransaction(PostgresError):
    """SQLSTATE 25P01 (``psycopg.errors.NoActiveSqlTransaction``)."""


class InFailedSqlTransaction(PostgresError):
    """SQLSTATE 25P02 (``psycopg.errors.InFailedSqlTransaction``)."""


class InvalidAuthorizationSpecification(PostgresError):
    """SQLSTATE 28000 (``psycopg.errors.InvalidAuthorizationSpecification``)."""


class InvalidPassword(PostgresError):
    """SQLSTATE 28P01 (``psycopg.errors.InvalidPassword``)."""


class DependentObjectsStillExist(PostgresError):
    """SQLSTATE 2BP01 (``psycopg.errors.DependentObjectsStillExist``)."""


class InvalidSavepointSpecification(PostgresError):
    """SQLSTATE 3B001 (``psycopg.errors.InvalidSavepointSpecification``)."""


class InvalidCatalogName(PostgresError):
    """SQLSTATE 3D000 (``psycopg.errors.InvalidCatalogName``)."""


class InsufficientPrivilege(PostgresError):
    """SQLSTATE 42501 (``psycopg.errors.InsufficientPrivilege``)."""


class SyntaxError(PostgresError):
    """SQLSTATE 42601 (``psycopg.errors.SyntaxError``)."""


class UndefinedColumn(PostgresError):
    """SQLSTATE 42703 (``psycopg.errors.UndefinedColumn``)."""


class UndefinedObject(PostgresError):
    """SQLSTATE 42704 (``psycopg.errors.UndefinedObject``)."""


class DuplicateObject(PostgresError):
    """SQLSTATE 42710 (``psycopg.errors.DuplicateObject``)."""


class DatatypeMismatch(PostgresError):
    """SQLSTATE 42804 (``psycopg.errors.DatatypeMismatch``)."""


class UndefinedFunction(PostgresError):
    """SQLSTATE 42883 (``psycopg.errors.UndefinedFunction``)."""


class ReservedName(PostgresError):
    """SQLSTATE 42939 (``psycopg.errors.ReservedName``)."""


class UndefinedTable(PostgresError):
    """SQLSTATE 42P01 (``psycopg.errors.UndefinedTable``)."""


class DuplicateTable(PostgresError):
    """SQLSTATE 42P07 (``psycopg.errors.DuplicateTable``)."""


class TooManyConnections(PostgresError):
    """SQLSTATE 53300 (``psycopg.errors.TooManyConnections``)."""


class StatementTooComplex(PostgresError):
    """SQLSTATE 54001 (``psycopg.errors.StatementTooComplex``)."""


class ObjectInUse(PostgresError):
    """SQLSTATE 55006 (``psycopg.errors.ObjectInUse``)."""


class CantChangeRuntimeParam(PostgresError):
    """SQLSTATE 55P02 (``psycopg.errors.CantChangeRuntimeParam``)."""


class InternalError_(PostgresError):  # noqa: N801 (psycopg's name)
    """SQLSTATE XX000 (``psycopg.errors.InternalError_``)."""


#: SQLSTATE -> the class ``PostgresError(sqlstate, ...)`` builds.
SQLSTATE_CLASSES: dict[str, type[PostgresError]] = {
    "0A000": FeatureNotSupported,
    "0LP01": InvalidGrantOperation,
    "22007": InvalidDatetimeFormat,
    "22021": CharacterNotInRepertoire,
    "22023": InvalidParameterValue,
    "25001": ActiveSqlTransaction,
    "25P01": NoActiveSqlTransaction,
    "25P02": InFailedSqlTransaction,
    "28000": InvalidAuthorizationSpecification,
    "28P01": InvalidPassword,
    "2BP01": DependentObjectsStillExist,
    "3B001": InvalidSavepointSpecification,
    "3D000": InvalidCatalogName,
    "42501": InsufficientPrivilege,
    "42601": SyntaxError,
    "42703": UndefinedColumn,
    "42704": UndefinedObject,
    "42710": DuplicateObject,
    "42804": DatatypeMismatch,
    "42883": UndefinedFunction,
    "42939": ReservedName,
    "42P01": UndefinedTable,
    "42P07": DuplicateTable,
    "53300": TooManyConnections,
    "54001": StatementTooComplex,
    "55006": ObjectInUse,
    "55P02": CantChangeRuntimeParam,
    "XX000": InternalError_,
}


class ConnectionFailed(AuroraSecError):
    """A connection attempt failed; ``str()`` is exactly what the driver prints."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
