"""`lakemesh config reference`: every setting, its variable, default and meaning, from the code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    config = typer.Typer(help="Configuration (environment variables LAKEMESH_*).", no_args_is_help=True)
    config.command("reference")(reference)
    app.add_typer(config, name="config")


def reference(
    update: Annotated[
        Path | None,
        typer.Option("--update", help="Rewrite the table between the settings-reference markers of this page."),
    ] = None,
) -> None:
    """Print the configuration reference as a markdown table (the one in docs/operations.md)."""
    from lakemesh.core.errors import InvalidInput
    from lakemesh.core.settings_reference import END, START, markdown_table, with_table

    if update is None:
        print(markdown_table(), end="")
        return
    try:
        page = update.read_text()
    except OSError as exc:
        raise InvalidInput(f"cannot read {update}: {exc.strerror}") from exc
    if START not in page or END not in page:
        raise InvalidInput(f"{update} has no {START} ... {END} markers")
    update.write_text(with_table(page))
    print(f"Updated the configuration reference in {update}")
