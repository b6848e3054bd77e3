"""A grantee's personal Delta Sharing profile: one share that serves exactly the products their grants cover.

Nothing is copied into a share by hand: the tables are read from the grants in force on every request, so an
approval adds a table, and a revoked or expired grant removes it at once (also for file URLs already handed out).
Columns follow the same mask plan as SQL: what SQL would show you masked is left out of the served files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.access import store
from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.models import Principal
from lakemesh.auth.service import principals_by_id
from lakemesh.auth.tokens import hash_secret
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.sharing import SharingProfileRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, NotFound
from lakemesh.core.ids import new_id
from lakemesh.lakehouses.store import table_and_lakehouse
from lakemesh.lakehouses.tables import TableService
from lakemesh.products.reads import products_by_ids
from lakemesh.sharing.models import IssuedSharingProfile, SharingProfile, SharingProfileTable
from lakemesh.sharing.tokens import new_recipient_token, token_prefix

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow

SHARE = "grants"  # every profile's one share; a profile never sees another share, so the name need not be unique
PROFILE_PREFIX = "shp_"


@dataclass(frozen=True)
class GrantedTable:
    """One product a grant covers, as the profile serves it."""

    schema: str
    name: str
    product: str
    domain: DomainRow
    lakehouse: LakehouseRow
    table: TableRow
    columns: list[str] | None

    @property
    def qualified(self) -> str:
        return f"{self.domain.slug}.{self.lakehouse.name}.{self.table.name}"


def protocol_name(slug: str) -> str:
    """Slugs (`customer-360`) as Delta Sharing names (`customer_360`): clients split `share.schema.table` on dots."""
    return slug.replace("-", "_")


class SharingProfiles:
    def __init__(self, catalog: Catalog, clock: Clock, tables: TableService, reads: ReadGovernor) -> None:
        self._catalog = catalog
        self._clock = clock
        self._tables = tables
        self._reads = reads

    # -- use cases -------------------------------------------------------------------------------
    def create(self, actor: Principal, endpoint: str) -> IssuedSharingProfile:
        """A new profile (replacing your previous one); refused while you hold no grant in force."""
        now = self._clock.now()
        token = new_recipient_token()
        with self._catalog.transaction() as session:
            tables = self.granted_tables(session, actor)
            if not tables:
                raise Conflict(
                    "You hold no grant in force on a published product, so a profile would serve nothing; "
                    "request access first (lakemesh access request DOMAIN/PRODUCT --purpose ...)"
                )
            for old in self._active(session, actor.id):
                old.revoked_at = now
            row = SharingProfileRow(
                id=new_id("shp"),
                principal_id=actor.id,
                token_hash=hash_secret(token),
                token_prefix=token_prefix(token),
                created_at=now,
            )
            session.add(row)
            session.flush()
            self._journal(session, actor, row, "sharing_profile.created", tables)
            view = _view(row, actor, tables)
        profile = {"shareCredentialsVersion": 1, "endpoint": endpoint, "bearerToken": token}
        return IssuedSharingProfile(**view.model_dump(), token=token, profile=profile)

    def get(self, actor: Principal) -> SharingProfile:
        with self._catalog.read() as session:
            row = self._current(session, actor)
            return _view(row, actor, self.granted_tables(session, actor))

    def revoke(self, actor: Principal) -> SharingProfile:
        """Takes effect on the next request, including downloads of file URLs already handed out."""
        with self._catalog.transaction() as session:
            row = self._current(session, actor)
            tables = self.granted_tables(session, actor)
            if row.revoked_at is None:
                row.revoked_at = self._clock.now()
                self._journal(session, actor, row, "sharing_profile.revoked", tables)
            return _view(row, actor, tables)

    def covers(self, principal: Principal, product: str) -> bool:
        """Whether a profile of the principal would serve the product (`<domain>/<product>`): the web's button."""
        with self._catalog.read() as session:
            return any(t.product == product for t in self.granted_tables(session, principal))

    # -- for the Delta Sharing server ------------------------------------------------------------
    def authenticate(self, token: str) -> tuple[SharingProfileRow, Principal] | None:
        """The active profile and its (enabled) principal behind a bearer token; None when it is no profile."""
        with self._catalog.read() as session:
            row = session.scalar(select(SharingProfileRow).where(SharingProfileRow.token_hash == hash_secret(token)))
            owner = principals_by_id(session, [row.principal_id]).get(row.principal_id) if row is not None else None
            if row is None or owner is None:
                return None
            return row, owner

    def principal_of(self, profile_id: str) -> Principal | None:
        """The principal of an active profile (None when revoked, gone or disabled): checked per file download."""
        with self._catalog.read() as session:
            row = session.get(SharingProfileRow, profile_id)
            owner = principals_by_id(session, [row.principal_id]).get(row.principal_id) if row is not None else None
            if row is None or owner is None or row.revoked_at is not None or owner.disabled:
                return None
            return owner

    def touch(self, profile_id: str) -> None:
        with self._catalog.transaction() as session:
            row = session.get(SharingProfileRow, profile_id)
            if row is not None:
                row.last_used_at = self._clock.now()

    def granted_tables(self, session: Session, principal: Principal) -> list[GrantedTable]:
        """Products of the principal's grants in force (published or deprecated), masked as SQL masks them."""
        held = {  # a grant to you and one to your domain: one table
            product_id: table_id
            for table_id, product_id in session.execute(store.granted_tables_query(principal.id, self._clock.now()))
        }
        owning = products_by_ids(session, held)
        found: dict[str, GrantedTable] = {}
        for product, domain in sorted(owning.values(), key=lambda pd: (pd[1].slug, pd[0].slug)):
            located = table_and_lakehouse(session, held[product.id])
            if located is None or located[0].domain_id != product.domain_id:
                continue  # a product served from another domain's table is not shared through it
            table, lakehouse = located
            handle = self._tables.handle(domain, lakehouse, table)
            plan = self._reads.plan(principal, handle, session)
            known = [str(c["name"]) for c in table.columns or []]
            visible = [c for c in known if plan.function_for(c) is None]
            partitions = {str(p).lower() for p in table.partition_columns or []}
            if not visible or not partitions <= {c.lower() for c in visible}:
                continue  # nothing to serve, or a masked partition column would show in file paths
            found[product.id] = GrantedTable(
                schema=protocol_name(domain.slug),
                name=protocol_name(product.slug),
                product=f"{domain.slug}/{product.slug}",
                domain=domain,
                lakehouse=lakehouse,
                table=table,
                columns=None if len(visible) == len(known) else visible,
            )
        return list(found.values())

    # -- helpers ---------------------------------------------------------------------------------
    def _active(self, session: Session, principal_id: str) -> list[SharingProfileRow]:
        return list(
            session.scalars(
                select(SharingProfileRow).where(
                    SharingProfileRow.principal_id == principal_id, SharingProfileRow.revoked_at.is_(None)
                )
            )
        )

    def _current(self, session: Session, actor: Principal) -> SharingProfileRow:
        row = session.scalar(
            select(SharingProfileRow)
            .where(SharingProfileRow.principal_id == actor.id)
            .order_by(SharingProfileRow.created_at.desc(), SharingProfileRow.id.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound("You have no sharing profile; create one (lakemesh access profile --out my.share)")
        return row

    def _journal(
        self, session: Session, actor: Principal, row: SharingProfileRow, action: str, tables: list[GrantedTable]
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="sharing_profile",
            resource_id=row.id,
            resource_name=actor.name,
            domain=None,
            after={"principal": actor.name, "products": [t.product for t in tables]},
        )


def _view(row: SharingProfileRow, principal: Principal, tables: list[GrantedTable]) -> SharingProfile:
    return SharingProfile(
        id=row.id,
        principal=principal.name,
        share=SHARE,
        token_prefix=row.token_prefix,
        state="revoked" if row.revoked_at else "active",
        tables=[
            SharingProfileTable(
                share=SHARE, schema_name=t.schema, name=t.name, product=t.product, table=t.qualified, columns=t.columns
            )
            for t in (tables if row.revoked_at is None else [])
        ],
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
