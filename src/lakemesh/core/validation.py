"""Pydantic validation errors as Lakemesh's InvalidInput, so every interface reports them the same way."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lakemesh.core.errors import ErrorItem, InvalidInput

M = TypeVar("M", bound=BaseModel)
# Table versions, offsets and row limits are signed 64-bit in Delta and Arrow: a bigger number is a 422, not a 500.
MAX_INT64 = 2**63 - 1


def as_invalid_input(exc: ValidationError, what: str = "The request") -> InvalidInput:
    items = [
        ErrorItem(tuple(e.get("loc", ())), "unknown field" if e.get("type") == "extra_forbidden" else str(e["msg"]))
        for e in exc.errors(include_url=False)
    ]
    return InvalidInput(f"{what} is not valid: {located(items)}", errors=items)


def located(items: list[ErrorItem]) -> str:
    """`loc: message; loc: message`: each location printed once, next to what is wrong there."""
    return "; ".join(f"{'.'.join(str(p) for p in i.loc)}: {i.message}" if i.loc else i.message for i in items)


def parse_model(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise as_invalid_input(exc) from None
