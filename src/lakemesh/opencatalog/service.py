"""The open catalog for engines: domains as catalogs, lakehouses as schemas, readable tables, vended credentials.

Engines that speak the Unity Catalog REST API (Daft, Polars, DuckDB, Spark) list tables here and then read the
Delta files themselves. They cannot apply masks, so a table with any column masked for the caller is listed but
its credentials are refused; writes never get credentials (they go through Lakemesh, where contracts hold).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lakemesh.access.reads import ReadGovernor, handle_summary
from lakemesh.auth.models import Principal
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, InvalidInput, NotFound, invalid
from lakemesh.core.pages import Page, decode_cursor, encode_cursor
from lakemesh.domains.models import Domain
from lakemesh.domains.service import DomainService
from lakemesh.lakehouses.browse import LakehouseListing, TableBrowser, TableListing
from lakemesh.lakehouses.tables import TableHandle
from lakemesh.opencatalog.products import PRODUCTS_SCHEMA, ProductTables
from lakemesh.storage.location import DataRoot
from lakemesh.storage.vending import TableCredentials, location_url, vend_read

READ, READ_WRITE = "READ", "READ_WRITE"
GOVERNED_READS = (
    "read it through governed SQL (POST /api/v1/query), the SQL endpoint, or Delta Sharing, which apply the masks"
)


@dataclass(frozen=True)
class Table:
    """A readable table as listed, and its storage location as an engine addresses it."""

    listing: TableListing
    location: str


class OpenCatalog:
    def __init__(
        self,
        clock: Clock,
        domains: DomainService,
        browser: TableBrowser,
        reads: ReadGovernor,
        root: DataRoot,
        *,
        role_arn: str | None,
        ttl: timedelta,
        products: ProductTables | None = None,
    ) -> None:
        self._products = products
        self._clock = clock
        self._domains = domains
        self._browser = browser
        self._reads = reads
        self._root = root
        self._role_arn = role_arn
        self._ttl = ttl

    # -- catalogs and schemas ----------------------------------------------------------------------
    def catalogs(self, actor: Principal, *, limit: int, token: str | None) -> Page[Domain]:
        return self._domains.list_domains(actor, limit=limit, cursor=token if _cursor(token) else None)

    def catalog(self, actor: Principal, name: str) -> Domain:
        return self._domains.get(actor, name)

    def schemas(self, actor: Principal, catalog: str, *, limit: int, token: str | None) -> Page[LakehouseListing]:
        """Lakehouses, then (on the last page) the domain's data products schema when it has readable products."""
        rows, more = self._browser.lakehouses(actor, catalog, limit=limit, after=_cursor(token))
        if not more and self._products is not None and all(r.name != PRODUCTS_SCHEMA for r in rows):
            with contextlib.suppress(NotFound):  # no product with a table this caller may read
                rows.append(self._products.schema(actor, catalog))
        return Page(items=rows, next_cursor=encode_cursor(rows[-1].name) if more and rows else None)

    def schema(self, actor: Principal, catalog: str, name: str) -> LakehouseListing:
        if self._is_products(actor, catalog, name):
            assert self._products is not None
            return self._products.schema(actor, catalog)
        return self._browser.lakehouse(actor, catalog, name)

    def _is_products(self, actor: Principal, catalog: str, schema: str) -> bool:
        """`_data_products` is the products schema unless a lakehouse of that name exists (the lakehouse wins)."""
        if self._products is None or schema.lower() != PRODUCTS_SCHEMA:
            return False
        try:
            self._browser.lakehouse(actor, catalog, schema)
        except NotFound:
            return True
        return False

    # -- tables --------------------------------------------------------------------------------------
    def tables(self, actor: Principal, catalog: str, schema: str, *, limit: int, token: str | None) -> Page[Table]:
        if self._is_products(actor, catalog, schema):
            assert self._products is not None
            page = self._products.tables(actor, catalog, limit=limit, cursor=token if _cursor(token) else None)
            return Page(items=[self._table(t) for t in page.items], next_cursor=page.next_cursor)
        listed, more = self._browser.tables(actor, catalog, schema, limit=limit, after=_cursor(token))
        items = [self._table(t) for t in listed]
        return Page(items=items, next_cursor=encode_cursor(listed[-1].name) if more and listed else None)

    def table(self, actor: Principal, catalog: str, schema: str, name: str) -> Table:
        if self._is_products(actor, catalog, schema):
            assert self._products is not None
            return self._table(self._products.table(actor, catalog, name))
        return self._table(self._browser.table(actor, catalog, schema, name))

    def _table(self, listing: TableListing) -> Table:
        return Table(listing=listing, location=location_url(self._root, listing.uri))

    # -- credentials ---------------------------------------------------------------------------------
    def table_credentials(self, actor: Principal, table_id: str, operation: str) -> TableCredentials:
        """Read credentials for one table, refused for writes and for tables with columns masked for the caller."""
        if operation == READ_WRITE:
            raise Forbidden(
                "READ_WRITE credentials are never vended: write through Lakemesh (the table data API or SDK), "
                "so contracts and policies are checked before a commit"
            )
        if operation != READ:
            raise invalid("operation", "must be READ (READ_WRITE is refused)")
        handle = self._browser.table_by_id(actor, table_id)
        masked = self._masked(actor, handle)
        if masked:
            raise Forbidden(
                f"{handle.qualified_name} has columns masked for you ({masked}); an engine reading its files "
                f"directly cannot apply masks, so no credentials are vended: {GOVERNED_READS}"
            )
        now = self._clock.now()
        credentials = vend_read(
            self._root, handle.uri, role_arn=self._role_arn, ttl=self._ttl, now=now, session_name=_session(actor)
        )
        self._audit(actor, handle, credentials)
        return credentials

    def _masked(self, actor: Principal, handle: TableHandle) -> str:
        """The columns this caller would see masked; with a grant, a column it does not name is masked too."""
        plan = self._reads.plan(actor, handle)
        known = [str(c["name"]) for c in handle.table.columns or []]
        return ", ".join(sorted({*plan.masked_columns, *(c for c in known if plan.function_for(c) is not None)}))

    def _audit(self, actor: Principal, handle: TableHandle, credentials: TableCredentials) -> None:
        summary: dict[str, Any] = {**handle_summary(handle), "operation": READ}
        extra = {"expires_at": credentials.expires_at.isoformat(), "location": credentials.url}
        extra["kind"] = "local-path" if credentials.access_key_id is None else "sts-assume-role"
        self._reads.audit_read(
            actor.name,
            "table.credentials_vended",
            [summary],
            rows=0,
            resource=("table", handle.table.id, handle.qualified_name, handle.domain.slug),
            extra=extra,
        )


def _cursor(token: str | None) -> str | None:
    """The name a page token points after; anything this server did not issue is a 400 that says so."""
    try:
        value = decode_cursor(token)
    except InvalidInput:
        value = None if not token else object()
    if value is not None and not isinstance(value, str):
        raise invalid("page_token", "is not a page token this server issued; start again without page_token")
    return value


def _session(actor: Principal) -> str:
    """An STS session name (shown in the store's own logs) that says who asked: `lakemesh-<principal>`."""
    safe = "".join(c if c.isalnum() or c in "+=,.@-" else "-" for c in actor.name)
    return f"lakemesh-{safe}"[:64]
