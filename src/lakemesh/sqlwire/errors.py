"""Errors as PostgreSQL sees them: a SQLSTATE for every Lakemesh error, so clients can tell why."""

from __future__ import annotations

from lakemesh.core.errors import (
    Forbidden,
    InvalidInput,
    LakemeshError,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)


class SqlError(Exception):
    """An error the endpoint itself raises, with its SQLSTATE."""

    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message


def sqlstate_of(exc: BaseException) -> tuple[str, str]:
    """(SQLSTATE, message) for an error raised while serving a statement."""
    if isinstance(exc, SqlError):
        return exc.sqlstate, exc.message
    message = str(exc)
    if isinstance(exc, NotFound):
        return "42P01", _does_not_exist(message)
    if isinstance(exc, Unauthorized):
        return "28000", message
    if isinstance(exc, Forbidden):
        return "42501", message
    if isinstance(exc, TooManyRequests):
        return "53300", message
    if isinstance(exc, ServiceUnavailable):
        return ("57014" if "interrupted" in message else "57P03"), message
    if isinstance(exc, InvalidInput):
        if "not valid SQL" in message:
            return "42601", message
        if "not allowed" in message or "not supported" in message:
            return "42501", message
        return "22023", message
    if isinstance(exc, LakemeshError):
        return "XX000", message
    return "XX000", f"internal error ({type(exc).__name__})"


def _does_not_exist(message: str) -> str:
    """PostgreSQL clients look for "does not exist"; keep the governed wording after it."""
    return message if "does not exist" in message else f"{message} (relation does not exist)"
