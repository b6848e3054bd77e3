"""Browsing lakehouses and tables the way an engine's catalog does: only what the caller may read, page by page.

Engines (through the Unity Catalog edge) list schemas and tables they then read directly, so a table shows only
when the caller may read its data (`data:read`: a domain role, or a grant on a product that binds it); the native
listing asks for `item:read` on the whole lakehouse instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, role_allows
from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.errors import Conflict, Forbidden, NotFound, not_found
from lakemesh.domains.service import find_domain_row
from lakemesh.lakehouses.service import lakehouse_resource
from lakemesh.lakehouses.store import find_lakehouse
from lakemesh.lakehouses.tables import TableHandle, TableService, table_resource

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow


@dataclass(frozen=True)
class LakehouseListing:
    """A lakehouse as a catalog of engines lists it (a schema)."""

    domain: str
    name: str
    id: str
    description: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def _listing(domain: DomainRow, row: LakehouseRow) -> LakehouseListing:
    return LakehouseListing(
        domain.slug, row.name, row.id, row.description or "", row.created_by, row.created_at, row.updated_at
    )


@dataclass(frozen=True)
class TableListing:
    """A readable table as an engine's catalog lists it; `uri` is where its Delta log is (a shortcut's target's)."""

    domain: str
    lakehouse: str
    name: str
    id: str
    description: str
    columns: list[dict[str, Any]]
    partition_columns: list[str]
    properties: dict[str, Any]
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    uri: str
    owner: str | None
    reads: str | None  # for a shortcut: the qualified name of the table it reads


_LISTED = (
    TableRow.id, TableRow.name, TableRow.description, TableRow.columns, TableRow.partition_columns,
    TableRow.properties, TableRow.created_by, TableRow.created_at, TableRow.updated_at, TableRow.target_table_id,
)  # fmt: skip


def _listing_of(domain: DomainRow, lakehouse: LakehouseRow, listed: TableRow, handle: TableHandle) -> TableListing:
    """`listed` (a table or a shortcut, in `lakehouse`) with the columns and files of `handle`, what it reads."""
    read = handle.table
    return TableListing(
        domain=domain.slug, lakehouse=lakehouse.name, name=listed.name, id=listed.id,
        description=listed.description or "", columns=list(read.columns or []),
        partition_columns=[str(c) for c in read.partition_columns or []], properties=dict(read.properties or {}),
        created_by=listed.created_by, created_at=listed.created_at, updated_at=listed.updated_at, uri=handle.uri,
        owner=domain.owner_email, reads=handle.qualified_name if handle.shortcut is not None else None,
    )  # fmt: skip


class TableBrowser:
    """Read-only views of lakehouses and tables filtered to what `actor` may read."""

    def __init__(self, catalog: Catalog, authorizer: Authorizer, tables: TableService) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._tables = tables

    def _reads_all(self, session: Session, actor: Principal, domain: DomainRow) -> bool:
        """A domain role (or platform admin) that reads every table of the domain: no per-table checks needed."""
        if actor.disabled:
            return False
        return actor.is_platform_admin or role_allows(self._authz.role_in(actor, domain.id, session), Action.DATA_READ)

    def _readable(
        self, session: Session, actor: Principal, domain: DomainRow, lakehouse: LakehouseRow, row: TableRow
    ) -> bool:
        return self._authz.can(actor, Action.DATA_READ, table_resource(domain, lakehouse, row.name), session)

    def lakehouses(
        self, actor: Principal, domain_ref: str, *, limit: int, after: str | None
    ) -> tuple[list[LakehouseListing], bool]:
        """Lakehouses of the domain in which the caller reads at least one table (all of them for its members)."""
        with self._catalog.read() as session:
            domain = self._domain(session, domain_ref)
            query = select(LakehouseRow).where(LakehouseRow.domain_id == domain.id).order_by(LakehouseRow.name)
            if after is not None:
                query = query.where(LakehouseRow.name > after)
            everything = self._reads_all(session, actor, domain)
            shown: list[LakehouseRow] = []
            for row in session.scalars(query):
                if everything or self._any_readable(session, actor, domain, row):
                    shown.append(row)
                if len(shown) > limit:
                    break
            return [_listing(domain, row) for row in shown[:limit]], len(shown) > limit

    def lakehouse(self, actor: Principal, domain_ref: str, name: str) -> LakehouseListing:
        with self._catalog.read() as session:
            return _listing(*self._lakehouse(session, actor, domain_ref, name))

    def _lakehouse(
        self, session: Session, actor: Principal, domain_ref: str, name: str
    ) -> tuple[DomainRow, LakehouseRow]:
        domain = self._domain(session, domain_ref)
        row = find_lakehouse(session, domain.id, name)
        asked = f"{domain_ref}.{name}"
        if row is None or not (
            self._reads_all(session, actor, domain)
            or self._authz.can(actor, Action.ITEM_READ, lakehouse_resource(row, domain), session)
            or self._any_readable(session, actor, domain, row)
        ):
            raise not_found("schema", asked)
        return domain, row

    def tables(
        self, actor: Principal, domain_ref: str, lakehouse: str, *, limit: int, after: str | None
    ) -> tuple[list[TableListing], bool]:
        """Readable tables of one lakehouse in name order, `limit` at a time after the name `after`.

        Plain rows, not ORM objects: an engine lists thousands of tables and the ORM's per-object cost dominated.
        """
        with self._catalog.read() as session:
            domain, lakehouse_row = self._lakehouse(session, actor, domain_ref, lakehouse)
            query = select(*_LISTED).where(TableRow.lakehouse_id == lakehouse_row.id).order_by(TableRow.name)
            if after is not None:
                query = query.where(TableRow.name > after)
            everything = self._reads_all(session, actor, domain)
            rows = session.execute(query.limit(limit + 1) if everything else query)
            shown: list[TableListing] = []
            for row in rows:
                if everything or self._authz.can(
                    actor, Action.DATA_READ, table_resource(domain, lakehouse_row, row.name), session
                ):
                    listed = self._listed(session, actor, domain, lakehouse_row, row)
                    if listed is not None:
                        shown.append(listed)
                if len(shown) > limit:
                    break
            return shown[:limit], len(shown) > limit

    def table(self, actor: Principal, domain_ref: str, lakehouse: str, table: str) -> TableListing:
        """One table the caller may read (a shortcut shows its target's files); hidden ones are not found."""
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain_ref, lakehouse, table, Action.DATA_READ)
            domain = self._domain(session, domain_ref)
            lakehouse_row = find_lakehouse(session, domain.id, lakehouse)
            if lakehouse_row is None:  # deleted since `locate` found it
                raise not_found("table", f"{domain_ref}.{lakehouse}.{table}")
            return _listing_of(domain, lakehouse_row, handle.shortcut or handle.table, handle)

    def _listed(
        self, session: Session, actor: Principal, domain: DomainRow, lakehouse: LakehouseRow, row: Row[Any]
    ) -> TableListing | None:
        """A listed row; a shortcut with the target's columns and files, or None when it is broken for the caller."""
        if row.target_table_id is None:
            uri = self._tables.root.table_uri(domain.slug, lakehouse.name, row.name)
            return TableListing(
                domain=domain.slug, lakehouse=lakehouse.name, name=row.name, id=row.id,
                description=row.description or "", columns=list(row.columns or []),
                partition_columns=[str(c) for c in row.partition_columns or []], properties=dict(row.properties or {}),
                created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at, uri=uri,
                owner=domain.owner_email, reads=None,
            )  # fmt: skip
        shortcut = session.get(TableRow, row.id)
        assert shortcut is not None
        handle = self._resolved(session, actor, self._tables.handle(domain, lakehouse, shortcut))
        return _listing_of(domain, lakehouse, shortcut, handle) if handle is not None else None

    def table_by_id(self, actor: Principal, table_id: str) -> TableHandle:
        """The table with this id, for a caller that may read it; otherwise not found, as a missing one."""
        with self._catalog.read() as session:
            row = session.get(TableRow, table_id)
            lakehouse = session.get(LakehouseRow, row.lakehouse_id) if row else None
            domain = find_domain_row(session, lakehouse.domain_id) if lakehouse else None
            if row is None or lakehouse is None or domain is None:
                raise not_found("table", table_id)
            return self._tables.locate(session, actor, domain.slug, lakehouse.name, row.name, Action.DATA_READ)

    def _resolved(self, session: Session, actor: Principal, handle: TableHandle) -> TableHandle | None:
        """A shortcut lists as the table it reads (its files are the target's); a broken one is left out."""
        if handle.table.target_table_id is None:
            return handle
        try:
            return self._tables.follow(session, actor, handle)
        except (NotFound, Forbidden, Conflict):
            return None

    def _domain(self, session: Session, domain_ref: str) -> DomainRow:
        domain = find_domain_row(session, domain_ref)
        if domain is None:
            raise not_found("catalog", domain_ref)
        return domain

    def _any_readable(self, session: Session, actor: Principal, domain: DomainRow, lakehouse: LakehouseRow) -> bool:
        rows = session.scalars(select(TableRow).where(TableRow.lakehouse_id == lakehouse.id).order_by(TableRow.name))
        return any(self._readable(session, actor, domain, lakehouse, row) for row in rows)
