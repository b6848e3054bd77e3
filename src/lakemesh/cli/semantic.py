"""Semantic model commands: `model apply/list/show/versions/delete` and `dax "EVALUATE ..."`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lakemesh.cli.output import emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    model = typer.Typer(help="Semantic models (MODEL: domain/model).", no_args_is_help=True)
    model.command("apply")(model_apply)
    model.command("list")(model_list)
    model.command("show")(model_show)
    model.command("versions")(model_versions)
    model.command("delete")(model_delete)
    app.add_typer(model, name="model")
    app.command("dax")(dax)


def _ref(model: str) -> tuple[str, str]:
    domain, _, name = model.partition("/")
    if not domain or not name:
        raise invalid("model", f"{model!r} is not domain/model, e.g. sales/customer-analytics")
    return domain, name


def model_apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="The model document, YAML or JSON.")],
    domain: Annotated[str | None, typer.Option("--domain", help="The domain (else the document's `domain`).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create or replace a semantic model from its document."""
    import yaml

    if not file.is_file():
        raise invalid("file", f"{file} does not exist")
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise invalid("file", f"{file} is not valid JSON or YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise invalid("file", "must hold one model document (a mapping)")
    target = domain or document.pop("domain", None)
    document.pop("domain", None)
    if not target:
        raise invalid("domain", "give --domain or a `domain` field in the document")
    emit_object(open_mesh().put_semantic_model(str(target), document), as_json=as_json)


def model_list(
    domain: Annotated[str | None, typer.Option("--domain", help="Only this domain.")] = None, as_json: JsonFlag = False
) -> None:
    """List the semantic models you may read."""
    items = open_mesh().list_semantic_models(domain)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["qualified_name", "version", "tables", "measures", "sources"])


def model_show(model: str, as_json: JsonFlag = False) -> None:
    """Show a semantic model and its document."""
    emit_object(open_mesh().get_semantic_model(*_ref(model)), as_json=as_json)


def model_versions(model: str, as_json: JsonFlag = False) -> None:
    """Versions of a model, newest first."""
    items = open_mesh().semantic_model_versions(*_ref(model))
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["version", "created_at", "created_by", "breaking", "changes"])


def model_delete(model: str) -> None:
    """Delete a semantic model."""
    open_mesh().delete_semantic_model(*_ref(model))
    print(f"Deleted {model}")


def dax(
    query: Annotated[str, typer.Argument(help='e.g. "EVALUATE SUMMARIZE(Customers, Customers[Segment])".')],
    model: Annotated[str, typer.Option("--model", help="The model's name, e.g. 'Customer Analytics'.")],
    domain: Annotated[str | None, typer.Option("--domain", help="Its domain (workspace); optional if unique.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate a DAX query against a semantic model, as you (grants and masks apply)."""
    frame = open_mesh().evaluate_dax(model, query, workspace=domain)
    rows = frame.to_dict(orient="records")
    if as_json:
        emit_json(rows)
    else:
        emit_table(rows, [str(c) for c in frame.columns], title=f"{len(rows)} rows")
