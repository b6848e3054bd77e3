"""Create a product from what a team already has: the native product document, an ODCS v3 contract or an
ODPS v4.1 product.

REST, the SDK (in-process and remote) and the CLI all call `create_from_document`, so they accept the same
documents and overrides and report the same `not_imported` list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.core.errors import invalid
from lakemesh.products.models import ProductSpec, parse_product
from lakemesh.products.odcs import import_odcs_document, is_odcs, load_document
from lakemesh.products.odps import import_odps_document, is_odps
from lakemesh.products.views import DataProduct, NotImported

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa

    from lakemesh.auth.models import Principal
    from lakemesh.products.service import ProductService

OVERRIDES = ("domain", "name", "owner", "lakehouse", "table", "create_table")


def product_from_document(
    document: dict[str, Any] | str,
    overrides: dict[str, Any] | None = None,
    columns: Callable[[str, str, str], pa.Schema | None] | None = None,
) -> tuple[ProductSpec, list[NotImported]]:
    """The product a document describes, with `overrides` winning; ODCS is told apart by `apiVersion`/`kind`,
    ODPS by its top-level `product`."""
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    if unknown := set(given) - set(OVERRIDES):
        raise invalid(sorted(unknown)[0], f"not an override; use {', '.join(OVERRIDES)}")
    doc = load_document(document) if isinstance(document, str) else document
    if not isinstance(doc, dict):
        kinds = "the native product, an ODCS v3 contract or an ODPS v4.1 product"
        raise invalid((), f"a product document is a mapping: {kinds}")
    if is_odcs(doc):
        imported = import_odcs_document(doc, overrides=given)
        return imported.spec, imported.not_imported
    if is_odps(doc):
        imported = import_odps_document(doc, overrides=given, columns=columns)
        return imported.spec, imported.not_imported
    native = dict(doc) | {k: given[k] for k in ("domain", "name", "owner", "create_table") if k in given}
    if "lakehouse" in given or "table" in given:
        storage = native.get("storage")
        binding = {k: given[k] for k in ("lakehouse", "table") if k in given}
        native["storage"] = {**(storage if isinstance(storage, dict) else {}), **binding}
    return parse_product(native), []


def create_from_document(
    products: ProductService,
    actor: Principal,
    document: dict[str, Any] | str,
    overrides: dict[str, Any] | None = None,
) -> DataProduct:
    """Register the product; the answer lists what an ODCS document held that the product could not."""
    spec, dropped = product_from_document(
        document, overrides, lambda domain, lakehouse, table: products.table_schema(actor, domain, lakehouse, table)
    )
    created = products.create(actor, spec)
    return created.model_copy(update={"not_imported": dropped}) if dropped else created
