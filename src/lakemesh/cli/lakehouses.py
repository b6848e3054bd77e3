"""Template, lakehouse, table and file commands. Tables are named `domain.lakehouse.table`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.profiles import table_profile
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
_FORMATS = {".parquet": "parquet", ".csv": "csv", ".arrow": "arrow", ".arrows": "arrow", ".jsonl": "ndjson"}


def register(app: typer.Typer) -> None:
    template = typer.Typer(help="Self-serve templates.", no_args_is_help=True)
    template.command("list")(template_list)
    template.command("show")(template_show)
    template.command("put")(template_put)
    app.add_typer(template, name="template")
    lakehouse = typer.Typer(help="Lakehouses of a domain (bronze, silver, gold).", no_args_is_help=True)
    lakehouse.command("create")(lakehouse_create)
    lakehouse.command("list")(lakehouse_list)
    lakehouse.command("show")(lakehouse_show)
    app.add_typer(lakehouse, name="lakehouse")
    table = typer.Typer(help="Delta tables: TABLE is domain.lakehouse.table.", no_args_is_help=True)
    table.command("list")(table_list)
    table.command("show")(table_show)
    table.command("write")(table_write)
    table.command("read")(table_read)
    table.command("history")(table_history)
    table.command("vacuum")(table_vacuum)
    table.command("optimize")(table_optimize)
    table.command("label")(table_label)
    table.command("update")(table_update)
    table.command("change-feed")(table_change_feed)
    table.command("delete")(table_delete)
    table.command("profile")(table_profile)
    app.add_typer(table, name="table")
    files = typer.Typer(
        help="Raw files in a lakehouse's Files area: LAKEHOUSE is domain.lakehouse.", no_args_is_help=True
    )
    files.command("upload")(file_upload)
    files.command("list")(file_list)
    files.command("download")(file_download)
    files.command("delete")(file_delete)
    app.add_typer(files, name="file")
    maintenance = typer.Typer(help="Upkeep jobs (the server also runs them on a schedule).", no_args_is_help=True)
    maintenance.command("vacuum")(maintenance_vacuum)
    app.add_typer(maintenance, name="maintenance")


def _split(name: str, parts: int, what: str) -> list[str]:
    pieces = name.replace("/", ".").split(".")
    if len(pieces) != parts or not all(pieces):
        example = "sales.sales_lakehouse.gold_customer_360" if parts == 3 else "sales.sales_lakehouse"
        raise invalid(what, f"{name!r} is not a {what}; write it like {example}")
    return pieces


# -- templates ------------------------------------------------------------------------------------
def template_list(as_json: JsonFlag = False) -> None:
    """List templates."""
    items = open_mesh().list_templates()
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "type", "version", "builtin", "updated_at"])


def template_show(name: str, as_json: JsonFlag = False) -> None:
    """Show a template."""
    emit_object(open_mesh().get_template(name), as_json=as_json)


def template_put(name: str, file: Annotated[Path, typer.Option("-f", "--file", help="JSON or YAML.")]) -> None:
    """Create or update a template from a JSON or YAML file (platform admins)."""
    import yaml

    document = yaml.safe_load(file.read_text())
    emit_object(open_mesh().put_template(name, document), as_json=False)


# -- lakehouses -----------------------------------------------------------------------------------
def lakehouse_create(
    domain: str,
    name: str,
    description: str = typer.Option("", help="What the lakehouse holds."),
    steward: str = typer.Option(None, "--steward", help="Data steward email."),
    template: str = typer.Option(None, help="e.g. domain-lakehouse-template."),
    retention_days: int = typer.Option(None, help="Days of history vacuum keeps."),
    as_json: JsonFlag = False,
) -> None:
    """Create a lakehouse in a domain."""
    created = open_mesh().create_lakehouse(
        domain,
        name,
        description=description,
        data_steward=steward,
        template=template,
        retention_days=retention_days,
    )
    emit_object(created, as_json=as_json)


def lakehouse_list(domain: str, as_json: JsonFlag = False) -> None:
    """List a domain's lakehouses."""
    items = open_mesh().list_lakehouses(domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "template", "layers", "retention_days", "auto_vacuum", "data_steward"])


def lakehouse_show(lakehouse: str, as_json: JsonFlag = False) -> None:
    """Show a lakehouse (domain.lakehouse)."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    emit_object(open_mesh().get_lakehouse(domain, name), as_json=as_json)


# -- tables ---------------------------------------------------------------------------------------
def table_list(lakehouse: str, as_json: JsonFlag = False) -> None:
    """List the tables of a lakehouse (domain.lakehouse)."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    items = open_mesh().list_tables(domain, name)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "layer", "version", "row_count", "last_refresh", "description"])


def table_show(table: str, as_json: JsonFlag = False) -> None:
    """Show a table's schema, version, size and freshness."""
    info = open_mesh().get_table(*_split(table, 3, "table"))
    if as_json:
        emit_json(info)
        return
    emit_object(info.model_copy(update={"columns": []}), as_json=False)
    emit_table(info.columns, ["name", "type", "nullable", "sensitivity_label", "description"], title="columns")


def table_write(
    table: str,
    file: Path,
    mode: str = typer.Option("append", help="append or overwrite."),
    schema_mode: str = typer.Option(None, help="merge: add new columns; overwrite: replace the schema."),
    key: list[str] = typer.Option([], "--key", help="Upsert on these key columns (repeat)."),  # noqa: B008
    as_json: JsonFlag = False,
) -> None:
    """Write a Parquet, CSV, Arrow or JSON-lines file to a table (created on first write)."""
    from lakemesh.storage.arrowio import open_reader

    fmt = _FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise invalid("file", f"unknown file type {file.suffix!r}; use .parquet, .csv, .arrow or .jsonl")
    if not file.is_file():
        raise invalid("file", f"{file} does not exist")
    reader = _with_progress(open_reader(file, fmt), file.stat().st_size, f"writing {file.name}")
    domain, lakehouse, name = _split(table, 3, "table")
    result = open_mesh().write_table(
        domain, lakehouse, name, reader, mode=mode, schema_mode=schema_mode, merge_keys=key or None
    )
    emit_object(result, as_json=as_json)


def _with_progress(reader: Any, total_bytes: int, label: str) -> Any:
    """Rows counted on a rich progress bar as batches go by (stderr, so stdout stays clean)."""
    import pyarrow as pa
    from rich.progress import Progress

    def batches() -> Iterator[Any]:
        with Progress(console=console, transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task(label, total=None)
            for batch in reader:
                progress.update(task, advance=batch.num_rows)
                yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def table_read(
    table: str,
    format: str = typer.Option("csv", "--format", help="csv, json, parquet or arrow."),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File; default stdout (csv/json).")] = None,
    version: int = typer.Option(None, help="Time travel to this version."),
    limit: int = typer.Option(None, help="At most this many rows."),
    column: list[str] = typer.Option([], "--column", help="Only these columns (repeat)."),  # noqa: B008
) -> None:
    """Read a table as CSV, JSON lines, Parquet or Arrow."""
    from lakemesh.storage.arrowio import encode

    if format not in {"csv", "json", "parquet", "arrow"}:
        raise invalid("format", "use csv, json, parquet or arrow")
    if format in {"parquet", "arrow"} and output is None:
        raise invalid("output", f"{format} is binary; give --output FILE")
    data = open_mesh().read_table(*_split(table, 3, "table"), version=version, limit=limit, columns=column or None)
    chunks = encode(data.to_reader(), format)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return
    with output.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    console.print(f"wrote {data.num_rows} rows to {output}")


def table_history(table: str, limit: int = 20, as_json: JsonFlag = False) -> None:
    """A table's commits, newest first."""
    items = open_mesh().table_history(*_split(table, 3, "table"), limit=limit)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["version", "at", "operation", "actor", "rows_added"])


def table_vacuum(
    table: str,
    retention_hours: int = typer.Option(None, help="Default: the lakehouse's retention."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would go."),
    force: bool = typer.Option(False, "--force", help="Go below the retention (platform admins)."),
    as_json: JsonFlag = False,
) -> None:
    """Remove data files that no version within the retention needs."""
    result = open_mesh().vacuum_table(
        *_split(table, 3, "table"), retention_hours=retention_hours, dry_run=dry_run, force=force
    )
    emit_object(result.model_copy(update={"files": result.files[:20]}), as_json=as_json)


def table_optimize(table: str, as_json: JsonFlag = False) -> None:
    """Compact small files."""
    emit_object(open_mesh().optimize_table(*_split(table, 3, "table")), as_json=as_json)


def table_label(
    table: str,
    column: str,
    label: str = typer.Option(None, "--label", help="Sensitivity label, e.g. Confidential."),
    description: str = typer.Option(None, "--description", help="Column description."),
) -> None:
    """Set a column's sensitivity label or description."""
    change = {k: v for k, v in {"sensitivity_label": label, "description": description}.items() if v is not None}
    info = open_mesh().update_table(*_split(table, 3, "table"), columns={column: change})
    emit_table(info.columns, ["name", "type", "sensitivity_label", "description"], title=info.qualified_name)


def table_update(
    table: str,
    description: str = typer.Option(None, "--description", help="What the table holds."),
    layer: str = typer.Option(None, "--layer", help="bronze, silver or gold."),
    retention_days: int = typer.Option(None, "--retention-days", help="Days of history kept before vacuum."),
    as_json: JsonFlag = False,
) -> None:
    """Set a table's description, medallion layer or retention (policies often ask for a description)."""
    given: dict[str, Any] = {"description": description, "layer": layer, "retention_days": retention_days}
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise invalid("table", "give --description, --layer or --retention-days")
    info = open_mesh().update_table(*_split(table, 3, "table"), **changes)
    emit_object(info, as_json=as_json)


def table_change_feed(
    table: str, on: bool = typer.Option(..., "--on/--off", help="Record row-level changes or stop recording them.")
) -> None:
    """Turn the table's change data feed (read by Delta Sharing's /changes) on or off."""
    info = open_mesh().update_table(*_split(table, 3, "table"), change_data_feed=on)
    console.print(f"{info.qualified_name}: change data feed {'on' if on else 'off'}")


def table_delete(table: str, yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Delete a table and its data."""
    if not yes:
        typer.confirm(f"Delete {table} and all its data?", abort=True)
    open_mesh().delete_table(*_split(table, 3, "table"))
    console.print(f"deleted {table}")


# -- files ----------------------------------------------------------------------------------------
def file_upload(lakehouse: str, source: Path, path: str = typer.Option(None, help="Path in Files/.")) -> None:
    """Upload a raw file to the Files area."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    info = open_mesh().upload_file(domain, name, path or source.name, source)
    console.print(json.dumps(info.model_dump(mode="json")))


def file_list(lakehouse: str, prefix: str = "", as_json: JsonFlag = False) -> None:
    """List raw files."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    items = open_mesh().list_files(domain, name, prefix)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["path", "size_bytes", "modified_at"])


def file_download(
    lakehouse: str, path: str, output: Annotated[Path | None, typer.Option("-o", "--output")] = None
) -> None:
    """Download a raw file (to stdout unless --output)."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    data = open_mesh().download_file(domain, name, path)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)


def file_delete(lakehouse: str, path: str) -> None:
    """Delete a raw file."""
    domain, name = _split(lakehouse, 2, "lakehouse")
    open_mesh().delete_file(domain, name, path)
    console.print(f"deleted {path}")


def maintenance_vacuum(as_json: JsonFlag = False) -> None:
    """Run auto-vacuum now for every lakehouse that asks for it (what the scheduler does every 6h)."""
    from lakemesh.cli.session import settings
    from lakemesh.lakehouses.maintenance import auto_vacuum
    from lakemesh.platform import Platform

    platform = Platform(settings())
    platform.initialize()
    runs = auto_vacuum(platform.catalog, platform.tables)
    if as_json:
        emit_json([run.__dict__ for run in runs])
    else:
        emit_table([run.__dict__ for run in runs], ["table", "files_removed", "error"], title="auto-vacuum")
