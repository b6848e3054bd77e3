"""Open Data Product Specification (ODPS) v4.1: export a product and import one written elsewhere.

ODPS describes the product (name, status, value, holder, access); its `contract.spec` carries the contract
inline, so the export embeds the product's ODCS v3 document there and the import reads it back with the ODCS
importer. Documents are checked against the vendored ODPS v4.1 schema both ways.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import yaml

from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.products.odcs import MAX_REPORTED_ERRORS, export_odcs, import_odcs_document, is_odcs
from lakemesh.products.status import ProductStatus
from lakemesh.products.views import NotImported

if TYPE_CHECKING:
    from collections.abc import Callable

    import jsonschema

    from lakemesh.products.models import ProductSpec
    from lakemesh.products.odcs import OdcsImport
    from lakemesh.products.views import DataProduct

SCHEMA_URL = "https://opendataproducts.org/v4.1/schema/odps.json"
VERSION = "4.1"
_STATUS = {
    ProductStatus.DRAFT: "draft",
    ProductStatus.PUBLISHED: "production",
    ProductStatus.DEPRECATED: "sunset",
    ProductStatus.RETIRED: "retired",
}
_VISIBILITY = {ProductStatus.DRAFT: "private"}  # anything else is visible to the organisation
_LANG = "en"
# Not written: `dataAccess` (the published v4.1 schema declares it an object and refers it to an array, so no
# value validates), SLA and dataQuality (the inline ODCS contract carries both, in their executable form).


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads(files("lakemesh.products").joinpath("schemas/odps-v4.1.schema.json").read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def odps_errors(doc: Any) -> list[ErrorItem]:
    """What makes `doc` invalid ODPS v4.1, at most MAX_REPORTED_ERRORS, in document order."""
    found = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [
        ErrorItem(tuple(e.absolute_path), e.message[:300], {"json_path": e.json_path})
        for e in found[:MAX_REPORTED_ERRORS]
    ]


def is_odps(document: dict[str, Any]) -> bool:
    """An ODPS document has `product` at the top and no native product `contract`/`storage`."""
    return "product" in document and "contract" not in document and "storage" not in document


def export_odps(product: DataProduct, spec: ProductSpec) -> dict[str, Any]:
    """The product as an ODPS v4.1 document (a mapping), checked against the schema."""
    details: dict[str, Any] = {
        "name": product.name,
        "productID": product.qualified_name,
        "visibility": _VISIBILITY.get(product.status, "organisation"),
        "status": _STATUS[product.status],
        "type": "dataset",
        "productVersion": product.version,
        "created": product.created_at.date().isoformat(),
        "updated": product.updated_at.date().isoformat(),
        "categories": [product.domain],
    }
    if product.description:
        details["description"] = product.description
    if product.tags:
        details["tags"] = list(product.tags)
    odcs = yaml.safe_load(export_odcs(spec, id=product.id, version=product.version, status=product.status))
    holder: dict[str, Any] = {"legalName": product.domain, "businessDomain": product.domain}
    holder["contactName"] = product.owner
    doc: dict[str, Any] = {
        "schema": SCHEMA_URL,
        "version": VERSION,
        "product": {
            "details": {_LANG: details},
            "contract": {"id": product.id, "type": "ODCS", "contractVersion": product.version, "spec": odcs},
            "dataHolder": holder,
        },
    }
    if errors := odps_errors(doc):  # a bug on our side, not the caller's: say where
        raise InvalidInput(f"The export is not valid ODPS {VERSION}: {errors[0].message}", errors=errors)
    return doc


def import_odps_document(
    doc: dict[str, Any],
    *,
    overrides: dict[str, Any] | None = None,
    columns: Callable[[str, str, str], pa.Schema | None] | None = None,
) -> OdcsImport:
    """A product from a parsed ODPS v4.1 document; `overrides` win as for ODCS. The contract comes from an
    inline ODCS `contract.spec` when there is one; otherwise (an ODPS product that only names or links its
    contract) the columns are those of the existing table the product is bound to, read through `columns`."""
    if errors := odps_errors(doc):
        raise InvalidInput(f"The document is not valid ODPS {VERSION}: {errors[0].message}", errors=errors)
    product = doc["product"]
    details = _details(product)
    holder = product.get("dataHolder") or {}
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    given.setdefault("name", details.get("name"))
    if holder.get("businessDomain") and "domain" not in given:
        given["domain"] = _slug(str(holder["businessDomain"]))
    contract = product.get("contract") or {}
    inline = contract.get("spec")
    inline_copy: dict[str, Any] | None = None
    if isinstance(inline, dict) and is_odcs(inline):
        odcs = inline_copy = dict(inline)
    else:
        odcs = _contract_from_table(details, given, columns)
    if details.get("description") and not odcs.get("description"):
        odcs["description"] = {"purpose": str(details["description"])}
    if details.get("tags") and not odcs.get("tags"):
        odcs["tags"] = [str(t) for t in details["tags"]]
    if "owner" not in given:
        owner = holder.get("email") or holder.get("contactName") or holder.get("legalName")
        if owner and not _has_team(odcs):
            given["owner"] = str(owner)
    try:
        imported = import_odcs_document(odcs, overrides=given)
    except InvalidInput as error:
        if odcs is not inline_copy:
            raise
        raise _within_spec(error) from None
    dropped = [item for item in imported.not_imported if not item.path.startswith("id")]
    dropped += [
        NotImported(path=f"product.{key}", reason="ODPS commercial and access terms are not kept on the product")
        for key in ("pricingPlans", "license", "paymentGateways", "SLA", "dataQuality", "productStrategy")
        if product.get(key)
    ]
    imported.not_imported[:] = dropped
    return imported


SPEC = ("product", "contract", "spec")


def _within_spec(error: InvalidInput) -> InvalidInput:
    """The inline contract's problems, located in the ODPS document rather than in the contract alone."""
    items = [ErrorItem((*SPEC, *item.loc), item.message, item.extra) for item in error.errors]
    return InvalidInput(f"product.contract.spec: {error.detail}", errors=items)


def _contract_from_table(
    details: dict[str, Any], given: dict[str, Any], columns: Callable[[str, str, str], pa.Schema | None] | None
) -> dict[str, Any]:
    """An ODCS contract for an ODPS product whose contract is elsewhere: the bound table's columns."""
    if not given.get("domain"):
        raise invalid("domain", "the ODPS document names no domain (dataHolder.businessDomain): pass one")
    domain = str(given["domain"])
    lakehouse = str(given.get("lakehouse") or f"{_slug(domain)}_lakehouse")
    table = str(given.get("table") or _slug(str(details.get("name"))))
    given.setdefault("lakehouse", lakehouse)
    schema = columns(domain, lakehouse, table) if columns else None
    if schema is None or len(schema) == 0:
        raise invalid(
            SPEC,
            f"the document carries no ODCS contract inline and there is no table {lakehouse}.{table} to take the "
            "columns from: put the ODCS v3 contract under product.contract.spec, or bind an existing table "
            "(lakehouse, table)",
        )
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": str(details.get("productID") or details.get("name")),
        "version": str(details.get("productVersion") or "1.0.0").lstrip("v"),
        "status": "draft",
        "schema": [
            {
                "name": table,
                "physicalName": table,
                "properties": [
                    {"name": f.name, "physicalType": _native_type(f.type), "required": not f.nullable} for f in schema
                ],
            }
        ],
    }


def _native_type(arrow: pa.DataType) -> str:
    if pa.types.is_decimal(arrow):
        return f"decimal({arrow.precision},{arrow.scale})"
    checks = (
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "float"),
        (pa.types.is_date, "date"),
        (pa.types.is_timestamp, "timestamp"),
    )
    return next((name for check, name in checks if check(arrow)), "string")


def _details(product: dict[str, Any]) -> dict[str, Any]:
    languages = product.get("details") or {}
    if not languages:
        raise invalid(("product", "details"), "an ODPS product needs details in at least one language")
    chosen = languages.get(_LANG) or next(iter(languages.values()))
    return dict(chosen)


def _has_team(odcs: dict[str, Any]) -> bool:
    return bool(odcs.get("team"))


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.strip().lower()).strip("_") or "imported"
