"""Semantic model use cases: save (validated against the tables the author can read), version, share, query.

Queries compile to SQL and run through the governed query service as the caller, so the caller's
grants and column masks apply exactly as they do to hand-written SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lakemesh.access.query import QueryService
from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.semantic import SemanticModelRow, SemanticModelVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import ErrorItem, Forbidden, InvalidInput, NotFound, PreconditionFailed, not_found
from lakemesh.core.ids import native_ref, new_id
from lakemesh.core.names import slugify
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import DomainService, domain_by_id, find_domain_row, require_domain_row
from lakemesh.lakehouses.tables import TableService
from lakemesh.products.service import ProductService
from lakemesh.semantic.compiler import Compiler
from lakemesh.semantic.dax import parse_dax
from lakemesh.semantic.models import SemanticModel, SemanticModelSpec, SemanticModelVersion, SemanticQuery
from lakemesh.semantic.queries import structured_query
from lakemesh.semantic.schema import ModelSchema, bind
from lakemesh.semantic.versions import compare, next_version

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

FIRST_VERSION = "1.0.0"


@dataclass
class SemanticOutcome:
    table: pa.Table
    truncated: bool
    sql: str


def model_resource(row: SemanticModelRow, domain: DomainRow) -> Resource:
    return Resource("semantic model", f"{domain.slug}/{row.slug}", domain.id)


class SemanticService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        domains: DomainService,
        products: ProductService,
        tables: TableService,
        query: QueryService,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._domains = domains
        self._products = products
        self._tables = tables
        self._query = query

    # -- save ------------------------------------------------------------------------------------
    def put(
        self, actor: Principal, domain: str, model: str, spec: SemanticModelSpec, *, if_match: str | None = None
    ) -> SemanticModel:
        """Create or replace; a changed document is a new version (major when it removes anything)."""
        if slugify(spec.name) != slugify(model):
            raise InvalidInput(
                f"The document names {spec.name!r} but the path names {model!r}",
                errors=[ErrorItem(("name",), "must match the model in the path")],
            )
        with self._catalog.read() as session:
            domain_row = self._domains.resolve(session, actor, domain, Action.ITEM_WRITE)
            domain_slug = domain_row.slug
        bound, sources = self._bind(actor, domain_slug, spec)
        document = spec.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain_row = self._domains.resolve(session, actor, domain, Action.ITEM_WRITE)
            row = self._find(session, domain_row, model)
            if row is None:
                row = SemanticModelRow(
                    id=new_id("sm"),
                    domain_id=domain_row.id,
                    name=spec.name,
                    slug=slugify(spec.name),
                    version=FIRST_VERSION,
                    created_by=actor.name,
                    created_at=now,
                    revision=0,
                )
                session.add(row)
                changes, breaking, action = ["created"], False, "semantic_model.created"
            else:
                if if_match is not None and if_match.strip() not in {_etag(row), "*"}:
                    raise PreconditionFailed("The model changed since you read it; read it again and retry")
                changes, breaking = compare(SemanticModelSpec.model_validate(row.spec), spec)
                if not changes:
                    return self._view(row, domain_row)
                row.version = next_version(row.version, breaking)
                action = "semantic_model.updated"
            row.name, row.spec, row.bound, row.sources, row.product = spec.name, document, bound, sources, spec.product
            row.updated_at, row.revision = now, row.revision + 1
            session.flush()
            session.add(
                SemanticModelVersionRow(
                    id=new_id("smv"),
                    model_id=row.id,
                    version=row.version,
                    spec=document,
                    breaking=breaking,
                    changes=changes,
                    created_by=actor.name,
                    created_at=now,
                )
            )
            view = self._view(row, domain_row)
            self._journal(session, actor, row, domain_row, action, {"version": row.version, "changes": changes})
            return view

    def _bind(self, actor: Principal, domain: str, spec: SemanticModelSpec) -> tuple[dict[str, Any], list[str]]:
        """Resolve every source as the author (who must be able to read it) and check the document."""
        errors: list[ErrorItem] = []
        found: dict[str, tuple[tuple[str, ...], list[str]]] = {}
        names: list[str] = []
        if spec.product is not None:
            try:
                self._products.get(actor, domain, spec.product)
            except (NotFound, Forbidden):
                errors.append(ErrorItem(("product",), f"no data product {spec.product!r} in {domain}"))
        for index, logical in enumerate(spec.tables):
            loc: tuple[str | int, ...] = ("tables", index, "source")
            source = logical.source
            written = source.product or source.table or ""
            try:
                parts, columns, name = self._source(actor, domain, source.product, source.table)
            except (NotFound, Forbidden):
                # The same answer for a missing table and one the author may not read.
                what = "data product" if source.product else "table"
                errors.append(ErrorItem(loc, f"no {what} {written!r} that you can read"))
                continue
            found[logical.name.lower()] = (parts, columns)
            names.append(name)
        if errors:
            raise InvalidInput(f"The semantic model {spec.name!r} is not valid", errors=errors)
        schema = bind(spec, found)
        check_measures(schema, spec)
        bound = {key: {"sql": list(parts), "columns": columns} for key, (parts, columns) in found.items()}
        return bound, list(dict.fromkeys(names))

    def _source(
        self, actor: Principal, domain: str, product: str | None, table: str | None
    ) -> tuple[tuple[str, ...], list[str], str]:
        """(SQL name parts, physical columns, the source's display name), checked as `actor` may read it."""
        if product is not None:
            product_domain, product_name = product.split("/")
            found = self._products.get(actor, product_domain, product_name)
            table_domain, lakehouse, table_name = found.table.split(".", 2)
            columns = self._columns(actor, table_domain, lakehouse, table_name)
            sql = ("product", found.domain.replace("-", "_"), found.slug.replace("-", "_"))
            return sql, columns, found.qualified_name
        assert table is not None
        parts = table.split(".")
        owner = parts[0] if len(parts) == 3 else domain
        columns = self._columns(actor, owner, parts[-2], parts[-1])
        with self._catalog.read() as session:
            domain_row = find_domain_row(session, owner)
            if domain_row is None:
                raise NotFound(f"Table {table} not found")
            slug = domain_row.slug
        return (slug.replace("-", "_"), parts[-2], parts[-1]), columns, f"{slug}.{parts[-2]}.{parts[-1]}"

    def _columns(self, actor: Principal, domain: str, lakehouse: str, table: str) -> list[str]:
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)
            known = [str(c["name"]) for c in handle.table.columns or [] if isinstance(c, dict) and "name" in c]
        if self._tables.delta.exists(handle.uri):
            return list(self._tables.delta.snapshot(handle.uri).schema.names)
        return known

    # -- read ------------------------------------------------------------------------------------
    def get(self, actor: Principal, domain: str, model: str) -> SemanticModel:
        with self._catalog.read() as session:
            row, domain_row = self._load(session, actor, domain, model)
            return self._view(row, domain_row)

    def list_models(
        self,
        actor: Principal,
        *,
        domain: str | None = None,
        name: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[SemanticModel]:
        """The models the caller may read: their domains' models and models over products they hold grants on."""
        check_limit(limit)
        after = decode_cursor(cursor)
        with self._catalog.read() as session:
            query = select(SemanticModelRow)
            if domain is not None:
                domain_row = require_domain_row(session, domain)
                query = query.where(SemanticModelRow.domain_id == domain_row.id)
            if name is not None:
                query = query.where(SemanticModelRow.slug == slugify(name))
            if after is not None:
                query = query.where(SemanticModelRow.id > str(after))
            items: list[SemanticModel] = []
            for row in session.scalars(query.order_by(SemanticModelRow.id)).all():
                owner = domain_by_id(session, row.domain_id)
                if owner is None:
                    continue  # its domain is going (the join skipped it too)
                if self._readable(session, actor, row, owner):
                    items.append(self._view(row, owner))
                if len(items) > limit:
                    break
        more = len(items) > limit
        return Page(items=items[:limit], next_cursor=encode_cursor(items[limit - 1].id) if more else None)

    def versions(self, actor: Principal, domain: str, model: str) -> list[SemanticModelVersion]:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain, model)
            rows = session.scalars(
                select(SemanticModelVersionRow)
                .where(SemanticModelVersionRow.model_id == row.id)
                .order_by(SemanticModelVersionRow.created_at.desc(), SemanticModelVersionRow.id.desc())
            )
            return [
                SemanticModelVersion(
                    version=v.version,
                    created_at=v.created_at,
                    created_by=v.created_by,
                    breaking=v.breaking,
                    changes=list(v.changes),
                )
                for v in rows
            ]

    def delete(self, actor: Principal, domain: str, model: str) -> None:
        with self._catalog.transaction() as session:
            row, domain_row = self._load(session, actor, domain, model)
            self._authz.authorize(actor, Action.ITEM_DELETE, model_resource(row, domain_row), session)
            self._journal(session, actor, row, domain_row, "semantic_model.deleted", {"version": row.version})
            session.delete(row)

    # -- query -----------------------------------------------------------------------------------
    def query(self, actor: Principal, domain: str, model: str, request: SemanticQuery) -> SemanticOutcome:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain, model)
            spec, bound = SemanticModelSpec.model_validate(row.spec), dict(row.bound)
        schema = bind(spec, {k: (tuple(v["sql"]), list(v["columns"])) for k, v in bound.items()})
        if request.dax is not None:
            compiled = Compiler(schema).query(parse_dax(request.dax))
        else:
            compiled = Compiler(schema).query(structured_query(request))
        outcome = self._query.run(actor, compiled.sql, limit=request.limit)
        return SemanticOutcome(outcome.table, outcome.truncated, compiled.sql)

    def evaluate_dax(
        self, actor: Principal, dataset: str, dax: str, *, workspace: str | None = None, limit: int | None = None
    ) -> SemanticOutcome:
        """The seed's `evaluate_dax(dataset=..., dax_string=..., workspace=...)`: workspace is the domain."""
        domain = workspace if workspace is not None else self._only_domain_of(actor, dataset)
        return self.query(actor, domain, dataset, SemanticQuery(dax=dax, limit=limit))

    def _only_domain_of(self, actor: Principal, dataset: str) -> str:
        found = self.list_models(actor, name=dataset, limit=2).items
        if not found:
            raise NotFound(f"Semantic model {dataset!r} not found")
        if len(found) > 1:
            raise InvalidInput(
                f"Several domains have a model named {dataset!r}; give workspace=",
                errors=[ErrorItem(("workspace",), "required: the model's name is not unique")],
            )
        return found[0].domain

    # -- internals -------------------------------------------------------------------------------
    def _find(self, session: Session, domain: DomainRow, ref: str) -> SemanticModelRow | None:
        return session.scalar(
            select(SemanticModelRow).where(
                SemanticModelRow.domain_id == domain.id,
                (SemanticModelRow.slug == slugify(ref)) | (SemanticModelRow.id == native_ref(ref, "sm")),
            )
        )

    def _load(self, session: Session, actor: Principal, domain: str, model: str) -> tuple[SemanticModelRow, DomainRow]:
        domain_row = find_domain_row(session, domain)
        row = self._find(session, domain_row, model) if domain_row else None
        if row is None or domain_row is None or not self._readable(session, actor, row, domain_row):
            raise not_found("semantic model", f"{domain}/{model}")
        return row, domain_row

    def _readable(self, session: Session, actor: Principal, row: SemanticModelRow, domain: DomainRow) -> bool:
        """Domain members read every model of the domain; others need read access to every source it uses."""
        if self._authz.can(actor, Action.ITEM_READ, model_resource(row, domain), session):
            return True
        if actor.disabled or not row.sources:
            return False
        spec = SemanticModelSpec.model_validate(row.spec)
        for logical in spec.tables:
            try:
                self._source(actor, domain.slug, logical.source.product, logical.source.table)
            except (NotFound, Forbidden):
                return False
        return True

    def _view(self, row: SemanticModelRow, domain: DomainRow) -> SemanticModel:
        spec = row.spec
        return SemanticModel(
            id=row.id,
            qualified_name=f"{domain.slug}/{row.slug}",
            name=row.name,
            slug=row.slug,
            domain=domain.slug,
            description=str(spec.get("description", "")),
            product=row.product,
            version=row.version,
            document=spec,
            tables=[t["name"] for t in spec.get("tables", [])],
            measures=[m["name"] for m in spec.get("measures", []) if not m.get("hidden")],
            sources=list(row.sources),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            etag=_etag(row),
        )

    def _journal(
        self,
        session: Session,
        actor: Principal,
        row: SemanticModelRow,
        domain: DomainRow,
        action: str,
        payload: dict[str, Any],
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="semantic_model",
            resource_id=row.id,
            resource_name=f"{domain.slug}/{row.slug}",
            domain=domain.slug,
            payload=payload,
        )


def count_models(session: Session, domain_id: str) -> tuple[str, int]:
    n = session.scalar(
        select(func.count()).select_from(SemanticModelRow).where(SemanticModelRow.domain_id == domain_id)
    )
    return "semantic models", int(n or 0)


def purge_models(session: Session, domain_id: str) -> None:
    session.execute(delete(SemanticModelRow).where(SemanticModelRow.domain_id == domain_id))


def _etag(row: SemanticModelRow) -> str:
    return f'"{row.id}.{row.revision}"'


def check_measures(schema: ModelSchema, spec: SemanticModelSpec) -> None:
    """Compile every measure once (unknown names, loops, unsupported functions), reporting each by index."""
    errors: list[ErrorItem] = []
    for index, measure in enumerate(spec.measures):
        try:
            structured = SemanticQuery(measures=[measure.name])
            Compiler(schema).query(structured_query(structured)).sql  # noqa: B018 - compiling is the check
        except InvalidInput as exc:
            errors.extend(ErrorItem(("measures", index, "expression"), e.message, e.extra) for e in exc.errors)
    if errors:
        raise InvalidInput(f"The semantic model {spec.name!r} has measures that do not compile", errors=errors)
