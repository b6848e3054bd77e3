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
    """A table when it fits the terminal; otherwise one `column: value` block per row, so nothing is cut off."""
    cells = [[_cell(_plain(row).get(column)) for column in columns] for row in rows]
    widths = [max([len(column), *(len(r[i]) for r in cells)]) for i, column in enumerate(columns)]
    if cells and sum(widths) + 3 * len(columns) + 1 > console.width:
        _vertical(cells, columns, title)
        return
    table = Table(title=title, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row_cells in cells:
        table.add_row(*row_cells)
    console.print(table)


def _vertical(cells: list[list[str]], columns: Sequence[str], title: str | None) -> None:
    """Narrow terminals: each record as lines of `column: value`; long values wrap, never end in an ellipsis."""
    if title:
        console.print(title, style="bold", markup=False, highlight=False)
    width = max(len(column) for column in columns)
    for index, row_cells in enumerate(cells):
        if index:
            console.print()
        for column, value in zip(columns, row_cells, strict=True):
            if value:
                console.print(f"{column:<{width}}  {value}", markup=False, highlight=False, soft_wrap=True)


def emit_object(value: Any, *, as_json: bool) -> None:
    if as_json:
        emit_json(value)
        return
    data = _plain(value)
    table = Table(show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")  # long names wrap instead of ending in an ellipsis
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
