"""`lakemesh metrics`: the mesh's health, as the seed's dict and as daily series."""

from __future__ import annotations

from typing import Annotated

import typer

from lakemesh.cli.output import console, emit_json
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (the whole report).")]
_LABELS = {
    "data_products_count": "Data products",
    "domains_active": "Active domains (30 days)",
    "cross_domain_shares": "Cross-domain shares",
    "avg_quality_score": "Average quality score",
    "time_to_new_product": "Time to new product",
    "self_serve_adoption": "Self-serve adoption",
    "governance_compliance": "Governance compliance",
}


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


def metrics(
    days: Annotated[int, typer.Option(help="Days of history for the trend (1-366).")] = 30,
    as_json: JsonFlag = False,
) -> None:
    """Mesh health: products, active domains, shares, quality, time to product, self-serve, compliance."""
    from rich.table import Table

    report = open_mesh().metrics_report(days=days)
    if as_json:
        emit_json(report)
        return
    table = Table(title=f"Mesh health (trend since {report.since})", header_style="bold")
    for column in ("metric", "now", "trend"):
        table.add_column(column)
    unavailable = set(report.current.unavailable)
    for name, label in _LABELS.items():
        value = report.summary.get(name)
        shown = "not available yet" if name in unavailable else ("-" if value is None else str(value))
        table.add_row(label, shown, _trend([p.value for p in report.series.get(name, [])]))
    console.print(table)
    statuses = ", ".join(f"{k}: {v}" for k, v in report.current.data_products_by_status.items()) or "none"
    console.print(f"Products by status: {statuses}")


def _trend(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    change = known[-1] - known[0]
    if change == 0:
        return "steady"
    return f"{'up' if change > 0 else 'down'} {abs(round(change, 1))}"
