"""Custom classifiers defined as code: a regex (run under RE2, so no pattern can backtrack catastrophically),
an optional validator from a named set, and column-name hints."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import re2  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum import iban, luhn

from lakemesh.classification import detectors as d
from lakemesh.classification.classifiers import BUILTIN_NAMES, Classifier
from lakemesh.core.errors import ErrorItem, InvalidInput

VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": lambda v: luhn.is_valid(re.sub(r"[ -]", "", v)),
    "iban": iban.is_valid,
    "email": d.is_email,
    "phone": d.is_phone,
    "national_id": lambda v: d.national_id_scheme(v) is not None,
}
MAX_PATTERN = 500
MAX_VALUE = 4096  # longer values are free text, not identifiers
_NAME = re.compile(r"[a-z][a-z0-9_]{1,62}")


class ClassifierSpec(BaseModel):
    """One custom classifier as written in a classifier file (`lakemesh classifier apply -f`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{1,62}$",
        description="Lower-case identifier, e.g. `employee_id`; not a built-in's name.",
    )
    description: str = ""
    pattern: str = Field(description="Regular expression (RE2 syntax) a whole value must match.")
    validator: str | None = Field(default=None, description=f"Optional check after the match: {sorted(VALIDATORS)}.")
    name_hints: list[str] = Field(default_factory=list, description="Words of column names that raise confidence.")
    needs_hint: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("a lower-case identifier of 2-63 letters, digits and underscores")
        if value in BUILTIN_NAMES:
            raise ValueError(f"{value!r} is a built-in classifier")
        return value

    @field_validator("validator")
    @classmethod
    def _validator(cls, value: str | None) -> str | None:
        if value is not None and value not in VALIDATORS:
            raise ValueError(f"unknown validator {value!r}; one of {sorted(VALIDATORS)}")
        return value

    @field_validator("name_hints")
    @classmethod
    def _hints(cls, value: list[str]) -> list[str]:
        return [h.strip().lower() for h in value if h.strip()][:50]


def compile_pattern(pattern: str, where: tuple[str | int, ...] = ("pattern",)) -> Any:
    """RE2 runs in time linear in the input, so `(a+)+$` is safe; what RE2 cannot run (backreferences,
    look-around) is refused, never silently handed to a backtracking engine."""
    if len(pattern) > MAX_PATTERN:
        raise InvalidInput("Classifier pattern too long", errors=[ErrorItem(where, f"at most {MAX_PATTERN} chars")])
    options = re2.Options()
    options.max_mem = 8 << 20
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        raise InvalidInput(
            "Classifier pattern refused: RE2 cannot run it (backreferences and look-around are not supported)",
            errors=[ErrorItem(where, str(e))],
        ) from e


def build(spec: ClassifierSpec) -> Classifier:
    compiled = compile_pattern(spec.pattern)
    check = VALIDATORS[spec.validator] if spec.validator else None

    def detect(value: str) -> bool:
        text = value.strip()
        return len(text) <= MAX_VALUE and compiled.fullmatch(text) is not None and (check is None or check(text))

    return Classifier(
        spec.name, spec.description or spec.name, detect, tuple(spec.name_hints), spec.needs_hint, builtin=False
    )
