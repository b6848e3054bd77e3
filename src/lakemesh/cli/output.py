"""Printing results: rich tables for people, `--json` for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    print(json.dumps(_plain(value), indent=2, default=str))


def emit_table(rows: Sequence[Any], columns: Sequence[str], *, title: str | None = None) -> None:
    table = Table(title=title, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        data = _plain(row)
        table.add_row(*[_cell(data.get(column)) for column in columns])
    console.print(table)


def emit_object(value: Any, *, as_json: bool) -> None:
    if as_json:
        emit_json(value)
        return
    data = _plain(value)
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, item in data.items():
        table.add_row(key, _cell(item))
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
