"""Managing Delta Sharing shares: which of a domain's tables they expose (and which columns), and recipients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.auth import assignments
from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.auth.tokens import hash_secret
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.sharing import ShareRecipientRow, ShareRow, ShareTableRow
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import validate_identifier
from lakemesh.domains.service import DomainService, domain_by_id, domain_rows
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.store import find_table, tables_and_lakehouses
from lakemesh.lakehouses.tables import TableHandle, TableService, table_resource
from lakemesh.sharing.exposure import MaskedColumns, columns_of
from lakemesh.sharing.models import (
    IssuedRecipient,
    Recipient,
    RecipientCreate,
    Share,
    ShareCreate,
    SharedTable,
    ShareTableAdd,
)
from lakemesh.sharing.tokens import new_recipient_token, token_prefix

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

OUTSIDER_ID = "prn_delta_sharing_recipient"


def outsider() -> Principal:
    """A reader with no role and no grant: what access control masks for it, a share hides by default."""
    return Principal(id=OUTSIDER_ID, name="delta-sharing-recipient", kind="service", created_at=datetime.now(UTC))


class ShareService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        domains: DomainService,
        lakehouses: LakehouseService,
        tables: TableService,
        masked_columns: MaskedColumns | None = None,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._domains = domains
        self._lakehouses = lakehouses
        self._tables = tables
        self._masked = masked_columns

    # -- shares ----------------------------------------------------------------------------------
    def create(self, actor: Principal, spec: ShareCreate) -> Share:
        name = validate_identifier(spec.name)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            try:
                domain = self._domains.resolve(session, actor, spec.domain, Action.SHARE_CREATE)
            except Forbidden as exc:
                raise Forbidden(
                    f"Only Members and Admins of domain {spec.domain!r} may create its shares. To read its products "
                    "over Delta Sharing yourself, get access (lakemesh access request DOMAIN/PRODUCT) and make your "
                    "personal profile: lakemesh access profile --out my.share (POST /api/v1/me/sharing-profile)"
                ) from exc
            if session.scalar(select(ShareRow.id).where(func.lower(ShareRow.name) == name.lower())):
                raise Conflict(f"A share named {name!r} already exists; share names are unique across the mesh")
            row = ShareRow(
                id=new_id("shr"),
                name=name,
                domain_id=domain.id,
                description=spec.description.strip(),
                created_by=actor.name,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            self._journal(session, actor, row, domain, "share.created", {"name": name})
            return self._view(session, row, domain)

    def list_shares(self, actor: Principal) -> list[Share]:
        """Shares of the domains the caller has a role in (every share for platform admins)."""
        with self._catalog.read() as session:
            query = select(ShareRow)
            if not actor.is_platform_admin:
                mine = assignments.domain_ids_of(actor.id)
                query = query.where(ShareRow.domain_id.in_(mine))
            shares = list(session.scalars(query.order_by(ShareRow.name)))
            domains = {d.id: d for d in domain_rows(session, {s.domain_id for s in shares})}
            return [self._view(session, s, domains[s.domain_id]) for s in shares if s.domain_id in domains]

    def get(self, actor: Principal, share: str) -> Share:
        with self._catalog.read() as session:
            row, domain = self._load(session, actor, share, Action.ITEM_READ)
            return self._view(session, row, domain)

    def delete(self, actor: Principal, share: str) -> None:
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, share, Action.SHARE_CREATE)
            self._journal(session, actor, row, domain, "share.deleted", {"name": row.name})
            session.delete(row)

    # -- tables ----------------------------------------------------------------------------------
    def add_table(self, actor: Principal, share: str, spec: ShareTableAdd) -> Share:
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, share, Action.SHARE_CREATE)
            _, lakehouse = self._lakehouses.resolve(session, actor, domain.slug, spec.lakehouse, Action.ITEM_READ)
            table = find_table(session, lakehouse.id, spec.table)
            if table is None:
                raise NotFound(f"Table {domain.slug}.{lakehouse.name}.{spec.table} not found")
            self._authz.authorize(actor, Action.DATA_READ, table_resource(domain, lakehouse, table.name), session)
            if table.target_table_id is not None:
                raise invalid("table", "is a shortcut; share the target table from its own domain")
            schema = validate_identifier(spec.schema_name or lakehouse.name, "schema")
            name = validate_identifier(spec.name or table.name, "name")
            if session.scalar(
                select(ShareTableRow.id).where(
                    ShareTableRow.share_id == row.id,
                    func.lower(ShareTableRow.schema_name) == schema.lower(),
                    func.lower(ShareTableRow.name) == name.lower(),
                )
            ):
                raise Conflict(f"Share {row.name!r} already has a table {schema}.{name}")
            columns = self._columns(session, self._tables.handle(domain, lakehouse, table), spec.columns)
            session.add(
                ShareTableRow(
                    id=new_id("sht"),
                    share_id=row.id,
                    schema_name=schema,
                    name=name,
                    table_id=table.id,
                    columns=columns,
                    created_by=actor.name,
                    created_at=self._clock.now(),
                )
            )
            session.flush()
            qualified = f"{domain.slug}.{lakehouse.name}.{table.name}"
            self._journal(
                session, actor, row, domain, "share.table_added", {"table": qualified, "as": f"{schema}.{name}"}
            )
            return self._view(session, row, domain)

    def remove_table(self, actor: Principal, share: str, schema: str, name: str) -> Share:
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, share, Action.SHARE_CREATE)
            entry = session.scalar(
                select(ShareTableRow).where(
                    ShareTableRow.share_id == row.id,
                    func.lower(ShareTableRow.schema_name) == schema.lower(),
                    func.lower(ShareTableRow.name) == name.lower(),
                )
            )
            if entry is None:
                raise NotFound(f"Share {row.name!r} has no table {schema}.{name}")
            session.delete(entry)
            self._journal(session, actor, row, domain, "share.table_removed", {"as": f"{schema}.{name}"})
            session.flush()
            return self._view(session, row, domain)

    def _columns(self, session: Session, handle: TableHandle, requested: list[str] | None) -> list[str] | None:
        """The owner's choice of columns (None: every column); what recipients see is decided at each read."""
        known = [str(c["name"]) for c in handle.table.columns or []]
        masked = {c.lower() for c in self._masked(session, handle)} if self._masked else set()
        if requested is None:
            if known and all(c.lower() in masked for c in known):
                raise invalid("columns", "every column of the table is masked; name the columns to share")
            return None
        by_lower = {c.lower(): c for c in known}
        unknown = [c for c in requested if c.lower() not in by_lower]
        if unknown or not requested:
            raise invalid("columns", f"not columns of the table: {unknown}" if unknown else "name one column")
        chosen = [by_lower[c.lower()] for c in requested]
        hidden = [c for c in chosen if c.lower() in masked]
        if hidden:
            raise invalid("columns", f"masked by their sensitivity label, a share never exposes them: {hidden}")
        missing = [p for p in handle.table.partition_columns or [] if p.lower() not in {c.lower() for c in chosen}]
        if missing:
            raise invalid("columns", f"partition columns must be shared: {missing}")
        return None if len(chosen) == len(known) else chosen

    # -- recipients ------------------------------------------------------------------------------
    def create_recipient(self, actor: Principal, share: str, spec: RecipientCreate, endpoint: str) -> IssuedRecipient:
        name = validate_identifier(spec.name)
        expires = parse_duration(spec.expires_in, "expires_in") if spec.expires_in else None
        now = self._clock.now()
        token = new_recipient_token()
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, share, Action.SHARE_CREATE)
            taken = select(ShareRecipientRow.id).where(
                ShareRecipientRow.share_id == row.id, func.lower(ShareRecipientRow.name) == name.lower()
            )
            if session.scalar(taken):
                raise Conflict(f"Share {row.name!r} already has a recipient named {name!r}")
            recipient = ShareRecipientRow(
                id=new_id("rcp"),
                share_id=row.id,
                name=name,
                token_hash=hash_secret(token),
                token_prefix=token_prefix(token),
                expires_at=now + expires if expires else None,
                created_by=actor.name,
                created_at=now,
            )
            session.add(recipient)
            session.flush()
            self._journal(session, actor, row, domain, "share.recipient_created", {"recipient": name})
            view = _recipient(recipient, row.name, now)
        profile: dict[str, object] = {"shareCredentialsVersion": 1, "endpoint": endpoint, "bearerToken": token}
        if view.expires_at is not None:
            profile["expirationTime"] = view.expires_at.isoformat().replace("+00:00", "Z")
        return IssuedRecipient(**view.model_dump(), token=token, profile=profile)

    def list_recipients(self, actor: Principal, share: str) -> list[Recipient]:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, share, Action.SHARE_CREATE)
            rows = session.scalars(
                select(ShareRecipientRow).where(ShareRecipientRow.share_id == row.id).order_by(ShareRecipientRow.name)
            )
            now = self._clock.now()
            return [_recipient(r, row.name, now) for r in rows]

    def revoke_recipient(self, actor: Principal, share: str, name: str) -> Recipient:
        """Takes effect on the recipient's next request, including downloads of URLs already handed out."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, share, Action.SHARE_CREATE)
            recipient = session.scalar(
                select(ShareRecipientRow).where(
                    ShareRecipientRow.share_id == row.id, func.lower(ShareRecipientRow.name) == name.lower()
                )
            )
            if recipient is None:
                raise NotFound(f"Share {row.name!r} has no recipient {name!r}")
            if recipient.revoked_at is None:
                recipient.revoked_at, recipient.revoked_by = now, actor.name
                self._journal(session, actor, row, domain, "share.recipient_revoked", {"recipient": recipient.name})
            return _recipient(recipient, row.name, now)

    def count_shared_tables(self) -> int:
        """For the mesh metrics: tables exposed by shares that have at least one recipient in force."""
        now = self._clock.now()
        with self._catalog.read() as session:
            active = select(ShareRecipientRow.share_id).where(
                ShareRecipientRow.revoked_at.is_(None),
                (ShareRecipientRow.expires_at.is_(None)) | (ShareRecipientRow.expires_at > now),
            )
            query = select(func.count()).select_from(ShareTableRow).where(ShareTableRow.share_id.in_(active))
            return int(session.scalar(query) or 0)

    # -- helpers ---------------------------------------------------------------------------------
    def _load(self, session: Session, actor: Principal, share: str, action: Action) -> tuple[ShareRow, DomainRow]:
        row = session.scalar(select(ShareRow).where(func.lower(ShareRow.name) == share.strip().lower()))
        domain = domain_by_id(session, row.domain_id) if row else None
        if row is None or domain is None:
            raise NotFound(f"Share {share!r} not found")
        self._authz.authorize(actor, action, Resource("share", row.name, domain.id), session)
        return row, domain

    def _view(self, session: Session, row: ShareRow, domain: DomainRow) -> Share:
        shared = list(
            session.scalars(
                select(ShareTableRow)
                .where(ShareTableRow.share_id == row.id)
                .order_by(ShareTableRow.schema_name, ShareTableRow.name)
            )
        )
        found = tables_and_lakehouses(session, {entry.table_id for entry in shared})
        entries = [(entry, *found[entry.table_id]) for entry in shared if entry.table_id in found]
        tables = [
            SharedTable(
                id=entry.id,
                share=row.name,
                schema_name=entry.schema_name,
                name=entry.name,
                table=f"{domain.slug}.{lakehouse.name}.{table.name}",
                columns=self._exposed(session, self._tables.handle(domain, lakehouse, table), entry.columns),
                chosen_columns=entry.columns,
                created_at=entry.created_at,
            )
            for entry, table, lakehouse in entries
        ]
        recipients = session.scalar(
            select(func.count()).select_from(ShareRecipientRow).where(ShareRecipientRow.share_id == row.id)
        )
        return Share(
            id=row.id,
            name=row.name,
            domain=domain.slug,
            description=row.description,
            tables=tables,
            recipients=int(recipients or 0),
            created_by=row.created_by,
            created_at=row.created_at,
        )

    def _exposed(self, session: Session, handle: TableHandle, chosen: list[str] | None) -> list[str] | None:
        try:
            return columns_of(self._masked, session, handle, chosen)
        except Forbidden:  # every column is masked now: recipients get nothing
            return []

    def _journal(
        self, session: Session, actor: Principal, row: ShareRow, domain: DomainRow, action: str, payload: dict[str, str]
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="share",
            resource_id=row.id,
            resource_name=row.name,
            domain=domain.slug,
            after=payload,
        )


def _recipient(row: ShareRecipientRow, share: str, now: datetime) -> Recipient:
    state = "revoked" if row.revoked_at else "expired" if row.expires_at and row.expires_at <= now else "active"
    return Recipient(
        id=row.id,
        share=share,
        name=row.name,
        token_prefix=row.token_prefix,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        created_by=row.created_by,
        created_at=row.created_at,
        state=state,
    )
