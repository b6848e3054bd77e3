"""Incident commands: list a product's incidents, show one with its timeline, acknowledge, assign and resolve."""

from __future__ import annotations

from typing import Annotated

import typer

from lakemesh.cli.output import emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    incidents = typer.Typer(help="Incidents on data products (PRODUCT: domain/product).", no_args_is_help=True)
    incidents.command("list")(incidents_list)
    incidents.command("show")(incidents_show)
    incidents.command("ack")(incidents_ack)
    incidents.command("assign")(incidents_assign)
    incidents.command("resolve")(incidents_resolve)
    app.add_typer(incidents, name="incidents")


def _ref(product: str) -> tuple[str, str]:
    domain, _, name = product.partition("/")
    if not domain or not name:
        raise invalid("product", f"{product!r} is not domain/product, e.g. sales/customer-360")
    return domain, name


def incidents_list(
    product: str,
    state: str = typer.Option("open", "--state", help="open, resolved or all."),
    as_json: JsonFlag = False,
) -> None:
    """The product's incidents, newest first."""
    found = open_mesh().list_incidents(*_ref(product), state=state)
    if as_json:
        emit_json(found)
        return
    columns = ["id", "state", "cause", "title", "assignee", "occurrences", "opened_at"]
    emit_table(found, columns, title=f"Incidents of {product}")


def incidents_show(product: str, incident_id: str, as_json: JsonFlag = False) -> None:
    """One incident with its timeline."""
    emit_object(open_mesh().get_incident(*_ref(product), incident_id), as_json=as_json)


def incidents_ack(
    product: str, incident_id: str, note: str = typer.Option(None, "--note"), as_json: JsonFlag = False
) -> None:
    """Acknowledge an incident: someone is on it."""
    emit_object(
        open_mesh().update_incident(*_ref(product), incident_id, state="acknowledged", note=note), as_json=as_json
    )


def incidents_assign(product: str, incident_id: str, assignee: str, as_json: JsonFlag = False) -> None:
    """Assign an incident to a person (a principal name or e-mail)."""
    emit_object(open_mesh().update_incident(*_ref(product), incident_id, assignee=assignee), as_json=as_json)


def incidents_resolve(
    product: str,
    incident_id: str,
    reason: str = typer.Option(..., "--reason", help="Why it is resolved (shown to subscribers)."),
    as_json: JsonFlag = False,
) -> None:
    """Resolve an incident by hand, with a reason."""
    emit_object(
        open_mesh().update_incident(*_ref(product), incident_id, state="resolved", resolution=reason), as_json=as_json
    )
