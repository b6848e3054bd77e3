"""Sensitive data discovery: `table classify`, `table suggestions`, `suggestion accept|reject`,
`classifier apply -f FILE|list|delete`, `classification settings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import ErrorItem, InvalidInput, invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SUGGESTION_COLUMNS = ["id", "column", "classification", "confidence", "sample_count", "matched", "status", "label"]


def register(app: typer.Typer) -> None:
    table = next((g.typer_instance for g in app.registered_groups if g.name == "table"), None)
    if table is None:  # the table group comes from the lakehouse commands, registered first
        table = typer.Typer(help="Delta tables: TABLE is domain.lakehouse.table.", no_args_is_help=True)
        app.add_typer(table, name="table")
    table.command("classify")(table_classify)
    table.command("suggestions")(table_suggestions)
    suggestion = typer.Typer(help="Classification suggestions: accept or reject.", no_args_is_help=True)
    suggestion.command("accept")(suggestion_accept)
    suggestion.command("reject")(suggestion_reject)
    app.add_typer(suggestion, name="suggestion")
    classifier = typer.Typer(help="Classifiers: built-in and custom (as code).", no_args_is_help=True)
    classifier.command("apply")(classifier_apply)
    classifier.command("list")(classifier_list)
    classifier.command("delete")(classifier_delete)
    app.add_typer(classifier, name="classifier")
    classification = typer.Typer(help="Per-domain classification settings.", no_args_is_help=True)
    classification.command("settings")(classification_settings)
    app.add_typer(classification, name="classification")


def _table(name: str) -> list[str]:
    pieces = name.replace("/", ".").split(".")
    if len(pieces) != 3 or not all(pieces):
        raise invalid("table", f"{name!r} is not a table; write it like sales.sales_lakehouse.bronze_crm_customers")
    return pieces


def table_classify(table: str, as_json: JsonFlag = False) -> None:
    """Classify TABLE's columns from a bounded sample now; prints suggestions (never values)."""
    scan = open_mesh().classify_table(*_table(table))
    if as_json:
        emit_json(scan)
        return
    emit_table(scan.suggestions, SUGGESTION_COLUMNS, title=f"{scan.table}: {scan.sample_rows} rows sampled")
    if scan.masked_columns:
        console.print(f"Masked for you, not classified: {', '.join(scan.masked_columns)}")


def table_suggestions(
    table: str,
    status: Annotated[str | None, typer.Option(help="pending, accepted or rejected.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """TABLE's classification suggestions."""
    items = open_mesh().classification_suggestions(*_table(table), status=status)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, [*SUGGESTION_COLUMNS, "path"])


def suggestion_accept(
    suggestion_id: str,
    label: Annotated[str | None, typer.Option("--label", help="Label to set (default: the classification's).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Accept a suggestion: the column gets the sensitivity label."""
    emit_object(open_mesh().accept_suggestion(suggestion_id, label=label), as_json=as_json)


def suggestion_reject(suggestion_id: str, as_json: JsonFlag = False) -> None:
    """Reject a suggestion; later scans do not raise it again."""
    emit_object(open_mesh().reject_suggestion(suggestion_id), as_json=as_json)


def load_classifier_specs(file: Path) -> list[dict[str, Any]]:
    """A YAML/JSON file holding one classifier, a list of them, or `classifiers: [...]`."""
    try:
        documents = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d is not None]
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"Cannot read {file}", errors=[ErrorItem(("file",), str(exc).splitlines()[0])]) from exc
    specs: list[dict[str, Any]] = []
    for document in documents:
        content = document["classifiers"] if isinstance(document, dict) and "classifiers" in document else document
        items = content if isinstance(content, list) else [content]
        if not all(isinstance(i, dict) for i in items):
            raise invalid("file", "each classifier is a mapping with name, pattern, validator, name_hints")
        specs.extend(items)
    return specs


def classifier_apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="A YAML/JSON file of custom classifiers.")],
) -> None:
    """Create or replace the custom classifiers in FILE (patterns run under RE2)."""
    from lakemesh.classification.custom import ClassifierSpec, build
    from lakemesh.core.validation import parse_model

    specs = [parse_model(ClassifierSpec, s) for s in load_classifier_specs(file)]
    for spec in specs:  # every pattern is checked before anything is applied
        build(spec)
    mesh = open_mesh()
    for spec in specs:
        mesh.apply_classifier(spec.model_dump())
    console.print(f"Applied {len(specs)} classifier(s): {', '.join(s.name for s in specs)}")


def classifier_list(as_json: JsonFlag = False) -> None:
    """Built-in and custom classifiers."""
    items = open_mesh().classifiers()
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["name", "builtin", "description", "name_hints", "pattern", "validator"])


def classifier_delete(name: str) -> None:
    """Delete a custom classifier."""
    open_mesh().delete_classifier(name)
    console.print(f"Deleted classifier {name}")


def classification_settings(
    domain: str,
    auto_accept_above: Annotated[float | None, typer.Option(help="Accept at or above this confidence.")] = None,
    every: Annotated[str | None, typer.Option(help="Scan the domain's tables this often, e.g. 24h.")] = None,
    show: Annotated[bool, typer.Option("--show", help="Only show the current settings.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show or set DOMAIN's auto-accept threshold and scan schedule."""
    mesh = open_mesh()
    if show:
        emit_object(mesh.classification_settings(domain), as_json=as_json)
        return
    changed = mesh.set_classification_settings(domain, auto_accept_above=auto_accept_above, every=every)
    emit_object(changed, as_json=as_json)
