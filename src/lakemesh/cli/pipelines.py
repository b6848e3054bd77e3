"""Self-serve (`lakemesh new domain`), pipeline and lineage commands. PIPELINE is domain/pipeline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid
from lakemesh.pipelines.models import RunState

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    new = typer.Typer(help="Self-serve: create things from the platform's templates.", no_args_is_help=True)
    new.command("domain")(new_domain)
    app.add_typer(new, name="new")

    pipeline = typer.Typer(help="Pipelines and their runs (PIPELINE: domain/pipeline).", no_args_is_help=True)
    for name, command in (
        ("apply", pipeline_apply),
        ("list", pipeline_list),
        ("show", pipeline_show),
        ("run", pipeline_run),
        ("runs", pipeline_runs),
        ("logs", pipeline_logs),
        ("cancel", pipeline_cancel),
        ("rerun", pipeline_rerun),
        ("delete", pipeline_delete),
    ):
        pipeline.command(name)(command)
    app.add_typer(pipeline, name="pipeline")

    lineage = typer.Typer(help="The lineage graph and impact analysis.", no_args_is_help=True)
    lineage.command("graph")(lineage_graph)
    lineage.command("impact")(lineage_impact)
    app.add_typer(lineage, name="lineage")


def new_domain(
    name: Annotated[str | None, typer.Argument(help="Domain name, e.g. Sales (asked for when missing).")] = None,
    steward: str = typer.Option(None, "--steward", help="Data steward's email (asked for when missing)."),
    capacity: str = typer.Option(None, "--capacity", help="Capacity id (recorded only)."),
    owner: str = typer.Option(None, "--owner", help="Accountable owner's email."),
    description: str = typer.Option(None, "--description", help="Default: 'Data products for <name> domain'."),
    template: str = typer.Option("domain-lakehouse-template", "--template", help="Lakehouse template."),
    as_json: JsonFlag = False,
) -> None:
    """Create a domain workspace, its steward as Member and its lakehouse, from the template (idempotent)."""
    interactive = sys.stdin.isatty()
    if name is None:
        if not interactive:
            raise invalid("name", "give the domain name (e.g. lakemesh new domain Sales --steward a@b.com)")
        name = typer.prompt("Domain name (e.g. Sales)")
    if steward is None:
        if not interactive:
            raise invalid("steward", "give --steward EMAIL")
        steward = typer.prompt("Data steward's email")
    options: dict[str, Any] = {"template": template}
    if owner:
        options["owner"] = owner
    if description:
        options["description"] = description
    result = open_mesh().create_domain_lakehouse(name, steward, capacity, **options)
    if as_json:
        emit_json(result)
        return
    made = [what for what, created in result.created.items() if created]
    console.print(
        f"domain {result.domain.display_name or result.domain.name} ({result.domain.slug}), "
        f"steward {result.steward.principal} ({result.steward.role}), lakehouse {result.lakehouse.name} "
        f"from {result.template} v{result.template_version}: "
        + (f"created {', '.join(made)}" if made else "everything already existed")
    )


def _ref(value: str) -> tuple[str, str]:
    domain, _, name = value.partition("/")
    if not domain or not name:
        raise invalid("pipeline", f"{value!r} is not domain/pipeline, e.g. sales/orders")
    return domain, name


def _specs(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
    if path.is_file():
        return [path]
    raise invalid("file", f"{path} does not exist")


def pipeline_apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="A YAML/JSON spec, or a folder of them.")],
    domain: str = typer.Option(None, "--domain", help="Domain of specs that do not say `domain:`."),
    as_json: JsonFlag = False,
) -> None:
    """Create or update pipelines from YAML specs (a changed spec becomes a new version)."""
    import yaml

    mesh = open_mesh()
    applied = []
    for path in _specs(file):
        try:
            document = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise invalid("file", f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(document, dict):
            raise invalid("file", f"{path} must hold one pipeline spec (a mapping)")
        target = document.pop("domain", None) or domain
        if not target:
            raise invalid("domain", f"{path}: say `domain:` in the file or pass --domain")
        applied.append(mesh.apply_pipeline(str(target), document))
    if as_json:
        emit_json(applied)
    else:
        emit_table(applied, ["qualified_name", "version", "schedule", "template"])


def pipeline_list(domain: str, as_json: JsonFlag = False) -> None:
    """List a domain's pipelines."""
    items = open_mesh().list_pipelines(domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["qualified_name", "version", "schedule", "next_run_at", "template"])


def pipeline_show(pipeline: str, as_json: JsonFlag = False) -> None:
    """Show a pipeline, its behaviours and its spec."""
    emit_object(open_mesh().get_pipeline(*_ref(pipeline)), as_json=as_json)


def pipeline_run(
    pipeline: str,
    no_wait: bool = typer.Option(False, "--no-wait", help="Queue it and return at once."),
    as_json: JsonFlag = False,
) -> None:
    """Run a pipeline now (and wait for it, by default)."""
    run = open_mesh().run_pipeline(*_ref(pipeline), wait=not no_wait)
    if as_json:
        emit_json(run)
    else:
        emit_table(run.steps, ["name", "type", "state", "attempts", "rows_read", "rows_written", "table", "version"])
        console.print(f"run {run.id}: {run.state}" + (f" ({run.error})" if run.error else ""))
    if run.state == RunState.FAILED:
        raise typer.Exit(1)


def pipeline_runs(pipeline: str, limit: int = typer.Option(20, help="How many."), as_json: JsonFlag = False) -> None:
    """Runs of a pipeline, newest first."""
    items = open_mesh().list_runs(*_ref(pipeline), limit=limit)
    if as_json:
        emit_json(items)
    else:
        rows = [
            {**run.model_dump(mode="json"), "steps": ", ".join(f"{s.name} x{s.attempts}" for s in run.steps)}
            for run in items
        ]  # attempts per step: "clean x1, publish x1", not a total that reads like retries
        emit_table(rows, ["id", "state", "trigger", "steps", "retries", "rows_written", "duration_ms", "created_at"])


def pipeline_logs(pipeline: str, run_id: str, as_json: JsonFlag = False) -> None:
    """The log of a run."""
    lines = open_mesh().run_logs(*_ref(pipeline), run_id)
    if as_json:
        emit_json(lines)
        return
    for line in lines:
        where = f"{line.step}#{line.attempt}" if line.step else "run"
        print(f"{line.at.isoformat()} {line.level:<7} {where}: {line.message}")


def pipeline_cancel(pipeline: str, run_id: str, as_json: JsonFlag = False) -> None:
    """Cancel a queued or running run."""
    emit_object(open_mesh().cancel_run(*_ref(pipeline), run_id), as_json=as_json)


def pipeline_rerun(pipeline: str, run_id: str, as_json: JsonFlag = False) -> None:
    """Run a failed or cancelled run again with the pipeline version it ran; waits for it to finish."""
    emit_object(open_mesh().rerun_pipeline_run(*_ref(pipeline), run_id), as_json=as_json)


def pipeline_delete(pipeline: str, yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Delete a pipeline and its run history."""
    if not yes:
        typer.confirm(f"Delete {pipeline}?", abort=True)
    open_mesh().delete_pipeline(*_ref(pipeline))
    console.print(f"deleted {pipeline}")


def lineage_graph(
    node: str,
    depth: int = typer.Option(3, help="How many hops."),
    direction: str = typer.Option("both", help="upstream, downstream or both."),
    as_json: JsonFlag = False,
) -> None:
    """The lineage graph around NODE (e.g. table:sales.sales_lakehouse.gold_customer_360)."""
    graph = open_mesh().lineage_graph(node, depth=depth, direction=direction)
    if as_json:
        emit_json(graph)
    else:
        emit_table(graph.edges, ["source", "target", "kind"], title=f"lineage of {graph.root}")


def lineage_impact(
    node: str,
    column: str = typer.Option(None, help="Only what is derived from this column."),
    as_json: JsonFlag = False,
) -> None:
    """What is downstream of NODE (or of one of its columns): what may break if it changes."""
    impact = open_mesh().lineage_impact(node, column=column)
    if as_json:
        emit_json(impact)
    else:
        emit_table(impact.affected, ["node", "kind", "columns", "distance"], title=f"impact of {impact.node}")
