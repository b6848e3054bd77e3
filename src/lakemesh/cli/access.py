"""Discovery and access commands: `search`, `access request/list/approve/deny/cancel`, `grant list/revoke`, `sql`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SQL_FORMATS = ("table", "json", "csv", "arrow", "parquet")


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("sql")(sql)
    access = typer.Typer(help="Access requests to data products (PRODUCT: domain/product).", no_args_is_help=True)
    access.command("request")(access_request)
    access.command("list")(access_list)
    access.command("show")(access_show)
    access.command("approve")(access_approve)
    access.command("deny")(access_deny)
    access.command("cancel")(access_cancel)
    access.command("profile")(access_profile)
    app.add_typer(access, name="access")
    grant = typer.Typer(help="Grants created by approved access requests.", no_args_is_help=True)
    grant.command("list")(grant_list)
    grant.command("revoke")(grant_revoke)
    app.add_typer(grant, name="grant")


def _columns(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


def search(
    query: Annotated[str, typer.Argument(help="Words to find; typos in short queries are forgiven.")] = "",
    domain: Annotated[list[str] | None, typer.Option("--domain", help="Only these domains (repeat).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only with these tags (repeat).")] = None,
    owner: Annotated[list[str] | None, typer.Option("--owner", help="Only these owners (repeat).")] = None,
    classification: Annotated[
        list[str] | None, typer.Option("--classification", help="e.g. Confidential (repeat).")
    ] = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="draft, published, deprecated (repeat).")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="product, table or column (repeat).")] = None,
    limit: int = typer.Option(25, help="At most this many hits."),
    as_json: JsonFlag = False,
) -> None:
    """Search products, tables and columns you may see, with facet counts."""
    results = open_mesh().search(
        query,
        domain=domain or None,
        tag=tag or None,
        owner=owner or None,
        classification=classification or None,
        status=status or None,
        kind=kind or None,
        limit=limit,
    )
    if as_json:
        emit_json(results)
        return
    emit_table(
        results.items, ["kind", "qualified_name", "status", "owner", "description"], title=f"{results.total} hits"
    )
    for name in ("domain", "tag", "status"):
        counts = ", ".join(f"{f.value} ({f.count})" for f in results.facets.get(name, []))
        if counts:
            console.print(f"[bold]{name}[/bold]: {counts}")


def access_request(
    product: Annotated[str, typer.Argument(help="domain/product, e.g. sales/customer-360.")],
    purpose: str = typer.Option(..., "--purpose", help="Why you need it; the approvers read this."),
    columns: str = typer.Option(None, "--columns", help="Comma-separated columns; default all."),
    duration: str = typer.Option("90d", "--duration", help="How long, e.g. 30d."),
    grantee: str = typer.Option(None, "--grantee", help="domain:<domain> to ask for a whole domain you administer."),
    accept_terms: bool = typer.Option(
        False, "--accept-terms", help="Accept the product's usage terms (`product show` lists them)."
    ),
    as_json: JsonFlag = False,
) -> None:
    """Ask the product's owner for access."""
    created = open_mesh().request_access(
        product, purpose, columns=_columns(columns), duration=duration, grantee=grantee, accept_terms=accept_terms
    )
    emit_object(created, as_json=as_json)


def access_list(
    state: str = typer.Option(None, help="pending, approved, denied or cancelled."),
    role: str = typer.Option(None, help="requester (yours) or approver (those you decide)."),
    product: str = typer.Option(None, help="Only this product (domain/product)."),
    as_json: JsonFlag = False,
) -> None:
    """Access requests you made or decide."""
    items = open_mesh().list_access_requests(state=state, role=role, product=product)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["id", "product", "grantee", "state", "columns", "duration", "purpose"])


def access_show(request_id: str, as_json: JsonFlag = False) -> None:
    """A request and its full history."""
    emit_object(open_mesh().get_access_request(request_id), as_json=as_json)


def access_approve(
    request_id: str,
    columns: str = typer.Option(None, "--columns", help="Narrow to these columns (comma-separated)."),
    duration: str = typer.Option(None, "--duration", help="Narrow the duration, e.g. 30d."),
    note: str = typer.Option("", "--note", help="A note for the requester."),
    obligation: Annotated[
        list[str] | None,
        typer.Option("--obligation", help="An obligation for the consumer, added to the agreement (repeat)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve a request: creates an expiring grant and the usage agreement it carries out."""
    decided = open_mesh().approve_access_request(
        request_id, columns=_columns(columns), duration=duration, note=note, obligations=obligation or []
    )
    emit_object(decided, as_json=as_json)


def access_deny(
    request_id: str,
    reason: str = typer.Option(..., "--reason", help="Why, for the requester."),
    as_json: JsonFlag = False,
) -> None:
    """Deny a request with a reason."""
    emit_object(open_mesh().deny_access_request(request_id, reason), as_json=as_json)


def access_cancel(request_id: str, as_json: JsonFlag = False) -> None:
    """Cancel your pending request."""
    emit_object(open_mesh().cancel_access_request(request_id), as_json=as_json)


def grant_list(
    product: str = typer.Option(None, help="Only this product (domain/product)."),
    state: str = typer.Option("active", help="active, expired, revoked or all."),
    as_json: JsonFlag = False,
) -> None:
    """Grants you hold and grants on products you approve for."""
    items = open_mesh().list_grants(product=product, state=None if state == "all" else state)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["id", "product", "grantee", "columns", "expires_at", "state"])


def grant_revoke(
    grant_id: str, reason: str = typer.Option("", "--reason", help="Why, for the grantee."), as_json: JsonFlag = False
) -> None:
    """Revoke a grant; it stops working at once."""
    emit_object(open_mesh().revoke_grant(grant_id, reason=reason), as_json=as_json)


def sql(
    query: Annotated[
        str, typer.Argument(help='One read query, e.g. "SELECT count(*) FROM product.sales.customer_360".')
    ],
    format: str = typer.Option("table", "--format", help="table, json, csv, arrow or parquet."),
    limit: int = typer.Option(None, "--limit", help="At most this many rows (default 10000)."),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")] = None,
) -> None:
    """Run a governed SQL query; columns you may not see come back masked."""
    if format not in SQL_FORMATS:
        raise invalid("format", f"must be one of {', '.join(SQL_FORMATS)}")
    table = open_mesh().sql(query, limit=limit)
    if format == "table":
        emit_table(table.to_pylist(), table.schema.names, title=f"{table.num_rows} rows")
        return
    if format == "json":
        emit_json(table.to_pylist())
        return
    import pyarrow as pa

    from lakemesh.storage import arrowio

    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    data = b"".join(arrowio.encode(reader, format))
    if output is not None:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


def access_profile(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write a new profile file here (mode 0600); replaces your old one.")
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke your profile (at once, also file URLs).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Your personal Delta Sharing profile over exactly what your grants cover (no options: show it)."""
    mesh = open_mesh()
    if out is not None and revoke:
        raise invalid("revoke", "give --out to create a profile or --revoke to revoke it, not both")
    if revoke:
        shown = mesh.revoke_sharing_profile()
    elif out is not None:
        issued = mesh.create_sharing_profile()
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(issued.profile, handle, indent=2)
        shown = issued.model_copy(update={"token": "", "profile": {}})
        if not as_json:
            console.print(f"Wrote your Delta Sharing profile to {out} (pip install delta-sharing to read it):")
    else:
        shown = mesh.get_sharing_profile()
    if as_json:
        emit_json(shown.model_dump(exclude={"token", "profile"}))
        return
    if shown.state == "revoked":
        console.print(f"Your sharing profile {shown.token_prefix}… is revoked.")
        return
    for table in shown.tables:
        where = f"{out}#" if out is not None else "PROFILE#"
        console.print(f"  {where}{table.share}.{table.schema_name}.{table.name}  ({table.product})")
