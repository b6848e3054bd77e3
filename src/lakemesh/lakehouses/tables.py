"""Table metadata use cases: create, list, get, update, delete; and `locate()` for data and other capabilities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, Forbidden, InvalidInput, NotFound, invalid, not_found
from lakemesh.core.ids import native_ref, new_id
from lakemesh.core.names import validate_identifier, validate_table_name
from lakemesh.domains.service import domain_by_id, domain_rows, find_domain_row
from lakemesh.lakehouses.models import ColumnInfo, TableCreate, TableInfo, TableUpdate
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.store import find_lakehouse, find_table, infer_layer
from lakemesh.storage.delta import DeltaTables, Snapshot
from lakemesh.storage.location import DataRoot, delete_tree
from lakemesh.storage.schemas import delta_schema
from lakemesh.storage.types import parse_type, type_name

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

# Other capabilities (products) say why a table must not be deleted: returns a reason or None.
DeleteCheck = Callable[[Session, TableRow], str | None]
# Governance registers a change hook, called with ("created" | "updated", handle) inside the change's transaction
# before it commits (for a create, before the Delta log is written): raise to refuse the change.
ChangeHook = Callable[[str, "TableHandle"], None]
# What other capabilities keep about a table (glossary links) goes with it, in the delete's transaction: (session, id).
Removal = Callable[[Session, str], None]
# A chain of shortcuts longer than this is refused (and shows as broken): it is a mistake, or a cycle.
MAX_SHORTCUT_HOPS = 8
CHANGE_DATA_FEED = "delta.enableChangeDataFeed"


@dataclass(frozen=True)
class TableHandle:
    """A resolved table: its catalog rows and where its Delta log lives.

    Resolved for a data read through a shortcut, it is the target table, with `shortcut` the row read through
    and `pinned_version` the version the shortcut pins (reads default to it).
    """

    domain: DomainRow
    lakehouse: LakehouseRow
    table: TableRow
    uri: str
    shortcut: TableRow | None = None
    pinned_version: int | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.domain.slug}.{self.lakehouse.name}.{self.table.name}"


def table_resource(domain: DomainRow, lakehouse: LakehouseRow, name: str) -> Resource:
    return Resource(kind="table", name=f"{domain.slug}.{lakehouse.name}.{name}", domain_id=domain.id)


class TableService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        lakehouses: LakehouseService,
        root: DataRoot,
        delta: DeltaTables,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._lakehouses = lakehouses
        self.root = root
        self.delta = delta
        self._delete_checks: list[DeleteCheck] = []
        self._removals: list[Removal] = []
        self._change_hooks: list[ChangeHook] = []

    def register_delete_check(self, check: DeleteCheck) -> None:
        self._delete_checks.append(check)

    def register_removal(self, removal: Removal) -> None:
        self._removals.append(removal)

    def register_change_hook(self, hook: ChangeHook) -> None:
        self._change_hooks.append(hook)

    # -- resolution ------------------------------------------------------------------------------
    def locate(
        self, session: Session, actor: Principal, domain_ref: str, lakehouse: str, table: str, action: Action
    ) -> TableHandle:
        """Authorizes on the table itself, so a grant on one table does not open its lakehouse."""
        domain = find_domain_row(session, domain_ref)
        lakehouse_row = find_lakehouse(session, domain.id, lakehouse) if domain else None
        row = find_table(session, lakehouse_row.id, table) if lakehouse_row else None
        asked = f"{domain_ref}.{lakehouse}.{table}"
        if domain is None or lakehouse_row is None or row is None:
            raise not_found("table", asked)
        self._authz.authorize(actor, action, table_resource(domain, lakehouse_row, row.name), session, asked=asked)
        handle = self.handle(domain, lakehouse_row, row)
        if row.target_table_id is not None and action in (Action.DATA_READ, Action.DATA_WRITE):
            if action is Action.DATA_WRITE:
                raise Forbidden(f"{handle.qualified_name} is a read-only shortcut; write to its target table instead")
            return self.follow(session, actor, handle)
        return handle

    def follow(self, session: Session, actor: Principal, shortcut: TableHandle) -> TableHandle:
        """The table a shortcut reads, authorized for the reader as if they read it directly (a lost grant is 403)."""
        handle, pinned, seen = shortcut, shortcut.table.target_version, {shortcut.table.id}
        while handle.table.target_table_id is not None:
            target = session.get(TableRow, handle.table.target_table_id)
            lakehouse = session.get(LakehouseRow, target.lakehouse_id) if target else None
            domain = domain_by_id(session, lakehouse.domain_id) if lakehouse else None
            if target is None or lakehouse is None or domain is None:
                raise NotFound(f"Shortcut {shortcut.qualified_name} is broken: its target table no longer exists")
            if target.id in seen or len(seen) > MAX_SHORTCUT_HOPS:
                raise Conflict(f"Shortcut {shortcut.qualified_name} is broken: its targets form a cycle")
            seen.add(target.id)
            if not self._authz.can(actor, Action.DATA_READ, table_resource(domain, lakehouse, target.name), session):
                raise Forbidden(
                    f"Shortcut {shortcut.qualified_name} is broken for you: you may not read its target "
                    "(the grant expired or was revoked); request access to the target's product again"
                )
            handle = self.handle(domain, lakehouse, target)
            pinned = pinned if pinned is not None else target.target_version
        return TableHandle(handle.domain, handle.lakehouse, handle.table, handle.uri, shortcut.table, pinned)

    def locate_for_write(
        self, session: Session, actor: Principal, domain_ref: str, lakehouse: str, table: str
    ) -> TableHandle:
        """The table to write to; a table that does not exist yet is created by its first write."""
        domain, lakehouse_row = self._lakehouses.resolve(session, actor, domain_ref, lakehouse, Action.ITEM_READ)
        row = find_table(session, lakehouse_row.id, table)
        action = Action.DATA_WRITE if row is not None else Action.ITEM_WRITE
        self._authz.authorize(actor, action, table_resource(domain, lakehouse_row, table), session)
        if row is not None and row.target_table_id is not None:
            raise Forbidden(
                f"{domain.slug}.{lakehouse_row.name}.{row.name} is a read-only shortcut; write to its target"
            )
        if row is None:
            row = self.new_row(session, actor, domain, lakehouse_row, table)
        return self.handle(domain, lakehouse_row, row)

    def is_owner(self, session: Session, actor: Principal, handle: TableHandle) -> bool:
        """Platform admins and members of the owning domain: they may see where the table is stored."""
        return actor.is_platform_admin or self._authz.role_in(actor, handle.domain.id, session) is not None

    def handle(self, domain: DomainRow, lakehouse: LakehouseRow, row: TableRow) -> TableHandle:
        return TableHandle(domain, lakehouse, row, self.root.table_uri(domain.slug, lakehouse.name, row.name))

    # -- use cases -------------------------------------------------------------------------------
    def create(self, actor: Principal, domain_ref: str, lakehouse: str, spec: TableCreate) -> TableInfo:
        schema, columns = _schema_from(spec)
        partitions = _check_partitions(spec.partition_columns, schema)
        with self._catalog.transaction() as session:
            domain, lakehouse_row = self._lakehouses.resolve(session, actor, domain_ref, lakehouse, Action.ITEM_WRITE)
            row = self.new_row(session, actor, domain, lakehouse_row, spec.name, layer=spec.layer)
            row.description = spec.description.strip()
            row.columns = columns
            row.partition_columns = partitions
            handle = self.handle(domain, lakehouse_row, row)
            if self.delta.exists(handle.uri):
                raise Conflict(f"Data already exists at {handle.uri}; choose another table name")
            for hook in self._change_hooks:
                hook("created", handle)
            row.properties = {CHANGE_DATA_FEED: "true"} if spec.change_data_feed else {}
            row.version = self.delta.create(
                handle.uri,
                schema,
                partition_by=partitions,
                description=row.description,
                actor=actor.name,
                properties=row.properties,
            )
            row.row_count, row.size_bytes = 0, 0
            self.journal(session, actor, handle, "table.created", after={"columns": columns, "layer": row.layer})
            return self.info(handle, None)

    def new_row(
        self,
        session: Session,
        actor: Principal,
        domain: DomainRow,
        lakehouse: LakehouseRow,
        name: str,
        *,
        layer: str | None = None,
    ) -> TableRow:
        name = validate_table_name(name)
        if find_table(session, lakehouse.id, name) is not None:
            raise Conflict(f"Lakehouse {lakehouse.name!r} already has a table named {name!r}")
        layer = layer or infer_layer(name)
        if layer is not None and layer not in lakehouse.layers:
            raise invalid("layer", f"lakehouse {lakehouse.name!r} has no {layer} layer (it has {lakehouse.layers})")
        now = self._clock.now()
        row = TableRow(
            id=new_id("tbl"),
            lakehouse_id=lakehouse.id,
            domain_id=domain.id,
            name=name,
            layer=layer,
            description="",
            columns=[],
            partition_columns=[],
            properties={},
            created_by=actor.name,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row

    def list(self, actor: Principal, domain_ref: str, lakehouse: str) -> list[TableInfo]:
        """From the catalog only (no Delta log reads), so listing stays fast on big lakehouses."""
        with self._catalog.read() as session:
            domain, lakehouse_row = self._lakehouses.resolve(session, actor, domain_ref, lakehouse, Action.ITEM_READ)
            rows = session.scalars(
                select(TableRow).where(TableRow.lakehouse_id == lakehouse_row.id).order_by(TableRow.name)
            )
            return [self.described(session, actor, self.handle(domain, lakehouse_row, r)) for r in rows]

    def every_handle(self) -> tuple[TableHandle, ...]:
        """Every stored table (shortcuts left out: they read another table), for platform jobs over all tables."""
        with self._catalog.read() as session:
            rows = session.execute(
                select(TableRow, LakehouseRow)
                .join(LakehouseRow, TableRow.lakehouse_id == LakehouseRow.id)
                .where(TableRow.target_table_id.is_(None))
                .order_by(TableRow.id)
            ).all()
            domains = {d.id: d for d in domain_rows(session, {lakehouse.domain_id for _, lakehouse in rows})}
            return tuple(
                self.handle(domains[lakehouse.domain_id], lakehouse, table)
                for table, lakehouse in rows
                if lakehouse.domain_id in domains
            )

    def get(self, actor: Principal, domain_ref: str, lakehouse: str, table: str) -> TableInfo:
        with self._catalog.read() as session:
            handle = self.locate(session, actor, domain_ref, lakehouse, table, Action.ITEM_READ)
            if handle.table.target_table_id is not None:
                return self.described(session, actor, handle, snapshot=True)
        snapshot = self.delta.snapshot(handle.uri) if self.delta.exists(handle.uri) else None
        return self.info(handle, snapshot)

    def get_by_id(self, actor: Principal, table_id: str) -> TableInfo:
        """A table by its id or GUID alone (Purview and Fabric address tables so), read as `get` reads it."""
        with self._catalog.read() as session:
            row = session.get(TableRow, native_ref(table_id, "tbl"))
            lakehouse = session.get(LakehouseRow, row.lakehouse_id) if row else None
            domain = domain_by_id(session, lakehouse.domain_id) if lakehouse else None
            if row is None or lakehouse is None or domain is None:
                raise not_found("table", table_id)
            where = (domain.slug, lakehouse.name, row.name)
        try:
            return self.get(actor, *where)
        except NotFound:  # hidden from the caller: answered from what they asked, never with the row's name
            raise not_found("table", table_id) from None

    def described(
        self, session: Session, actor: Principal, handle: TableHandle, *, snapshot: bool = False
    ) -> TableInfo:
        """A table's info; a shortcut's shows its target's columns and version, or `broken` when it cannot be read."""
        if handle.table.target_table_id is None:
            return self.info(handle, None)
        target_row = session.get(TableRow, handle.table.target_table_id)
        lakehouse = session.get(LakehouseRow, target_row.lakehouse_id) if target_row else None
        domain = domain_by_id(session, lakehouse.domain_id) if lakehouse else None
        named = f"{domain.slug}.{lakehouse.name}.{target_row.name}" if target_row and lakehouse and domain else None
        try:
            target = self.follow(session, actor, handle)
        except (NotFound, Forbidden, Conflict):
            return self.info(handle, None).model_copy(update={"shortcut_target": named, "status": "broken"})
        state = None
        if snapshot and self.delta.exists(target.uri):
            state = self.delta.snapshot(target.uri) if target.pinned_version is None else None
        seen = self.info(target, state)
        return self.info(handle, None).model_copy(
            update={
                "shortcut_target": named,
                "status": "ok",
                "columns": seen.columns,
                "partition_columns": seen.partition_columns,
                "version": target.pinned_version if target.pinned_version is not None else seen.version,
                "row_count": seen.row_count,
                "size_bytes": seen.size_bytes,
                "last_refresh": seen.last_refresh,
            }
        )

    def update(self, actor: Principal, domain_ref: str, lakehouse: str, table: str, changes: TableUpdate) -> TableInfo:
        with self._catalog.transaction() as session:
            handle = self.locate(session, actor, domain_ref, lakehouse, table, Action.ITEM_WRITE)
            row = handle.table
            before = {
                "layer": row.layer,
                "description": row.description,
                "retention_days": row.retention_days,
                "columns": row.columns,
            }
            if changes.layer is not None:
                if changes.layer not in handle.lakehouse.layers:
                    raise invalid("layer", f"lakehouse {handle.lakehouse.name!r} has no {changes.layer} layer")
                row.layer = changes.layer
            if changes.description is not None:
                row.description = changes.description.strip()
            if changes.retention_days is not None:
                row.retention_days = changes.retention_days
            row.columns = _apply_column_changes(row.columns, changes)
            row.updated_at = self._clock.now()
            for hook in self._change_hooks:
                hook("updated", handle)
            if changes.change_data_feed is not None:
                if not self.delta.exists(handle.uri):
                    raise invalid("change_data_feed", "the table has no Delta log yet; write data first")
                value = "true" if changes.change_data_feed else "false"
                row.version = self.delta.set_properties(handle.uri, {CHANGE_DATA_FEED: value}, actor=actor.name)
                row.properties = {**row.properties, CHANGE_DATA_FEED: value}
            self.journal(session, actor, handle, "table.updated", before=before, after=changes.model_dump())
            return self.info(handle, None)

    def delete(self, actor: Principal, domain_ref: str, lakehouse: str, table: str) -> None:
        with self._catalog.transaction() as session:
            handle = self.locate(session, actor, domain_ref, lakehouse, table, Action.ITEM_DELETE)
            reasons = [r for check in self._delete_checks if (r := check(session, handle.table))]
            if reasons:
                raise Conflict(f"Table {handle.qualified_name!r} cannot be deleted: {'; '.join(reasons)}")
            self.journal(session, actor, handle, "table.deleted", before={"columns": handle.table.columns})
            for removal in self._removals:
                removal(session, handle.table.id)
            session.delete(handle.table)
            if handle.table.target_table_id is None:
                delete_tree(self.root, handle.uri)

    def discard_created(self, actor: Principal, table_id: str) -> None:
        """Undo a table this same request created when the rest of the request failed (e.g. a product create that
        lost a race for its name), so no orphan table is left; journaled like a delete."""
        with self._catalog.transaction() as session:
            row = session.get(TableRow, table_id)
            lakehouse = session.get(LakehouseRow, row.lakehouse_id) if row else None
            domain = domain_by_id(session, row.domain_id) if row else None
            if row is None or lakehouse is None or domain is None:
                return
            handle = self.handle(domain, lakehouse, row)
            self.journal(session, actor, handle, "table.deleted", before={"columns": row.columns})
            session.delete(row)
            delete_tree(self.root, handle.uri)

    # -- shared helpers --------------------------------------------------------------------------
    def journal(
        self,
        session: Session,
        actor: Principal,
        handle: TableHandle,
        action: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="table",
            resource_id=handle.table.id,
            resource_name=handle.qualified_name,
            domain=handle.domain.slug,
            before=before,
            after=after,
            payload=payload if payload is not None else {"table": handle.qualified_name, **(after or {})},
        )

    def info(self, handle: TableHandle, snapshot: Snapshot | None) -> TableInfo:
        row = handle.table
        columns = merge_columns(row.columns, snapshot.schema) if snapshot else row.columns
        return TableInfo(
            id=row.id,
            domain=handle.domain.slug,
            lakehouse=handle.lakehouse.name,
            name=row.name,
            qualified_name=handle.qualified_name,
            layer=row.layer,
            description=row.description,
            columns=[ColumnInfo(**c) for c in columns],
            partition_columns=list(snapshot.partition_columns if snapshot else row.partition_columns),
            version=snapshot.version if snapshot else row.version,
            row_count=snapshot.row_count if snapshot else row.row_count,
            size_bytes=snapshot.size_bytes if snapshot else row.size_bytes,
            file_count=snapshot.file_count if snapshot else None,
            last_refresh=(snapshot.last_commit_at if snapshot else None) or row.last_write_at,
            retention_days=row.retention_days or handle.lakehouse.retention_days,
            properties=dict(snapshot.properties) if snapshot else dict(row.properties),
            created_by=row.created_by,
            created_at=row.created_at,
            status="ok" if (snapshot or row.version is not None) else "empty",
        )


def merge_columns(known: list[dict[str, Any]], schema: pa.Schema) -> list[dict[str, Any]]:
    """The Delta schema's columns, keeping descriptions and labels the catalog holds for them."""
    by_name = {c["name"].lower(): c for c in known}
    merged = []
    for field in schema:
        old = by_name.get(field.name.lower(), {})
        merged.append(
            {
                "name": field.name,
                "type": type_name(field.type),
                "nullable": field.nullable,
                "description": old.get("description", ""),
                "sensitivity_label": old.get("sensitivity_label"),
                **({"classifications": old["classifications"]} if old.get("classifications") else {}),
            }
        )
    return merged


def _schema_from(spec: TableCreate) -> tuple[pa.Schema, list[dict[str, Any]]]:
    errors: list[ErrorItem] = []
    fields: list[pa.Field] = []
    seen: set[str] = set()
    for index, column in enumerate(spec.columns):
        if column.name.lower() in seen:
            errors.append(ErrorItem(("columns", index, "name"), f"duplicate column {column.name!r}"))
        seen.add(column.name.lower())
        try:
            validate_identifier(column.name, "name")
            data_type = parse_type(column.type)
        except InvalidInput as exc:
            errors.extend(ErrorItem(("columns", index, *e.loc), e.message) for e in exc.errors)
            continue
        fields.append(pa.field(column.name, data_type, nullable=column.nullable))
    if errors:
        raise InvalidInput("Invalid table columns", errors=errors)
    schema = delta_schema(pa.schema(fields))
    labels = {c.name.lower(): c for c in spec.columns}
    columns = [
        {
            "name": f.name,
            "type": type_name(f.type),
            "nullable": f.nullable,
            "description": labels[f.name.lower()].description,
            "sensitivity_label": labels[f.name.lower()].sensitivity_label,
        }
        for f in schema
    ]
    return schema, columns


def _check_partitions(partitions: list[str], schema: pa.Schema) -> list[str]:
    names = {f.name.lower(): f.name for f in schema}
    missing = [p for p in partitions if p.lower() not in names]
    if missing:
        raise invalid("partition_columns", f"not columns of the table: {missing}")
    return [names[p.lower()] for p in partitions]


def _apply_column_changes(columns: list[dict[str, Any]], changes: TableUpdate) -> list[dict[str, Any]]:
    by_name = {c["name"].lower(): dict(c) for c in columns}
    unknown = [name for name in changes.columns if name.lower() not in by_name]
    if unknown:
        raise InvalidInput(
            "Unknown columns", errors=[ErrorItem(("columns", n), "is not a column of the table") for n in unknown]
        )
    for name, change in changes.columns.items():
        by_name[name.lower()].update(change.model_dump(exclude_unset=True))
    return [by_name[c["name"].lower()] for c in columns]
