"""Typed domain errors. The API maps them to RFC 9457 problems in one place; the CLI prints one line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorItem:
    """One problem in a request: where it is (`loc`) and what is wrong, plus optional details."""

    loc: tuple[str | int, ...]
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "message": self.message, **self.extra}


class LakemeshError(Exception):
    """Base of every error a user can act on."""

    status: int = 500
    code: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str, *, errors: list[ErrorItem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def __str__(self) -> str:
        extra = [_format_item(e) for e in self.errors if e.message not in self.detail]
        return f"{self.detail}: {'; '.join(extra)}" if extra else self.detail


def _format_item(item: ErrorItem) -> str:
    where = ".".join(str(p) for p in item.loc)
    return f"{where}: {item.message}" if where else item.message


class BadRequest(LakemeshError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(LakemeshError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(LakemeshError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(LakemeshError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(LakemeshError):
    status, code, title = 409, "conflict", "Conflict"


class Gone(LakemeshError):
    status, code, title = 410, "gone", "Gone"


class PreconditionFailed(LakemeshError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(LakemeshError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(LakemeshError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidInput(LakemeshError):
    status, code, title = 422, "invalid-input", "Invalid input"


class PolicyViolation(InvalidInput):
    code, title = "policy-violation", "Policy violation"


class ContractViolation(InvalidInput):
    code, title = "contract-violation", "Contract violation"


class TooManyRequests(LakemeshError):
    """The server is at its limit of heavy work (for everyone, or for this principal): retry shortly."""

    status, code, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(LakemeshError):
    status, code, title = 503, "service-unavailable", "Service unavailable"


def invalid(field_path: tuple[str | int, ...] | str, message: str) -> InvalidInput:
    """An InvalidInput about a single field, the most common case."""
    loc = (field_path,) if isinstance(field_path, str) else field_path
    where = ".".join(str(p) for p in loc)
    return InvalidInput(f"{where}: {message}", errors=[ErrorItem(loc, message)])


def not_found(kind: str, asked: str) -> NotFound:
    """The one answer for "missing" and "hidden from you": built only from what the caller asked, never from a row,
    so the two cannot be told apart (not by wording, casing, nor the form of the name)."""
    return NotFound(f"{kind[:1].upper()}{kind[1:]} {asked!r} not found")
