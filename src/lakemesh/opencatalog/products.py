"""Data products in the open catalog: one schema per domain, `_data_products`, with a table per product.

Each entry is the product's bound table under the product's name (slug with `_`): same `table_id`, files and
governance as the table itself, so credentials for it are decided exactly as for the table.
"""

from __future__ import annotations

from dataclasses import replace

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden, NotFound, not_found
from lakemesh.core.pages import Page
from lakemesh.domains.service import DomainService
from lakemesh.lakehouses.browse import LakehouseListing, TableBrowser, TableListing
from lakemesh.products.service import ProductService
from lakemesh.products.views import DataProduct

PRODUCTS_SCHEMA = "_data_products"


class ProductTables:
    def __init__(self, domains: DomainService, products: ProductService, browser: TableBrowser) -> None:
        self._domains = domains
        self._products = products
        self._browser = browser

    def schema(self, actor: Principal, catalog: str) -> LakehouseListing:
        """The products schema, when at least one product of the domain has a table the caller may read."""
        domain = self._domains.get(actor, catalog)
        if not self.tables(actor, catalog, limit=1, cursor=None).items:
            raise not_found("schema", f"{catalog}.{PRODUCTS_SCHEMA}")
        return LakehouseListing(
            domain.slug, PRODUCTS_SCHEMA, f"products:{domain.id}", f"Data products of {domain.name}",
            None, domain.created_at, domain.updated_at,
        )  # fmt: skip

    def tables(self, actor: Principal, catalog: str, *, limit: int, cursor: str | None) -> Page[TableListing]:
        """Products the caller sees whose bound table they may read (a page may hold fewer than `limit`)."""
        page = self._products.list_products(actor, domain=catalog, limit=min(limit, 500), cursor=cursor)
        items = [t for t in (self._readable(actor, p) for p in page.items) if t is not None]
        return Page(items=items, next_cursor=page.next_cursor)

    def table(self, actor: Principal, catalog: str, name: str) -> TableListing:
        asked = f"{catalog}.{PRODUCTS_SCHEMA}.{name}"
        try:
            product = self._products.get(actor, catalog, name.replace("_", "-"))
        except NotFound:
            raise not_found("table", asked) from None
        listed = self._readable(actor, product)
        if listed is None:
            raise not_found("table", asked)
        return listed

    def _readable(self, actor: Principal, product: DataProduct) -> TableListing | None:
        domain, lakehouse, table = [*product.table.split("."), "", "", ""][:3]
        if not table:
            return None
        try:
            listed = self._browser.table(actor, domain, lakehouse, table)
        except (NotFound, Forbidden):
            return None
        properties = {**listed.properties, "lakemesh.product": product.qualified_name}
        properties["lakemesh.table"] = f"{listed.domain}.{listed.lakehouse}.{listed.name}"
        return replace(
            listed,
            lakehouse=PRODUCTS_SCHEMA,
            name=product.slug.replace("-", "_"),
            description=product.description or listed.description,
            properties=properties,
        )
