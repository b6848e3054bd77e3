"""Quality commands: run checks with progress and a table of results, history, SLA status and schedules."""

from __future__ import annotations

from typing import Annotated

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
STATUS_STYLE = {"passed": "green", "met": "green", "failed": "red", "breached": "red", "errored": "red"}
STATUS_STYLE |= {"at_risk": "yellow", "unknown": "dim"}


def register(app: typer.Typer) -> None:
    quality = typer.Typer(
        help="Quality checks, history, SLA status and schedules (PRODUCT: domain/product).", no_args_is_help=True
    )
    quality.command("run")(quality_run)
    quality.command("history")(quality_history)
    quality.command("sla")(quality_sla)
    quality.command("schedule")(quality_schedule)
    app.add_typer(quality, name="quality")


def _ref(product: str) -> tuple[str, str]:
    domain, _, name = product.partition("/")
    if not domain or not name:
        raise invalid("product", f"{product!r} is not domain/product, e.g. sales/customer-360")
    return domain, name


def _styled(value: str) -> str:
    style = STATUS_STYLE.get(value)
    return f"[{style}]{value}[/{style}]" if style else value


def quality_run(
    product: str,
    full: bool = typer.Option(False, "--full", help="Read the whole table even when only appends happened."),
    samples: int = typer.Option(5, "--samples", min=0, max=100, help="Failing rows to show per failed rule."),
    as_json: JsonFlag = False,
) -> None:
    """Run the product's quality rules now, in one scan of its table."""
    mesh = open_mesh()
    with console.status(f"Checking {product} …", spinner="dots"):
        run = mesh.run_quality(*_ref(product), mode="full" if full else "auto", sample_limit=samples)
    if as_json:
        emit_json(run)
        raise typer.Exit(0 if run.status == "passed" else 1)
    rows = [
        {
            "rule": r.name,
            "result": _styled("passed" if r.passed else "failed"),
            "passed rows": f"{r.passed_rows:,}",
            "failed rows": f"{r.failed_rows:,}",
            "pass rate": f"{100 * r.pass_rate:.2f}%",
            "threshold": f"{100 * r.threshold:g}%",
            "severity": r.severity,
        }
        for r in run.rules
    ]
    title = f"{run.product} v{run.product_version} · table version {run.table_version} · {run.mode}"
    title += f" · {run.total_rows:,} rows"
    if run.rules:
        emit_table(
            rows, ["rule", "result", "passed rows", "failed rows", "pass rate", "threshold", "severity"], title=title
        )
    for rule in run.rules:
        if rule.samples:
            emit_table(rule.samples, list(rule.samples[0]), title=f"failing rows of {rule.name}")
    if run.status == "errored":
        console.print(f"[red]errored[/red]: {run.error}")
    else:
        console.print(f"Quality score {run.score}% ({_styled(run.status)}), row-weighted {run.weighted_score}%")
    raise typer.Exit(0 if run.status == "passed" else 1)


def quality_history(
    product: str, limit: int = typer.Option(20, help="How many runs."), as_json: JsonFlag = False
) -> None:
    """Past runs, newest first."""
    runs = open_mesh().quality_runs(*_ref(product), limit=limit)
    if as_json:
        emit_json(runs)
        return
    rows = [
        {
            "started_at": r.started_at.isoformat(timespec="seconds"),
            "status": _styled(r.status),
            "score": r.score,
            "weighted_score": r.weighted_score,
            "rows": f"{r.total_rows:,}",
            "table_version": r.table_version,
            "mode": r.mode,
            "trigger": r.trigger,
        }
        for r in runs
    ]
    emit_table(rows, ["started_at", "status", "score", "weighted_score", "rows", "table_version", "mode", "trigger"])


def quality_sla(product: str, as_json: JsonFlag = False) -> None:
    """SLA status: freshness, quality score and availability against the contract's targets."""
    status = open_mesh().get_sla(*_ref(product))
    if as_json:
        emit_json(status)
        return
    rows = [
        {
            "objective": o.name,
            "target": o.target,
            "current": o.current or "",
            "status": _styled(o.status),
            "since": o.since.isoformat(timespec="seconds") if o.since else "",
            "detail": o.detail,
        }
        for o in status.objectives
    ]
    emit_table(
        rows,
        ["objective", "target", "current", "status", "since", "detail"],
        title=f"{status.product}: {status.status}",
    )


def quality_schedule(
    product: str,
    cron: str = typer.Option(None, "--cron", help="Five-field cron in UTC, e.g. '0 6 * * *'."),
    off: bool = typer.Option(False, "--off", help="Remove the schedule."),
    as_json: JsonFlag = False,
) -> None:
    """Show, set (--cron) or remove (--off) the product's quality schedule."""
    mesh = open_mesh()
    domain, name = _ref(product)
    if off:
        mesh.delete_quality_schedule(domain, name)
        console.print(f"removed the quality schedule of {product}")
        return
    schedule = mesh.set_quality_schedule(domain, name, cron) if cron else mesh.get_quality_schedule(domain, name)
    emit_object(schedule, as_json=as_json)
