"""Sharing commands: `shortcut create/list/delete` and `share create/list/add-table/remove-table/recipient`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    shortcut = typer.Typer(help="Zero-copy shortcuts to tables of other lakehouses (read-only).", no_args_is_help=True)
    shortcut.command("create")(shortcut_create)
    shortcut.command("list")(shortcut_list)
    shortcut.command("delete")(shortcut_delete)
    app.add_typer(shortcut, name="shortcut")
    share = typer.Typer(help="Delta Sharing shares for readers outside the mesh.", no_args_is_help=True)
    share.command("create")(share_create)
    share.command("list")(share_list)
    share.command("show")(share_show)
    share.command("delete")(share_delete)
    share.command("add-table")(share_add_table)
    share.command("remove-table")(share_remove_table)
    recipient = typer.Typer(help="Recipients of a share and their bearer tokens.", no_args_is_help=True)
    recipient.command("create")(recipient_create)
    recipient.command("list")(recipient_list)
    recipient.command("revoke")(recipient_revoke)
    share.add_typer(recipient, name="recipient")
    app.add_typer(share, name="share")


def shortcut_create(
    domain: Annotated[str, typer.Argument(help="Domain of the lakehouse the shortcut goes in.")],
    lakehouse: Annotated[str, typer.Argument(help="Lakehouse the shortcut goes in.")],
    path: Annotated[str, typer.Argument(help="e.g. Tables/shared_customer_360")],
    target: Annotated[str, typer.Argument(help="The target table: domain.lakehouse.table")],
    version: Annotated[int | None, typer.Option(help="Pin this version of the target.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Re-point an existing shortcut.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a read-only shortcut; reads go to the target, no data is copied."""
    parts = target.split(".")
    if len(parts) != 3:
        raise typer.BadParameter("write the target as domain.lakehouse.table", param_hint="TARGET")
    spec = {"domain": parts[0], "lakehouse": parts[1], "table": parts[2]}
    created = open_mesh().create_shortcut(domain, lakehouse, path, spec, version=version, replace=replace)
    emit_object(created, as_json=as_json)


def shortcut_list(domain: str, lakehouse: str, as_json: JsonFlag = False) -> None:
    """List a lakehouse's shortcuts; `broken` ones cannot be read by you (target gone or grant lost)."""
    items = open_mesh().list_shortcuts(domain, lakehouse)
    if as_json:
        emit_json(items)
        return
    rows = [{**s.model_dump(), "target": _target(s.target)} for s in items]
    emit_table(rows, ["name", "target", "target_version", "status", "created_by"], title="Shortcuts")


def _target(target: object) -> str:
    return ".".join(str(v) for v in target.model_dump().values()) if hasattr(target, "model_dump") else "(missing)"


def shortcut_delete(domain: str, lakehouse: str, name: str) -> None:
    """Delete a shortcut (the target's data is untouched)."""
    open_mesh().delete_shortcut(domain, lakehouse, name)
    console.print(f"Deleted shortcut {domain}.{lakehouse}.{name}")


def share_create(
    name: str,
    domain: Annotated[str, typer.Option("--domain", help="The domain whose tables the share exposes.")],
    description: str = "",
    as_json: JsonFlag = False,
) -> None:
    """Create a Delta Sharing share of one domain's tables."""
    emit_object(open_mesh().create_share(name, domain, description=description), as_json=as_json)


def share_list(as_json: JsonFlag = False) -> None:
    """List the shares of your domains."""
    items = open_mesh().list_shares()
    if as_json:
        emit_json(items)
        return
    rows = [{**s.model_dump(), "tables": len(s.tables)} for s in items]
    emit_table(rows, ["name", "domain", "tables", "recipients", "description"], title="Shares")


def share_show(name: str, as_json: JsonFlag = False) -> None:
    """Show a share and its tables."""
    share = open_mesh().get_share(name)
    if as_json:
        emit_json(share)
        return
    emit_table(share.tables, ["schema_name", "name", "table", "columns"], title=f"Share {share.name} ({share.domain})")


def share_delete(name: str) -> None:
    """Delete a share; its recipients lose access at once."""
    open_mesh().delete_share(name)
    console.print(f"Deleted share {name}")


def share_add_table(
    share: str,
    table: Annotated[str, typer.Argument(help="lakehouse.table in the share's domain")],
    schema: Annotated[str | None, typer.Option(help="Schema recipients see (default: the lakehouse).")] = None,
    name: Annotated[str | None, typer.Option(help="Name recipients see (default: the table's).")] = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated columns to expose.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a table; by default columns with a masked sensitivity label are left out."""
    lakehouse, _, table_name = table.partition(".")
    if not table_name:
        raise typer.BadParameter("write the table as lakehouse.table", param_hint="TABLE")
    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    result = open_mesh().add_share_table(share, lakehouse, table_name, schema=schema, name=name, columns=chosen)
    emit_object(result, as_json=as_json)


def share_remove_table(
    share: str, table: Annotated[str, typer.Argument(help="schema.name as recipients see it")]
) -> None:
    """Remove a table from a share."""
    schema, _, name = table.partition(".")
    open_mesh().remove_share_table(share, schema, name)
    console.print(f"Removed {table} from share {share}")


def recipient_create(
    share: str,
    name: str,
    profile: Annotated[Path | None, typer.Option("--profile", help="Write the profile file here (mode 0600).")] = None,
    expires_in: Annotated[str | None, typer.Option("--expires-in", help="e.g. 90d; never by default.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a recipient; its token is shown (or written to the profile file) once."""
    issued = open_mesh().create_recipient(share, name, expires_in=expires_in)
    if profile is not None:
        fd = os.open(profile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(issued.profile, handle, indent=2)
        console.print(
            f"Wrote the Delta Sharing profile of {name} to {profile}; read tables as {profile}#{share}.<schema>.<table>"
        )
    if as_json or profile is None:
        emit_json(issued)


def recipient_list(share: str, as_json: JsonFlag = False) -> None:
    """List a share's recipients."""
    items = open_mesh().list_recipients(share)
    if as_json:
        emit_json(items)
        return
    emit_table(items, ["name", "state", "token_prefix", "expires_at", "last_used_at"], title=f"Recipients of {share}")


def recipient_revoke(share: str, name: str) -> None:
    """Revoke a recipient at once (its file URLs stop working too)."""
    open_mesh().revoke_recipient(share, name)
    console.print(f"Revoked recipient {name} of share {share}")
