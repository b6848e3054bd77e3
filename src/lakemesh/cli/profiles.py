"""`lakemesh table profile`: per-column statistics of a table, or one column's history."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def table_profile(
    table: str,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Profile now instead of showing the stored profile.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Profile now, scanning the whole version (implies --refresh).")
    ] = False,
    column: Annotated[str | None, typer.Option("--column", help="Show this column's statistics over time.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per-column statistics of a table (domain.lakehouse.table): nulls, distincts, bounds, top values."""
    parts = table.replace("/", ".").split(".")
    if len(parts) != 3 or not all(parts):
        raise invalid("table", f"{table!r} is not a table; write it like sales.sales_lakehouse.gold_customer_360")
    domain, lakehouse, name = parts
    mesh = open_mesh()
    if column is not None:
        points = mesh.column_profile_history(domain, lakehouse, name, column)
        if as_json:
            emit_json(points)
            return
        rows = [{"version": p.version, "computed_at": p.computed_at, **_summary(p.column.model_dump())} for p in points]
        emit_table(rows, ["version", "computed_at", "rows", "null_pct", "distinct", "min", "max", "mean"])
        return
    if refresh or full:
        profile = mesh.profile_table(domain, lakehouse, name, full=full)
    else:
        profile = mesh.get_table_profile(domain, lakehouse, name)
    if as_json:
        emit_json(profile)
        return
    how = f" (incremental: {profile.appended_rows} rows appended since the last full profile)"
    console.print(
        f"{profile.table} version {profile.version}: {profile.rows} rows, profiled {profile.computed_at}"
        + (how if profile.method == "incremental" else "")
    )
    emit_table([_summary(c.model_dump()) for c in profile.columns], ["name", "type", *SUMMARY])


SUMMARY = ["null_pct", "distinct", "min", "max", "mean", "top"]


def _summary(column: dict[str, Any]) -> dict[str, Any]:
    top = column.get("top_values") or []
    shown = ", ".join(f"{v['value']} ({v['count']})" for v in top[:3])
    return {**column, "top": "(masked)" if column.get("withheld") else shown}
