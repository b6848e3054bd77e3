"""Lakehouse use cases: create (optionally from a template), list, get, update."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, InvalidInput, PreconditionFailed, invalid, not_found
from lakemesh.core.ids import new_id
from lakemesh.core.names import looks_like_email, validate_identifier
from lakemesh.domains.service import DomainService, require_domain_row
from lakemesh.lakehouses.models import Lakehouse, LakehouseCreate, LakehouseUpdate
from lakemesh.lakehouses.store import LAYERS, find_lakehouse
from lakemesh.storage.location import DataRoot
from lakemesh.templates.models import Template
from lakemesh.templates.service import TemplateService

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

DEFAULT_RETENTION_DAYS = 7


def lakehouse_resource(row: LakehouseRow, domain: DomainRow) -> Resource:
    return Resource(kind="lakehouse", name=f"{domain.slug}/{row.name}", domain_id=domain.id)


class LakehouseService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        domains: DomainService,
        templates: TemplateService,
        root: DataRoot,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._domains = domains
        self._templates = templates
        self._root = root

    def create(self, actor: Principal, domain_ref: str, spec: LakehouseCreate) -> Lakehouse:
        name = validate_identifier(spec.name)
        template = self._templates.get(actor, spec.template) if spec.template else None
        settings = _settings_from(template, spec)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain = self._domains.resolve(session, actor, domain_ref, Action.ITEM_WRITE)
            if find_lakehouse(session, domain.id, name) is not None:
                raise Conflict(f"Domain {domain.name!r} already has a lakehouse named {name!r}")
            row = LakehouseRow(
                id=new_id("lh"),
                domain_id=domain.id,
                name=name,
                description=spec.description.strip(),
                data_steward=spec.data_steward.strip().lower() if spec.data_steward else None,
                template=template.name if template else None,
                sensitivity=spec.sensitivity or _default_sensitivity(settings["governance"]),
                created_by=actor.name,
                created_at=now,
                updated_at=now,
                revision=1,
                **settings,
            )
            session.add(row)
            session.flush()
            lakehouse = self._to_model(row, domain)
            record(
                session,
                at=now,
                actor=actor.name,
                action="lakehouse.created",
                resource_type="lakehouse",
                resource_id=row.id,
                resource_name=row.name,
                domain=domain.slug,
                after=lakehouse.model_dump(mode="json", exclude={"etag", "created_at", "updated_at"}),
            )
            return lakehouse

    def list(self, actor: Principal, domain_ref: str) -> list[Lakehouse]:
        with self._catalog.read() as session:
            domain = self._domains.resolve(session, actor, domain_ref, Action.ITEM_READ)
            rows = session.scalars(
                select(LakehouseRow).where(LakehouseRow.domain_id == domain.id).order_by(LakehouseRow.name)
            )
            return [self._to_model(r, domain) for r in rows]

    def get(self, actor: Principal, domain_ref: str, name: str) -> Lakehouse:
        with self._catalog.read() as session:
            domain, row = self.resolve(session, actor, domain_ref, name, Action.ITEM_READ)
            return self._to_model(row, domain)

    def update(
        self, actor: Principal, domain_ref: str, name: str, changes: LakehouseUpdate, *, if_match: str | None = None
    ) -> Lakehouse:
        fields = changes.model_dump(exclude_unset=True)
        with self._catalog.transaction() as session:
            domain, row = self.resolve(session, actor, domain_ref, name, Action.ITEM_WRITE)
            before = self._to_model(row, domain)
            if if_match is not None and if_match.strip() not in {before.etag, "*"}:
                raise PreconditionFailed("The lakehouse changed since you read it; read it again and retry")
            _check_requirements(row.governance, {**_current(row), **fields})
            for key, value in fields.items():
                setattr(row, key, value if key != "description" else (value or ""))
            row.revision += 1
            row.updated_at = self._clock.now()
            after = self._to_model(row, domain)
            record(
                session,
                at=row.updated_at,
                actor=actor.name,
                action="lakehouse.updated",
                resource_type="lakehouse",
                resource_id=row.id,
                resource_name=row.name,
                domain=domain.slug,
                before={k: getattr(before, k) for k in fields},
                after={k: getattr(after, k) for k in fields},
            )
            return after

    def resolve(
        self, session: Session, actor: Principal, domain_ref: str, name: str, action: Action
    ) -> tuple[DomainRow, LakehouseRow]:
        """For tables, files and other capabilities: the rows, after checking `action` is allowed."""
        domain = require_domain_row(session, domain_ref)
        row = find_lakehouse(session, domain.id, name)
        asked = f"{domain_ref}/{name}"
        if row is None:
            self._authz.authorize(actor, Action.ITEM_READ, Resource("lakehouse", name, domain.id), session, asked=asked)
            raise not_found("lakehouse", asked)
        self._authz.authorize(actor, action, lakehouse_resource(row, domain), session, asked=asked)
        return domain, row

    def _to_model(self, row: LakehouseRow, domain: DomainRow) -> Lakehouse:
        return Lakehouse(
            id=row.id,
            domain=domain.slug,
            name=row.name,
            description=row.description,
            data_steward=row.data_steward,
            template=row.template,
            sensitivity=row.sensitivity,
            layers=list(row.layers),
            default_format=row.default_format,
            retention_days=row.retention_days,
            auto_vacuum=row.auto_vacuum,
            location=self._root.lakehouse_uri(domain.slug, row.name),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            etag=f'"{row.id}.{row.revision}"',
        )


def _settings_from(template: Template | None, spec: LakehouseCreate) -> dict[str, Any]:
    """Template values first, then what the caller set explicitly; the template's governance is checked."""
    config = template.config if template else {}
    if template is not None and template.type != "Lakehouse":
        raise invalid("template", f"{template.name!r} is a {template.type} template, not a Lakehouse template")
    layers = spec.layers or config.get("layers") or list(LAYERS)
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown:
        raise invalid("layers", f"unknown layers {unknown}; use bronze, silver and gold")
    retention = spec.retention_days if spec.retention_days is not None else config.get("retention_days")
    auto_vacuum = spec.auto_vacuum if spec.auto_vacuum is not None else config.get("auto_vacuum", False)
    governance = dict(template.governance) if template else {}
    _check_requirements(governance, spec.model_dump())
    return {
        "layers": list(layers),
        "default_format": str(config.get("default_format", "delta")),
        "retention_days": int(retention if retention is not None else DEFAULT_RETENTION_DAYS),
        "auto_vacuum": bool(auto_vacuum),
        "governance": governance,
    }


# A template's governance requirement → the lakehouse field that satisfies it, and what to tell the user.
_REQUIREMENTS = {
    "data_steward": ("data_steward", "a data steward (email) is required by the template"),
    "documentation": ("description", "a description (documentation) is required by the template"),
}


def _check_requirements(governance: dict[str, Any], values: dict[str, Any]) -> None:
    errors = [
        ErrorItem((field,), message)
        for requirement, (field, message) in _REQUIREMENTS.items()
        if str(governance.get(requirement, "")).lower() == "required" and not str(values.get(field) or "").strip()
    ]
    steward = values.get("data_steward")
    if steward and not looks_like_email(str(steward)):
        errors.append(ErrorItem(("data_steward",), "must be an email address"))
    if errors:
        raise InvalidInput("The lakehouse does not meet its template's governance requirements", errors=errors)


def _default_sensitivity(governance: dict[str, Any]) -> str | None:
    """Templates that require a classification get `Internal` until the steward sets one; column-level
    labels are what governance policies check."""
    required = str(governance.get("sensitivity_classification", "")).lower() == "required"
    return "Internal" if required else None


def _current(row: LakehouseRow) -> dict[str, Any]:
    return {"data_steward": row.data_steward, "description": row.description, "sensitivity": row.sensitivity}


def purge_lakehouses(session: Session, domain_id: str) -> None:
    session.execute(delete(TableRow).where(TableRow.domain_id == domain_id))
    session.execute(delete(LakehouseRow).where(LakehouseRow.domain_id == domain_id))
