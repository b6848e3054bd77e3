"""Template use cases: everyone reads templates; platform admins write them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.templates import TemplateRow, TemplateVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import slugify, validate_name
from lakemesh.templates.models import BUILTIN_TEMPLATES, Template, TemplateDocument

TEMPLATE_TYPES = {"Lakehouse", "DataPipeline"}
# Capabilities that create things from templates (pipelines) say how many they made from one.
UsageCounter = Callable[[Session, str], int]


def to_template(row: TemplateRow, usage_count: int = 0) -> Template:
    return Template(
        name=row.name,
        usage_count=usage_count,
        version=row.version,
        builtin=row.builtin,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        **row.document,
    )


def find_template_row(session: Session, name: str) -> TemplateRow | None:
    return session.scalar(select(TemplateRow).where(func.lower(TemplateRow.name) == name.strip().lower()))


class TemplateService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock
        self._usage: list[UsageCounter] = []

    def register_usage_counter(self, counter: UsageCounter) -> None:
        self._usage.append(counter)

    def _used(self, session: Session, name: str) -> int:
        """Lakehouses and pipelines made from the template: each capability registers its count at install."""
        return sum(count(session, name) for count in self._usage)

    def versions(self, actor: Principal, name: str) -> list[dict[str, object]]:
        """Every stored version of a template, newest first (versions before this feature are not kept)."""
        with self._catalog.read() as session:
            if find_template_row(session, name) is None:
                raise NotFound(f"Template {name!r} not found")
            rows = session.scalars(
                select(TemplateVersionRow)
                .where(func.lower(TemplateVersionRow.template_name) == name.strip().lower())
                .order_by(TemplateVersionRow.version.desc())
            )
            return [
                {"version": r.version, "document": r.document, "created_by": r.created_by, "created_at": r.created_at}
                for r in rows
            ]

    def ensure_builtins(self) -> None:
        """Ship the seed's templates; never overwrite a version an admin changed."""
        with self._catalog.transaction() as session:
            for name, document in BUILTIN_TEMPLATES.items():
                if find_template_row(session, name) is None:
                    now = self._clock.now()
                    session.add(
                        TemplateRow(
                            id=new_id("tpl"),
                            name=name,
                            type=document["type"],
                            document=TemplateDocument.model_validate(document).model_dump(),
                            version=1,
                            builtin=True,
                            created_at=now,
                            updated_at=now,
                        )
                    )

    def list(self, actor: Principal) -> list[Template]:
        with self._catalog.read() as session:
            rows = session.scalars(select(TemplateRow).order_by(TemplateRow.name))
            return [to_template(r, self._used(session, r.name)) for r in rows]

    def get(self, actor: Principal, name: str) -> Template:
        with self._catalog.read() as session:
            row = find_template_row(session, name)
            if row is None:
                raise NotFound(f"Template {name!r} not found")
            return to_template(row, self._used(session, row.name))

    # Set by the council's install in LAKEMESH_GOVERNANCE_MODE=council: templates then change by proposal only.
    governed_by_council = False

    def put(self, actor: Principal, name: str, document: TemplateDocument, *, proposal: str | None = None) -> Template:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins can change templates")
        if self.governed_by_council and proposal is None:
            raise Conflict(
                f"Template {name!r} is governed by the council (LAKEMESH_GOVERNANCE_MODE=council): propose the change "
                "with POST /api/v1/council/proposals (kind template)"
            )
        validate_name(name)
        if slugify(name) != name.lower():
            raise invalid("name", "template names are lowercase words joined by '-', e.g. team-lakehouse")
        if document.type not in TEMPLATE_TYPES:
            raise invalid("type", f"must be one of {', '.join(sorted(TEMPLATE_TYPES))}")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = find_template_row(session, name)
            before = to_template(row).model_dump(mode="json") if row else None
            if row is None:
                row = TemplateRow(id=new_id("tpl"), name=name, version=0, builtin=False, created_at=now)
                session.add(row)
            row.type = document.type
            row.document = document.model_dump()
            row.version += 1
            row.updated_at = now
            row.updated_by = actor.name
            session.flush()
            session.add(
                TemplateVersionRow(
                    id=new_id("tplv"),
                    template_name=row.name,
                    version=row.version,
                    document=row.document,
                    created_by=actor.name,
                    created_at=now,
                )
            )
            template = to_template(row, self._used(session, row.name))
            record(
                session,
                at=now,
                actor=actor.name,
                action="template.updated" if before else "template.created",
                resource_type="template",
                resource_id=row.id,
                resource_name=row.name,
                before=before,
                after=template.model_dump(mode="json"),
            )
            return template
