"""Intake form commands: set a domain's required product fields from a JSON Schema file, show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lakemesh.cli.output import emit_json
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid


def register(app: typer.Typer) -> None:
    intake = typer.Typer(help="Intake forms: fields products must fill before publishing.", no_args_is_help=True)
    intake.command("set")(intake_set)
    intake.command("show")(intake_show)
    app.add_typer(intake, name="intake")


SchemaFile = Annotated[Path, typer.Option("-f", "--file", help="A JSON Schema (type object), as JSON.")]


def intake_set(domain: str, file: SchemaFile) -> None:
    """Set the domain's intake form (its Admins)."""
    try:
        schema = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise invalid("file", f"cannot read a JSON Schema from {file}: {exc}") from None
    emit_json(open_mesh().set_intake_form(domain, schema))


def intake_show(domain: str) -> None:
    """The domain's intake form (an empty schema when none is set)."""
    emit_json(open_mesh().get_intake_form(domain))
