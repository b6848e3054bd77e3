"""What lineage shows of pipelines: their nodes (registered at install; runs record their own edges)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.pipelines import PipelineRow


def pipelines_named(
    session: Session, domain_ids: Collection[str], slugs: Collection[str]
) -> list[tuple[str, str, str]]:
    """(name, slug, domain id) of the pipelines with these slugs in these domains (every combination)."""
    query = select(PipelineRow.name, PipelineRow.slug, PipelineRow.domain_id).where(
        PipelineRow.domain_id.in_(list(domain_ids)), PipelineRow.slug.in_(list(slugs))
    )
    return [(name, slug, domain_id) for name, slug, domain_id in session.execute(query)]
