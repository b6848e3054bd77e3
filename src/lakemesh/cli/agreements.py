"""Usage agreement commands: list those you are a party to, show one with its versions, renew one."""

from __future__ import annotations

from typing import Annotated

import typer

from lakemesh.cli.output import emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    agreement = typer.Typer(help="Usage agreements made by approved access requests.", no_args_is_help=True)
    agreement.command("list")(agreement_list)
    agreement.command("show")(agreement_show)
    agreement.command("renew")(agreement_renew)
    app.add_typer(agreement, name="agreement")


def agreement_list(
    product: str = typer.Option(None, help="Only this product (domain/product)."),
    state: str = typer.Option(None, help="active, expired or ended; default all."),
    as_json: JsonFlag = False,
) -> None:
    """Agreements you are a party to, as consumer or as provider."""
    items = open_mesh().list_agreements(product=product, state=state)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["id", "product", "consumer", "state", "version", "contract_version", "valid_until"])


def agreement_show(agreement_id: str, as_json: JsonFlag = False) -> None:
    """An agreement: parties, purpose, scope, contract version, SLA, obligations, validity and every version."""
    emit_object(open_mesh().get_agreement(agreement_id), as_json=as_json)


def agreement_renew(
    agreement_id: str,
    duration: str = typer.Option(None, "--duration", help="How much longer, e.g. 30d; default as long as now."),
    note: str = typer.Option("", "--note", help="A note kept with the new version."),
    as_json: JsonFlag = False,
) -> None:
    """Renew an agreement before it ends (the product's owner and its domain's Admins)."""
    emit_object(open_mesh().renew_agreement(agreement_id, duration=duration, note=note), as_json=as_json)
