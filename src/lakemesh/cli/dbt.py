"""dbt commands: build a dbt project on Lakemesh, or import the lineage of a project run elsewhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from lakemesh.cli.output import console
from lakemesh.cli.session import open_mesh

Domain = Annotated[str, typer.Option("--domain", help="The domain the models are written to.")]
Lakehouse = Annotated[str, typer.Option("--lakehouse", help="The lakehouse the models are written to.")]


def register(app: typer.Typer) -> None:
    dbt = typer.Typer(help="dbt projects on Lakemesh (dbt-duckdb with the lakemesh plugin).", no_args_is_help=True)
    dbt.command("build")(dbt_build)
    dbt.command("import-manifest")(dbt_import_manifest)
    app.add_typer(dbt, name="dbt")


def dbt_build(
    project: Annotated[Path, typer.Argument(help="The dbt project folder (with dbt_project.yml).")],
    domain: Domain,
    lakehouse: Lakehouse,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="dbt's --full-refresh: rebuild incremental models whole.")
    ] = False,
) -> None:
    """`dbt build`, then write each table and incremental model through Lakemesh and record lineage."""
    from lakemesh.dbt.build import build

    url, token = os.environ.get("LAKEMESH_URL"), os.environ.get("LAKEMESH_TOKEN")
    home = None if url else Path(os.environ.get("LAKEMESH_HOME", "~/.lakemesh")).expanduser()
    args = ["--full-refresh"] if full_refresh else None
    mesh, folder = open_mesh(), project.resolve()
    result = build(mesh, folder, domain=domain, lakehouse=lakehouse, url=url, token=token, home=home, args=args)
    for name, written in result.written.items():
        console.print(f"{name}: {written.mode} {written.rows_written} rows -> {written.table} v{written.version}")
    console.print(f"{result.lineage_events} lineage event(s) recorded")


def dbt_import_manifest(
    manifest: Annotated[Path, typer.Argument(help="target/manifest.json of a dbt project.")],
    domain: Domain,
    lakehouse: Lakehouse,
    run_results: Annotated[Path | None, typer.Option("--run-results", help="target/run_results.json")] = None,
) -> None:
    """Record the lineage of a dbt project run elsewhere (its models as tables of DOMAIN.LAKEHOUSE)."""
    from lakemesh.dbt.build import import_manifest

    sent = import_manifest(open_mesh(), manifest, domain=domain, lakehouse=lakehouse, run_results=run_results)
    console.print(f"{sent} lineage event(s) recorded")
