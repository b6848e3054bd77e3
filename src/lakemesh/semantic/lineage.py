"""What lineage shows of semantic models: nodes, and their declared sources as edges (registered at install)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.semantic import SemanticModelRow


class ModelLineage:
    def named(
        self, session: Session, domain_ids: Collection[str], slugs: Collection[str]
    ) -> list[tuple[str, str, str]]:
        """(name, slug, domain id) of the models with these slugs in these domains (every combination)."""
        query = select(SemanticModelRow.name, SemanticModelRow.slug, SemanticModelRow.domain_id).where(
            SemanticModelRow.domain_id.in_(list(domain_ids)), SemanticModelRow.slug.in_(list(slugs))
        )
        return [(name, slug, domain_id) for name, slug, domain_id in session.execute(query)]

    def count(self, session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(SemanticModelRow)) or 0)

    def sources(self, session: Session) -> list[tuple[str, str, list[Any] | None]]:
        """(model slug, domain id, declared sources) of every model."""
        query = select(SemanticModelRow.slug, SemanticModelRow.domain_id, SemanticModelRow.sources)
        return [(slug, domain_id, sources) for slug, domain_id, sources in session.execute(query)]
