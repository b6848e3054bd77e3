"""API mapping: catalog rows to the API's DataProduct and back, version rows, and the journal's summary of a product."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.catalog.tables.products import ProductRow, ProductVersionRow
from lakemesh.core.ids import new_id
from lakemesh.products.compat import Change
from lakemesh.products.models import ProductSpec
from lakemesh.products.views import DataProduct

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

VERSIONED_FIELDS = ("contract", "storage", "quality_rules")


def product_view(row: ProductRow, domain: DomainRow) -> DataProduct:
    spec = row.spec
    storage = spec["storage"]
    return DataProduct(
        id=row.id,
        qualified_name=f"{domain.slug}/{row.slug}",
        name=row.name,
        slug=row.slug,
        domain=domain.slug,
        owner=row.owner,
        description=row.description,
        contract=spec["contract"],
        storage=storage,
        quality_rules=spec.get("quality_rules", []),
        tags=list(row.tags),
        classification=row.classification,
        documentation_url=spec.get("documentation_url"),
        data_steward=spec.get("data_steward"),
        input_ports=spec.get("input_ports", []),
        output_ports=spec.get("output_ports", []),
        properties=spec.get("properties") or {},
        usage_terms=spec.get("usage_terms") or [],
        enforcement=row.enforcement,
        status=row.status,
        version=row.version,
        table=f"{domain.slug}.{storage['lakehouse']}.{storage['table']}",
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        deprecated_at=row.deprecated_at,
        sunset_date=row.sunset_date,
        etag=f'"{row.id}.{row.revision}"',
    )


def apply_spec(row: ProductRow, spec: ProductSpec) -> None:
    row.spec = spec.model_dump(mode="json", by_alias=True, exclude={"create_table"})
    row.owner = spec.owner.strip().lower()
    row.enforcement = spec.enforcement
    row.classification = spec.classification
    row.tags = list(spec.tags)
    row.description = spec.description


def versioned_part(spec: ProductSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", by_alias=True, include=set(VERSIONED_FIELDS))


def version_row(
    row: ProductRow, diff: list[Change], actor: Principal, at: Any, *, spec: ProductSpec | None = None
) -> ProductVersionRow:
    document = spec.model_dump(mode="json", by_alias=True, exclude={"create_table"}) if spec else row.spec
    return ProductVersionRow(
        id=new_id("dpv"),
        product_id=row.id,
        version=row.version,
        spec=document,
        changes=[c.__dict__ for c in diff],
        created_by=actor.name,
        created_at=at,
    )


def summary(product: DataProduct) -> dict[str, Any]:
    return product.model_dump(mode="json", include={"name", "owner", "status", "version", "table", "tags"})
