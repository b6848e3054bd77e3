"""Strict scalars, app-wide: a number is not a date, a timestamp or a boolean, whatever Pydantic's lax mode says,
and no text carries NUL characters (PostgreSQL cannot store them; a 422 on every catalog, never a 500).

Pydantic (in the Python mode FastAPI validates with) reads `0` as `false` and `0.5` as 1970-01-01T00:00:00.5;
a client that sent a number where the document says boolean or date made a mistake, and silently guessing turns
it into a wrong answer. One dependency checks each request's query parameters and JSON body against the
operation's own OpenAPI schema before the route runs, so every route and model is covered without retyping them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DATES = ("date", "date-time")


async def strict_scalars(request: Request) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None:
        return
    operation = request.app.openapi().get("paths", {}).get(path, {}).get(request.method.lower())
    if operation is None:
        return
    schemas = request.app.openapi().get("components", {}).get("schemas", {})
    errors: list[dict[str, Any]] = [
        _error((where, name), "must not contain NUL characters")
        for where, values in (("path", request.path_params), ("query", request.query_params))
        for name, value in values.items()
        if "\x00" in str(value)
    ]
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query" or parameter["name"] not in request.query_params:
            continue
        if _wants_date(parameter.get("schema", {}), schemas) and _NUMBER.match(request.query_params[parameter["name"]]):
            errors.append(_error(("query", parameter["name"]), "must be an ISO 8601 date or timestamp, not a number"))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and request.headers.get("content-type", "").startswith("application/json"):
        raw = await request.body()
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                value = None  # FastAPI answers the malformed body itself
            errors.extend(_check(value, body.get("schema", {}), schemas, ("body",)))
    if errors:
        raise RequestValidationError(errors)


def _error(loc: tuple[str | int, ...], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "strict_scalar"}


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[1], {})
    return schema


def _wants_date(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    schema = _resolve(schema, schemas)
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    formats = [_resolve(b, schemas).get("format") for b in branches if _resolve(b, schemas).get("type") != "null"]
    return bool(formats) and all(f in _DATES for f in formats)


def _kinds(schema: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, schemas)
    branches = schema.get("anyOf") or schema.get("oneOf")
    return [k for b in branches for k in _kinds(b, schemas)] if branches else [schema]


def _check(
    value: Any, schema: dict[str, Any], schemas: dict[str, Any], loc: tuple[str | int, ...]
) -> list[dict[str, Any]]:
    """Numbers where every allowed form is a boolean or a date, and NUL in any text, anywhere in the body."""
    kinds = _kinds(schema, schemas)
    if isinstance(value, str):  # no catalog stores NUL in text (PostgreSQL refuses it): say so, never a 500
        return [_error(loc, "must not contain NUL characters")] if "\x00" in value else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if (
            kinds
            and all(k.get("type") == "boolean" for k in kinds if k.get("type") != "null")
            and any(k.get("type") == "boolean" for k in kinds)
        ):
            return [_error(loc, "must be true or false, not a number")]
        if (
            kinds
            and all(k.get("format") in _DATES for k in kinds if k.get("type") != "null")
            and any(k.get("format") in _DATES for k in kinds)
        ):
            return [_error(loc, "must be an ISO 8601 date or timestamp, not a number")]
        return []
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        properties: dict[str, Any] = {}
        extra: Any = {}
        for kind in kinds:
            properties = {**kind.get("properties", {}), **properties}
            if isinstance(kind.get("additionalProperties"), dict):
                extra = kind["additionalProperties"]
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                found.append(_error((*loc, key.replace("\x00", "")), "must not contain NUL characters"))
            found.extend(_check(item, properties.get(key, extra), schemas, (*loc, key)))
    elif isinstance(value, list):
        items: dict[str, Any] = next((k["items"] for k in kinds if isinstance(k.get("items"), dict)), {})
        for index, item in enumerate(value[:10000]):
            found.extend(_check(item, items, schemas, (*loc, index)))
    return found
