"""Data product commands: PRODUCT is domain/product (e.g. sales/customer-360)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lakemesh.cli.output import console, emit_json, emit_object, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import invalid

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
FileOption = Annotated[Path, typer.Option("-f", "--file", help="JSON or YAML file.")]


def register(app: typer.Typer) -> None:
    product = typer.Typer(help="Data products and their contracts (PRODUCT: domain/product).", no_args_is_help=True)
    product.command("create")(product_create)
    product.command("list")(product_list)
    product.command("show")(product_show)
    product.command("publish")(product_publish)
    product.command("deprecate")(product_deprecate)
    product.command("retire")(product_retire)
    product.command("versions")(product_versions)
    product.command("diff")(product_diff)
    product.command("contract")(product_contract)
    product.command("set-contract")(product_set_contract)
    product.command("odps")(product_odps)
    product.command("delete")(product_delete)
    app.add_typer(product, name="product")


def _ref(product: str) -> tuple[str, str]:
    domain, _, name = product.partition("/")
    if not domain or not name:
        raise invalid("product", f"{product!r} is not domain/product, e.g. sales/customer-360")
    return domain, name


def _load(file: Path) -> object:
    import yaml

    if not file.is_file():
        raise invalid("file", f"{file} does not exist")
    try:
        return yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise invalid("file", f"{file} is not valid JSON or YAML: {str(exc).splitlines()[0]}") from None


def product_create(
    file: FileOption,
    domain: str = typer.Option(None, "--domain", help="Domain, when the document names none or another."),
    name: str = typer.Option(None, "--name", help="Product name, overriding the document's."),
    owner: str = typer.Option(None, "--owner", help="Owner, overriding the document's team."),
    lakehouse: str = typer.Option(None, "--lakehouse", help="Lakehouse, when an ODCS server names none."),
    table: str = typer.Option(None, "--table", help="Table; for ODCS, the schema object to serve."),
    create_table: bool = typer.Option(None, "--create-table", help="Create the table from the contract."),
    as_json: JsonFlag = False,
) -> None:
    """Register a product from the seed's product document, an ODCS v3 contract or an ODPS v4.1 product
    (JSON or YAML)."""
    document = _load(file)
    if not isinstance(document, dict):
        raise invalid("file", "must hold one product document, ODCS contract or ODPS product (a mapping)")
    text = file.read_text()
    created = open_mesh().create_product(
        text if {"apiVersion", "kind", "product"} & set(document) else document,  # ODCS/ODPS keep their text dates
        domain=domain,
        name=name,
        owner=owner,
        lakehouse=lakehouse,
        table=table,
        create_table=create_table,
    )
    if as_json:
        emit_json(created)
        return
    emit_object(created.model_copy(update={"not_imported": []}), as_json=False)
    if created.not_imported:
        console.print(f"not imported ({len(created.not_imported)}):")
        for item in created.not_imported:
            console.print(f"  {item.path}: {item.reason}", markup=False, highlight=False)


def product_list(
    domain: str = typer.Option(None, help="Only this domain."),
    status: str = typer.Option(None, help="draft, published, deprecated or retired."),
    as_json: JsonFlag = False,
) -> None:
    """List the products you can see."""
    items = open_mesh().list_products(domain=domain, status=status)
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["qualified_name", "name", "status", "version", "owner", "table"])


def product_show(product: str, as_json: JsonFlag = False) -> None:
    """Show a product; its contract's schema as a table of columns."""
    found = open_mesh().get_product(*_ref(product))
    if as_json:
        emit_json(found)
        return
    shown = found.model_dump(mode="json")
    contract = dict(shown.pop("contract", None) or {})
    schema = contract.pop("schema", None) or {}
    shown.update({f"contract.{key}": value for key, value in contract.items()})
    # sla, storage, ...: `key value` pairs on one line each, not JSON blobs
    flat = {k: _pairs(v) if isinstance(v, dict) else v for k, v in shown.items() if v not in (None, [], {}, "")}
    emit_object(flat, as_json=False)
    emit_table(contract_rows(schema), CONTRACT_COLUMNS, title="contract")


CONTRACT_COLUMNS = ["column", "type", "required", "unique", "sensitivity", "constraints", "description"]
_KNOWN = {"type", "required", "unique", "sensitivity_label", "description"}


def contract_rows(schema: dict[str, Any]) -> list[dict[str, str]]:
    """One row per contract column: type, flags, label, and the remaining constraints (enum, minimum, ...)."""
    rows = []
    for name, definition in schema.items():
        spec = definition if isinstance(definition, dict) else {"type": definition}
        extra = ", ".join(f"{k}={_value(v)}" for k, v in spec.items() if k not in _KNOWN and v is not None)
        rows.append(
            {
                "column": name,
                "type": str(spec.get("type", "")),
                "required": "yes" if spec.get("required") else "",
                "unique": "yes" if spec.get("unique") else "",
                "sensitivity": str(spec.get("sensitivity_label") or ""),
                "constraints": extra,
                "description": str(spec.get("description") or ""),
            }
        )
    return rows


def _pairs(value: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in value.items() if v is not None)


def _value(value: Any) -> str:
    return "|".join(str(v) for v in value) if isinstance(value, list) else str(value)


def product_publish(product: str, as_json: JsonFlag = False) -> None:
    """Publish: visible to every domain; the contract is enforced on writes."""
    emit_object(open_mesh().publish_product(*_ref(product)), as_json=as_json)


def product_deprecate(
    product: str,
    sunset: str = typer.Option(..., "--sunset", help="Sunset date, YYYY-MM-DD."),
    reason: str = typer.Option("", help="Why, for consumers."),
    replacement: str = typer.Option(None, help="domain/product to move to."),
    as_json: JsonFlag = False,
) -> None:
    """Deprecate with a sunset date; consumers are notified."""
    domain, name = _ref(product)
    result = open_mesh().deprecate_product(domain, name, sunset_date=sunset, reason=reason, replacement=replacement)
    emit_object(result, as_json=as_json)


def product_retire(product: str, as_json: JsonFlag = False) -> None:
    """Retire a deprecated product."""
    emit_object(open_mesh().retire_product(*_ref(product)), as_json=as_json)


def product_versions(product: str, as_json: JsonFlag = False) -> None:
    """Versions of the contract, newest first."""
    items = open_mesh().list_versions(*_ref(product))
    if as_json:
        emit_json(items)
    else:
        emit_table(items, ["version", "created_at", "created_by", "changes"])


def product_diff(product: str, old: str, new: str, as_json: JsonFlag = False) -> None:
    """What changed between two versions, and whether it breaks consumers."""
    diff = open_mesh().diff_versions(*_ref(product), old, new)
    if as_json:
        emit_json(diff)
    else:
        emit_table(diff.changes, ["kind", "path", "breaking", "message"], title=f"{old} → {new}")


def product_contract(
    product: str,
    format: str = typer.Option("odcs", "--format", help="odcs (YAML) or native (JSON)."),
) -> None:
    """Print the contract (ODCS v3 YAML by default)."""
    import json

    contract = open_mesh().get_contract(*_ref(product), format=format)
    sys.stdout.write(contract if isinstance(contract, str) else json.dumps(contract, indent=2) + "\n")


def product_odps(product: str) -> None:
    """Print the product as an ODPS v4.1 document (YAML); `product create` takes it back."""
    import yaml

    document = open_mesh().export_product_odps(*_ref(product))
    sys.stdout.write(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def product_set_contract(
    product: str,
    file: FileOption,
    version: str = typer.Option(None, help="New version; a major bump for breaking changes."),
    as_json: JsonFlag = False,
) -> None:
    """Replace the contract from a native JSON/YAML contract or an ODCS v3 YAML file."""
    text = file.read_text() if file.is_file() else ""
    document = _load(file)
    is_odcs = isinstance(document, dict) and "apiVersion" in document
    contract = text if is_odcs else document
    if not isinstance(contract, str | dict):
        raise invalid("file", "must hold a contract")
    emit_object(open_mesh().put_contract(*_ref(product), contract, version=version), as_json=as_json)


def product_delete(product: str, yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Delete a draft or retired product."""
    if not yes:
        typer.confirm(f"Delete {product}?", abort=True)
    open_mesh().delete_product(*_ref(product))
    console.print(f"deleted {product}")
