"""The configuration reference, generated from `Settings` so docs/operations.md cannot drift from the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from lakemesh.core.settings import Settings

START = "<!-- settings-reference:start -->"
END = "<!-- settings-reference:end -->"
# Defaults computed from the machine running this code are shown as what they mean, not as a local path.
_SHOWN_DEFAULTS = {"home": "`~/.lakemesh`"}


def env_var(name: str) -> str:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return f"{prefix}{name}".upper()


def env_vars() -> set[str]:
    """Every environment variable Settings reads."""
    return {env_var(name) for name in Settings.model_fields}


def markdown_table() -> str:
    """One row per Settings field: variable, default, meaning (the field's description)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{env_var(name)}` | {_default(name, field)} | {description} |")
    return "\n".join(lines) + "\n"


def _default(name: str, field: FieldInfo) -> str:
    if name in _SHOWN_DEFAULTS:
        return _SHOWN_DEFAULTS[name]
    value: Any = field.default
    if value is PydanticUndefined:
        value = field.default_factory() if field.default_factory else None  # type: ignore[call-arg]
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and value >= 1024 and value % 1024 == 0:
        return f"`{value}` ({_size(value)})"
    if isinstance(value, Path):
        value = str(value)
    return f"`{value}`"


def _size(value: int) -> str:
    for unit in ("GiB", "MiB", "KiB"):
        scale = {"GiB": 1024**3, "MiB": 1024**2, "KiB": 1024}[unit]
        if value % scale == 0:
            return f"{value // scale} {unit}"
    return f"{value} bytes"


def embedded_table(document: str) -> str:
    """The text between the reference markers of a docs page (raises if the markers are missing)."""
    start, end = document.index(START) + len(START), document.index(END)
    return document[start:end].strip("\n") + "\n"


def with_table(document: str) -> str:
    """The docs page with the generated table between its markers."""
    start, end = document.index(START) + len(START), document.index(END)
    return f"{document[:start]}\n{markdown_table()}{document[end:]}"
