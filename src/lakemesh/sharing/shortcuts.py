"""Shortcuts: a table entry in one lakehouse that reads another lakehouse's table, copying no data.

Reads resolve to the target (at its latest or pinned version) and are authorized on the target for the reader,
so a shortcut never opens more than the reader's own roles and grants; writes through it are refused.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, NotFound, invalid
from lakemesh.core.names import validate_identifier
from lakemesh.domains.service import domain_by_id, find_domain_row
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.store import find_lakehouse, find_table, shortcuts_in, table_and_lakehouse, table_by_id
from lakemesh.lakehouses.tables import MAX_SHORTCUT_HOPS, TableHandle, TableService, table_resource
from lakemesh.sharing.models import Shortcut, ShortcutCreate, ShortcutTarget, TableTarget

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow

TABLES_PREFIX = "Tables/"
# Fabric scripts carry placeholder ids such as `sales-workspace-id`; they name the domain and lakehouse.
# (`sales-workspace-id` → domain `sales`, `sales-lakehouse-id` → lakehouse `sales_lakehouse`).
_PLACEHOLDER = re.compile(r"^(?P<name>.+?)(?:-workspace|-item)?-id$", re.IGNORECASE)


def shortcut_name(path: str, field: str = "path") -> str:
    """`Tables/<name>` → `<name>`; anything else (other areas, nested paths, `..`) is refused."""
    text = path.strip()
    if not text.startswith(TABLES_PREFIX):
        raise invalid(field, f"must be {TABLES_PREFIX}<name>: shortcuts live in the Tables area")
    name = text[len(TABLES_PREFIX) :]
    if not name or "/" in name or "\\" in name or ".." in name:
        raise invalid(field, f"must be {TABLES_PREFIX}<name> with a single table name, no sub-folders or '..'")
    return validate_identifier(name, field)


class ShortcutService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        lakehouses: LakehouseService,
        tables: TableService,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._lakehouses = lakehouses
        self._tables = tables

    def create(self, actor: Principal, domain_ref: str, lakehouse: str, spec: ShortcutCreate) -> Shortcut:
        name = shortcut_name(spec.path)
        with self._catalog.transaction() as session:
            domain, home = self._lakehouses.resolve(session, actor, domain_ref, lakehouse, Action.ITEM_WRITE)
            target = self._target(session, actor, spec.target)
            if target.lakehouse.id == home.id and target.table.name.lower() == name.lower():
                raise invalid("target", "a shortcut cannot point at itself")
            existing = find_table(session, home.id, name)
            if existing is not None and not (spec.replace and existing.target_table_id is not None):
                what = "shortcut (send replace: true to re-point it)" if existing.target_table_id else "table"
                raise Conflict(f"Lakehouse {home.name!r} already has a {what} named {name!r}")
            if existing is not None:
                self._check_no_cycle(session, existing, target.table)
            self._check_version(target, spec.version)
            row = existing or self._tables.new_row(session, actor, domain, home, name)
            row.target_table_id, row.target_version = target.table.id, spec.version
            row.columns = list(target.table.columns or [])
            row.description = row.description or f"Shortcut to {target.qualified_name}"
            row.updated_at = self._clock.now()
            handle = self._tables.handle(domain, home, row)
            action = "shortcut.updated" if existing is not None else "shortcut.created"
            self._tables.journal(
                session,
                actor,
                handle,
                action,
                after={"target": target.qualified_name, "target_version": spec.version},
            )
            session.flush()
            return self._view(session, actor, handle)

    def list_shortcuts(self, actor: Principal, domain_ref: str, lakehouse: str) -> list[Shortcut]:
        with self._catalog.read() as session:
            domain, home = self._lakehouses.resolve(session, actor, domain_ref, lakehouse, Action.ITEM_READ)
            rows = shortcuts_in(session, home.id)
            return [self._view(session, actor, self._tables.handle(domain, home, row)) for row in rows]

    def get(self, actor: Principal, domain_ref: str, lakehouse: str, name: str) -> Shortcut:
        with self._catalog.read() as session:
            handle = self._locate(session, actor, domain_ref, lakehouse, name, Action.ITEM_READ)
            return self._view(session, actor, handle)

    def delete(self, actor: Principal, domain_ref: str, lakehouse: str, name: str) -> None:
        """Removes the entry only; the target's data is never touched."""
        with self._catalog.transaction() as session:
            handle = self._locate(session, actor, domain_ref, lakehouse, name, Action.ITEM_DELETE)
            self._tables.journal(session, actor, handle, "shortcut.deleted", before={"path": f"Tables/{name}"})
            session.delete(handle.table)

    # -- helpers ---------------------------------------------------------------------------------
    def _locate(
        self, session: Session, actor: Principal, domain_ref: str, lakehouse: str, name: str, action: Action
    ) -> TableHandle:
        handle = self._tables.locate(session, actor, domain_ref, lakehouse, name, action)
        if handle.table.target_table_id is None:
            raise NotFound(f"{handle.qualified_name} is a table, not a shortcut")
        return handle

    def _target(self, session: Session, actor: Principal, target: ShortcutTarget) -> TableHandle:
        """The target table, readable by the caller; missing and unreadable give the same 404."""
        if target.one_lake is not None:
            domain_ref = _placeholder(target.one_lake.workspace_id)
            lakehouse_ref = _placeholder(target.one_lake.item_id).replace("-", "_")
            table_ref = shortcut_name(target.one_lake.path, "target.oneLake.path")
            written = f"{target.one_lake.workspace_id}/{target.one_lake.item_id}/{target.one_lake.path}"
            lakehouse_candidates = [target.one_lake.item_id, lakehouse_ref]
        else:
            domain_ref, table_ref = str(target.domain), str(target.table)
            written = f"{target.domain}.{target.lakehouse}.{target.table}"
            lakehouse_candidates = [str(target.lakehouse)]
        domain = find_domain_row(session, domain_ref)
        if domain is None and target.one_lake is not None:
            domain = find_domain_row(session, target.one_lake.workspace_id)
        lakehouse = _first_lakehouse(session, domain, lakehouse_candidates)
        row = find_table(session, lakehouse.id, table_ref) if lakehouse else None
        if domain is None or lakehouse is None or row is None:
            raise NotFound(f"Target table {written} not found")
        if not self._authz.can(actor, Action.DATA_READ, table_resource(domain, lakehouse, row.name), session):
            raise NotFound(f"Target table {written} not found")
        handle = self._tables.handle(domain, lakehouse, row)
        if row.target_table_id is not None:
            self._tables.follow(session, actor, handle)  # a broken chain is refused now, not at the first read
        return handle

    def _check_no_cycle(self, session: Session, shortcut: TableRow, target: TableRow) -> None:
        current: TableRow | None = target
        for _ in range(MAX_SHORTCUT_HOPS + 1):
            if current is None:
                return
            if shortcut.id in (current.id, current.target_table_id):
                raise invalid("target", "the shortcuts would form a cycle (A → B → A)")
            if current.target_table_id is None:
                return
            current = table_by_id(session, current.target_table_id)
        raise invalid("target", f"the chain of shortcuts is longer than {MAX_SHORTCUT_HOPS}")

    def _check_version(self, target: TableHandle, version: int | None) -> None:
        if version is None:
            return
        latest = target.table.version
        if target.table.target_table_id is None and (latest is None or version > latest):
            raise invalid("version", f"the target's latest version is {latest}; cannot pin {version}")

    def _view(self, session: Session, actor: Principal, handle: TableHandle) -> Shortcut:
        info = self._tables.described(session, actor, handle)
        found = table_and_lakehouse(session, handle.table.target_table_id)
        domain = domain_by_id(session, found[1].domain_id) if found else None
        target = (
            TableTarget(domain=domain.slug, lakehouse=found[1].name, table=found[0].name) if found and domain else None
        )
        row = handle.table
        return Shortcut(
            id=row.id,
            domain=handle.domain.slug,
            lakehouse=handle.lakehouse.name,
            name=row.name,
            path=f"{TABLES_PREFIX}{row.name}",
            qualified_name=handle.qualified_name,
            target=target,
            target_version=row.target_version,
            status=info.status,
            created_by=row.created_by,
            created_at=row.created_at,
        )


def _placeholder(ref: str) -> str:
    match = _PLACEHOLDER.match(ref.strip())
    return match.group("name") if match else ref.strip()


def _first_lakehouse(session: Session, domain: DomainRow | None, candidates: list[str]) -> LakehouseRow | None:
    if domain is None:
        return None
    for candidate in candidates:
        row = find_lakehouse(session, domain.id, candidate)
        if row is not None:
            return row
    return None
