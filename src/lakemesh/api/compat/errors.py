"""Fabric-shaped errors (`errorCode`, `message`, `requestId`, `moreDetails`) for the compatible surfaces.

Each surface is its own mounted sub-application, so its errors are mapped here, in one place, exactly as
`api/problems.py` maps the native API's: the services raise the same typed errors either way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lakemesh.core.errors import LakemeshError
from lakemesh.core.validation import as_invalid_input

log = logging.getLogger("lakemesh.api.compat")
DOC_LINK = "https://github.com/lakemesh/lakemesh/blob/main/docs/compat.md"

# Fabric's error codes for our typed errors' statuses.
_CODES = {
    400: "BadRequest",
    401: "TokenExpired",
    403: "InsufficientPrivileges",
    404: "EntityNotFound",
    405: "NotSupportedByLakemesh",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "RequestBodyTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "RequestBlocked",
    503: "ServiceUnavailable",
}


class CompatError(Exception):
    """An error a compatible surface names itself (e.g. `WorkspaceNameAlreadyExists`), with Fabric's status."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


def not_supported(what: str) -> CompatError:
    return CompatError(501, "NotSupportedByLakemesh", f"{what} is not supported by Lakemesh; see {DOC_LINK}")


def fabric_error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    request_id = str(uuid.uuid4())
    body: dict[str, Any] = {"requestId": request_id, "errorCode": code, "message": message}
    if details:
        body["moreDetails"] = details
    if status == 501:
        body["relatedResource"] = {"resourceType": "Documentation", "resourceId": DOC_LINK}
    headers = {"x-ms-public-api-error-code": code, "requestId": request_id}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lakemesh"'
    return JSONResponse(body, status_code=status, headers=headers)


def powerbi_error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """Power BI's shape: `{"error": {"code", "message", "pbi.error": {"code", "details"}}}`."""
    lines = [{"code": "DetailsMessage", "detail": {"type": 1, "value": message}}]
    lines += [{"code": d["errorCode"], "detail": {"type": 1, "value": d["message"]}} for d in details or []]
    body = {"error": {"code": code, "message": message, "pbi.error": {"code": code, "details": lines}}}
    headers = {"RequestId": str(uuid.uuid4())}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lakemesh"'
    return JSONResponse(body, status_code=status, headers=headers)


def atlas_error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """Purview/Atlas's shape: `{"requestId", "errorCode": "ATLAS-404-00-005", "errorMessage"}`."""
    atlas = code if code.startswith("ATLAS-") else f"ATLAS-{status}-00-001"
    extra = "; ".join(d["message"] for d in details or [])
    request_id = str(uuid.uuid4())
    body = {"requestId": request_id, "errorCode": atlas, "errorMessage": f"{message} {extra}".strip()}
    headers = {"x-ms-request-id": request_id}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lakemesh"'
    return JSONResponse(body, status_code=status, headers=headers)


Render = Callable[[int, str, str, "list[dict[str, Any]] | None"], JSONResponse]


def _details(items: list[Any]) -> list[dict[str, Any]]:
    return [{"errorCode": "InvalidParameter", "message": f"{'.'.join(map(str, i.loc))}: {i.message}"} for i in items]


def install(app: FastAPI, render: Render = fabric_error) -> None:
    """Every error of the sub-application leaves in its surface's shape (Fabric's unless told)."""

    @app.exception_handler(CompatError)
    async def compat_error(_: Request, exc: CompatError) -> JSONResponse:
        return render(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(LakemeshError)
    async def lakemesh_error(_: Request, exc: LakemeshError) -> JSONResponse:
        status = 400 if exc.status == 422 else exc.status
        code = "InvalidInput" if exc.status == 422 else _CODES.get(exc.status, "Error")
        return render(status, code, exc.detail, _details(exc.errors))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"errorCode": "InvalidParameter", "message": f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}"}
            for e in exc.errors()
        ]
        return render(400, "InvalidInput", "The request is not valid", details)

    @app.exception_handler(ValidationError)
    async def model_error(_: Request, exc: ValidationError) -> JSONResponse:
        invalid = as_invalid_input(exc)
        return render(400, "InvalidInput", invalid.detail, _details(invalid.errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return render(exc.status_code, _CODES.get(exc.status_code, "Error"), str(exc.detail), None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return render(500, "InternalError", "Something went wrong on the server; it has been logged.", None)
