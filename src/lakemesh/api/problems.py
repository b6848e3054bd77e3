"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lakemesh.catalog.db import UNAVAILABLE, is_disconnect
from lakemesh.core.errors import ErrorItem, LakemeshError
from lakemesh.core.validation import as_invalid_input, located

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("lakemesh.api")
RETRY_AFTER_SECONDS = 5  # about how long a catalog restart or failover takes


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:lakemesh:problem:{code}" if code != "about:blank" else code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(LakemeshError)
    async def lakemesh_error(_: Request, exc: LakemeshError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="lakemesh"'} if exc.status == 401 else None
        if exc.status == 503:
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if exc.status == 429:
            headers = {"Retry-After": "1"}  # heavy requests take seconds; a slot frees up soon
        return problem(
            exc.status, exc.title, exc.detail, code=exc.code, errors=[e.as_dict() for e in exc.errors], headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [p for p in e.get("loc", ()) if p != "body"] or list(e.get("loc", ())), "message": _message(e)}
            for e in exc.errors()
        ]
        fields = located([ErrorItem(tuple(e["loc"]), str(e["message"])) for e in errors])
        return problem(422, "Invalid input", f"The request is not valid: {fields}", code="invalid-input", errors=errors)

    @app.exception_handler(ValidationError)
    async def model_error(_: Request, exc: ValidationError) -> JSONResponse:
        invalid = as_invalid_input(exc)
        return problem(
            422, invalid.title, invalid.detail, code=invalid.code, errors=[e.as_dict() for e in invalid.errors]
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # An unknown URL typed in a browser gets the web UI's styled page; API paths keep problem JSON.
        html_not_found = getattr(request.app.state, "html_not_found", None)
        if exc.status_code == 404 and html_not_found is not None:
            page: Response | None = html_not_found(request)
            if page is not None:
                return page
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette lists only the matched route's methods; RFC 9110 wants all of them
            from lakemesh.api.openapi import allowed_methods

            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path)) or headers.get("Allow", "")
        return problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail), headers=headers)

    @app.exception_handler(DBAPIError)
    async def catalog_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # The catalog went away under a query that did not go through Catalog's guards: fail fast, say when to retry.
        if is_disconnect(exc):
            log.warning("catalog unavailable on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return problem(503, "Service unavailable", UNAVAILABLE, code="service-unavailable", headers=headers)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "Internal error", "Something went wrong on the server; it has been logged.")


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    return str(error.get("msg", "invalid value"))


_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Payload too large", 415: "Unsupported media type"}
