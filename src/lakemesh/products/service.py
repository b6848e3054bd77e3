"""Data product use cases: register, validate against the table, version, publish, deprecate, retire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.products import ProductRow, ProductVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, InvalidInput, NotFound, PreconditionFailed, not_found
from lakemesh.core.ids import new_id
from lakemesh.core.names import slugify
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import DomainService, domain_by_id, find_domain_row, require_domain_row
from lakemesh.lakehouses.store import find_lakehouse, find_table
from lakemesh.lakehouses.tables import TableHandle, TableService
from lakemesh.products.compat import diff_contracts
from lakemesh.products.contract import ContractSpec, check_table_schema, to_arrow_schema
from lakemesh.products.impact import AgreementSource, ImpactReport, ImpactSource
from lakemesh.products.lifecycle import move
from lakemesh.products.mapping import VERSIONED_FIELDS, apply_spec, product_view, summary, version_row, versioned_part
from lakemesh.products.models import ProductPatch, ProductSpec
from lakemesh.products.reads import product_resource
from lakemesh.products.status import VISIBLE_TO_ALL, ProductStatus
from lakemesh.products.store import find_product
from lakemesh.products.versioning import (
    rule_errors,
    table_from,
    version_after,
)
from lakemesh.products.views import ChangeView, DataProduct, DeprecateRequest, ProductVersion, VersionDiff
from lakemesh.products.write_rules import on_write_errors

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

FIRST_VERSION = "1.0.0"
# (event: create | update | publish, the product as it will be, its document) -> warnings; raise to refuse.
LifecycleCheck = Callable[[str, DataProduct, ProductSpec], list[str]]
# What other capabilities keep about a product (glossary links) goes with it, in the delete's transaction.
Removal = Callable[[Session, str], None]


class ProductService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        domains: DomainService,
        tables: TableService,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._domains = domains
        self._tables = tables
        self._checks: list[LifecycleCheck] = []
        self._removals: list[Removal] = []
        self.impact = ImpactReport()

    def register_lifecycle_check(self, check: LifecycleCheck) -> None:
        """Governance checks products on create, update and publish: raise to refuse, return warnings."""
        self._checks.append(check)

    def register_removal(self, removal: Removal) -> None:
        self._removals.append(removal)

    def register_impact_source(self, source: ImpactSource) -> None:
        """Lineage tells a breaking change (409) and a version diff what downstream would break."""
        self.impact.register(source)

    def register_agreement_source(self, source: AgreementSource) -> None:
        """Access tells a breaking change (409) which usage agreements in force it touches."""
        self.impact.register_agreements(source)

    def _run_checks(self, event: str, product: DataProduct, spec: ProductSpec) -> DataProduct:
        warnings = [w for check in self._checks for w in check(event, product, spec)]
        return product.model_copy(update={"warnings": warnings}) if warnings else product

    # -- create and read -------------------------------------------------------------------------
    def create(self, actor: Principal, spec: ProductSpec) -> DataProduct:
        with self._catalog.read() as session:
            domain = self._domains.resolve(session, actor, spec.domain, Action.ITEM_WRITE)
            if find_product(session, domain.id, spec.name) is not None:
                raise Conflict(f"Domain {domain.name!r} already has a product named {spec.name!r}")
            handle, errors = self._check(session, actor, domain, spec)
        if errors:
            raise InvalidInput(f"The data product {spec.name!r} is not valid", errors=errors)
        created = None
        if handle is None:  # create_table: an empty table from the contract
            created = self._tables.create(actor, domain.slug, spec.storage.lakehouse, table_from(spec))
        try:
            return self._insert(actor, spec)
        except BaseException as exc:
            # The name is checked again (and held by a unique key) only when the product row is written: a create
            # that loses a race for it, or is refused by a lifecycle check, removes the table it made.
            if created is not None:
                self._tables.discard_created(actor, created.id)
            if isinstance(exc, IntegrityError):  # another create of this name committed between check and insert
                raise Conflict(f"Domain {domain.name!r} already has a product named {spec.name!r}") from exc
            raise

    def _insert(self, actor: Principal, spec: ProductSpec) -> DataProduct:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain = self._domains.resolve(session, actor, spec.domain, Action.ITEM_WRITE)
            if find_product(session, domain.id, spec.name) is not None:
                raise Conflict(f"Domain {domain.name!r} already has a product named {spec.name!r}")
            table = self._binding(session, domain, spec)
            version = spec.version or FIRST_VERSION
            row = ProductRow(
                id=new_id("dp"),
                domain_id=domain.id,
                name=spec.name,
                slug=slugify(spec.name),
                status=ProductStatus.DRAFT,
                version=version,
                table_id=table.table.id if table else None,
                created_by=actor.name,
                created_at=now,
                updated_at=now,
                revision=1,
            )
            apply_spec(row, spec)
            session.add(row)
            session.add(version_row(row, [], actor, now))
            session.flush()
            product = self._run_checks("create", product_view(row, domain), spec)
            self._journal(session, actor, row, domain, "product.created", after=summary(product))
            return product

    def list_products(
        self,
        actor: Principal,
        *,
        domain: str | None = None,
        status: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[DataProduct]:
        """Published and deprecated products are visible to everyone; drafts to their domain's members."""
        check_limit(limit)
        after = decode_cursor(cursor)
        with self._catalog.read() as session:
            query = select(ProductRow)
            if domain is not None:
                row = require_domain_row(session, domain)
                query = query.where(ProductRow.domain_id == row.id)
            if status is not None:
                query = query.where(ProductRow.status == status)
            if after is not None:
                query = query.where(ProductRow.id > str(after))
            items: list[DataProduct] = []
            for product in session.scalars(query.order_by(ProductRow.id)):
                owner_domain = domain_by_id(session, product.domain_id)  # the session keeps each domain once
                if owner_domain is None:
                    continue  # its domain is going (the join skipped it too)
                # Published products need no role lookup; only drafts and retired ones ask the authorizer.
                if product.status in VISIBLE_TO_ALL or self._authz.can(
                    actor, Action.ITEM_READ, product_resource(product, owner_domain), session
                ):
                    items.append(product_view(product, owner_domain))
                if len(items) > limit:
                    break
        more = len(items) > limit
        return Page(items=items[:limit], next_cursor=encode_cursor(items[limit - 1].id) if more else None)

    def get(self, actor: Principal, domain: str, product: str) -> DataProduct:
        with self._catalog.read() as session:
            row, domain_row = self._load(session, actor, domain, product, Action.ITEM_READ)
            return product_view(row, domain_row)

    def table_schema(self, actor: Principal, domain: str, lakehouse: str, table: str) -> pa.Schema | None:
        """The columns of a table a product could bind to (one who may create products in the domain asks)."""
        with self._catalog.read() as session:
            domain_row = self._domains.resolve(session, actor, domain, Action.ITEM_WRITE)
            found = find_lakehouse(session, domain_row.id, lakehouse)
            row = find_table(session, found.id, table) if found else None
            return self._schema(self._tables.handle(domain_row, found, row)) if found and row else None

    def spec(self, actor: Principal, domain: str, product: str) -> ProductSpec:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain, product, Action.ITEM_READ)
            return ProductSpec.model_validate(row.spec)

    # -- change ----------------------------------------------------------------------------------
    def update(
        self,
        actor: Principal,
        domain: str,
        product: str,
        patch: ProductPatch,
        *,
        version: str | None = None,
        if_match: str | None = None,
    ) -> DataProduct:
        """Contract, storage or rule changes make a new version; a breaking one on a published product
        needs `version` with a major bump (409 otherwise)."""
        changes = patch.model_dump(exclude_unset=True, by_alias=True)
        with self._catalog.read() as session:
            row, domain_row = self._load(session, actor, domain, product, Action.ITEM_WRITE)
            current = ProductSpec.model_validate(row.spec)
            merged = ProductSpec.model_validate({**current.model_dump(by_alias=True), **changes})
            _, errors = self._check(session, actor, domain_row, merged, must_exist=True)
        if errors:
            raise InvalidInput(f"The data product {merged.name!r} is not valid", errors=errors)
        with self._catalog.transaction() as session:
            row, domain_row = self._load(session, actor, domain, product, Action.ITEM_WRITE)
            before = product_view(row, domain_row)
            if if_match is not None and if_match.strip() not in {before.etag, "*"}:
                raise PreconditionFailed("The product changed since you read it; read it again and retry")
            if merged.name != row.name and find_product(session, domain_row.id, merged.name) is not None:
                raise Conflict(f"Domain {domain_row.name!r} already has a product named {merged.name!r}")
            diff = diff_contracts(ContractSpec.model_validate(row.spec["contract"]), merged.contract)
            versioned = any(k in changes for k in VERSIONED_FIELDS) and (
                diff or versioned_part(merged) != versioned_part(ProductSpec.model_validate(row.spec))
            )
            if versioned:
                row.version = version_after(
                    row, diff, version, lambda breaking: self.impact.breaking(actor, row, domain_row, breaking)
                )
                session.add(version_row(row, diff, actor, self._clock.now(), spec=merged))
            table = self._binding(session, domain_row, merged)
            row.table_id = table.table.id if table else row.table_id
            row.name, row.slug = merged.name, slugify(merged.name)
            apply_spec(row, merged)
            row.revision += 1
            row.updated_at = self._clock.now()
            after = self._run_checks("update", product_view(row, domain_row), merged)
            self._journal(
                session,
                actor,
                row,
                domain_row,
                "product.updated",
                before=summary(before),
                after=summary(after),
                payload={
                    "version": row.version,
                    "previous_version": before.version,
                    "changes": [c.__dict__ for c in diff],
                },
            )
            return after

    def set_contract(
        self, actor: Principal, domain: str, product: str, contract: ContractSpec, *, version: str | None = None
    ) -> DataProduct:
        patch = ProductPatch.model_validate({"contract": contract.model_dump(by_alias=True, exclude_none=True)})
        return self.update(actor, domain, product, patch, version=version)

    def publish(self, actor: Principal, domain: str, product: str) -> DataProduct:
        return self._transition(actor, domain, product, ProductStatus.PUBLISHED, Action.PRODUCT_PUBLISH)

    def deprecate(self, actor: Principal, domain: str, product: str, request: DeprecateRequest) -> DataProduct:
        if request.sunset_date < self._clock.now().date():
            raise InvalidInput("sunset_date: must not be in the past", errors=[ErrorItem(("sunset_date",), "past")])
        return self._transition(
            actor,
            domain,
            product,
            ProductStatus.DEPRECATED,
            Action.PRODUCT_PUBLISH,
            sunset=request.sunset_date,
            payload=request.model_dump(mode="json"),
        )

    def retire(self, actor: Principal, domain: str, product: str) -> DataProduct:
        return self._transition(actor, domain, product, ProductStatus.RETIRED, Action.PRODUCT_PUBLISH)

    def delete(self, actor: Principal, domain: str, product: str) -> None:
        with self._catalog.transaction() as session:
            row, domain_row = self._load(session, actor, domain, product, Action.ITEM_DELETE)
            if row.status in VISIBLE_TO_ALL:
                raise Conflict(f"Product {row.name!r} is {row.status}; deprecate and retire it before deleting")
            self._journal(
                session, actor, row, domain_row, "product.deleted", before=summary(product_view(row, domain_row))
            )
            for removal in self._removals:
                removal(session, row.id)
            session.delete(row)

    # -- versions --------------------------------------------------------------------------------
    def versions(self, actor: Principal, domain: str, product: str) -> list[ProductVersion]:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain, product, Action.ITEM_READ)
            rows = session.scalars(
                select(ProductVersionRow)
                .where(ProductVersionRow.product_id == row.id)
                .order_by(ProductVersionRow.created_at.desc(), ProductVersionRow.id.desc())
            )
            return [
                ProductVersion(version=v.version, created_at=v.created_at, created_by=v.created_by, changes=v.changes)
                for v in rows
            ]

    def diff(self, actor: Principal, domain: str, product: str, old: str, new: str) -> VersionDiff:
        with self._catalog.read() as session:
            row, domain_row = self._load(session, actor, domain, product, Action.ITEM_READ)
            specs = {
                v.version: v.spec
                for v in session.scalars(select(ProductVersionRow).where(ProductVersionRow.product_id == row.id))
            }
        missing = [v for v in (old, new) if v not in specs]
        if missing:
            raise NotFound(f"Product {row.name!r} has no version {missing[0]!r}")
        changes = diff_contracts(
            ContractSpec.model_validate(specs[old]["contract"]), ContractSpec.model_validate(specs[new]["contract"])
        )
        views = [
            ChangeView(**c.__dict__, impacted=self.impact.impacted(actor, row, domain_row, c) if c.breaking else [])
            for c in changes
        ]
        return VersionDiff(
            product=f"{domain_row.slug}/{row.slug}",
            from_version=old,
            to_version=new,
            breaking=any(c.breaking for c in changes),
            changes=views,
            impacted=list({i["node"]: i for v in views for i in v.impacted}.values()),
        )

    # -- internals -------------------------------------------------------------------------------
    def _load(
        self, session: Session, actor: Principal, domain: str, product: str, action: Action
    ) -> tuple[ProductRow, DomainRow]:
        domain_row = find_domain_row(session, domain)
        row = find_product(session, domain_row.id, product) if domain_row else None
        asked = f"{domain}/{product}"
        if row is None or domain_row is None:
            raise not_found("product", asked)
        if action is Action.ITEM_READ and row.status in VISIBLE_TO_ALL and not actor.disabled:
            return row, domain_row  # published products are the mesh's shared catalog
        self._authz.authorize(actor, action, product_resource(row, domain_row), session, asked=asked)
        return row, domain_row

    def _check(
        self, session: Session, actor: Principal, domain: DomainRow, spec: ProductSpec, *, must_exist: bool = False
    ) -> tuple[TableHandle | None, list[ErrorItem]]:
        """Every problem with the document, as one list: owner, storage binding, schema match, rules."""
        errors: list[ErrorItem] = []
        if find_principal_row(session, spec.owner) is None:
            errors.append(
                ErrorItem(
                    ("owner",),
                    f"{spec.owner!r} is not a principal of this platform; a platform admin adds it with "
                    f"`lakemesh principal create {spec.owner}` (or POST /api/v1/principals), then try again",
                )
            )
        lakehouse = find_lakehouse(session, domain.id, spec.storage.lakehouse)
        handle: TableHandle | None = None
        schema: pa.Schema | None = None
        if lakehouse is None:
            errors.append(
                ErrorItem(
                    ("storage", "lakehouse"), f"no lakehouse {spec.storage.lakehouse!r} in domain {domain.name!r}"
                )
            )
        else:
            table = find_table(session, lakehouse.id, spec.storage.table)
            if table is not None:
                handle = self._tables.handle(domain, lakehouse, table)
                schema = self._schema(handle)
                errors.extend(check_table_schema(spec.contract, schema))
            elif spec.create_table and not must_exist:
                schema = to_arrow_schema(spec.contract)
            else:
                errors.append(
                    ErrorItem(
                        ("storage", "table"),
                        f"no table {spec.storage.table!r} in {lakehouse.name!r} (set create_table to create it)",
                    )
                )
        errors.extend(rule_errors(spec, schema))
        errors.extend(on_write_errors([r.model_dump() if not isinstance(r, str) else r for r in spec.quality_rules]))
        return handle, errors

    def _schema(self, handle: TableHandle) -> pa.Schema:
        if self._tables.delta.exists(handle.uri):
            return self._tables.delta.snapshot(handle.uri).schema
        return pa.schema([])

    def _binding(self, session: Session, domain: DomainRow, spec: ProductSpec) -> TableHandle | None:
        lakehouse = find_lakehouse(session, domain.id, spec.storage.lakehouse)
        table = find_table(session, lakehouse.id, spec.storage.table) if lakehouse else None
        return self._tables.handle(domain, lakehouse, table) if lakehouse and table else None

    def _transition(
        self,
        actor: Principal,
        domain: str,
        product: str,
        status: ProductStatus,
        action: Action,
        *,
        sunset: date | None = None,
        payload: dict[str, Any] | None = None,
    ) -> DataProduct:
        with self._catalog.transaction() as session:
            row, domain_row = self._load(session, actor, domain, product, action)
            before = move(row, status, self._clock.now(), sunset=sunset)
            view = product_view(row, domain_row)
            if status is ProductStatus.PUBLISHED:
                view = self._run_checks("publish", view, ProductSpec.model_validate(row.spec))
            self._journal(
                session,
                actor,
                row,
                domain_row,
                f"product.{status}",
                before={"status": before},
                after={"status": status, "version": row.version},
                payload={"product": view.qualified_name, "version": row.version, "owner": row.owner, **(payload or {})},
            )
            return view

    def _journal(
        self,
        session: Session,
        actor: Principal,
        row: ProductRow,
        domain: DomainRow,
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
            resource_type="product",
            resource_id=row.id,
            resource_name=f"{domain.slug}/{row.slug}",
            domain=domain.slug,
            before=before,
            after=after,
            payload=payload,
        )
