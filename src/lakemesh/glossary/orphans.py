"""What deleted domains, tables and products leave in the glossary. Domain deletion treats terms like its other
objects (products, lakehouses, pipelines, semantic models): they hold the domain back (409) unless the delete is
forced, and a forced delete removes them with their versions and links, in the same transaction. Links from any
term (GLOBAL or another domain's) to the domain's columns, tables and products go too: their targets are gone; so
do the links to a table or a product deleted on its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow, GlossaryTermVersionRow
from lakemesh.core.clock import Clock
from lakemesh.domains.service import find_domain_row
from lakemesh.glossary.models import LinkKind


def count_terms(session: Session, domain_id: str) -> tuple[str, int]:
    n = session.scalar(select(func.count()).select_from(GlossaryTermRow).where(GlossaryTermRow.domain_id == domain_id))
    return "glossary terms", int(n or 0)


class DomainPurge:
    """The purge registered with domains; it journals each removed term (the domain's delete, in the same
    transaction, names who deleted it) and asks search to re-index the other domains' data the terms were on."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __call__(self, session: Session, domain_id: str) -> None:
        now = self._clock.now()
        terms = session.execute(
            select(GlossaryTermRow.id, GlossaryTermRow.name, GlossaryTermRow.version).where(
                GlossaryTermRow.domain_id == domain_id
            )
        ).all()
        ids = [t.id for t in terms]
        domain = find_domain_row(session, domain_id)
        owned = GlossaryLinkRow.term_id.in_(ids)
        # the deleted terms' links onto data that stays (another domain's): its search documents lose the terms
        staying = session.execute(
            select(GlossaryLinkRow.target_kind, GlossaryLinkRow.table_id, GlossaryLinkRow.target_id)
            .where(owned, GlossaryLinkRow.domain_id != domain_id)
            .distinct()
        ).all()
        for kind, table_id, target_id in staying:
            _reindex(session, now, product=kind == "product", object_id=table_id or target_id)
        session.execute(delete(GlossaryLinkRow).where(or_(owned, GlossaryLinkRow.domain_id == domain_id)))
        # another domain's (or a GLOBAL) term filed under a deleted category moves to the top level
        session.execute(
            update(GlossaryTermRow)
            .where(GlossaryTermRow.parent_id.in_(ids), GlossaryTermRow.domain_id.is_distinct_from(domain_id))
            .values(parent_id=None)
        )
        session.execute(delete(GlossaryTermVersionRow).where(GlossaryTermVersionRow.term_id.in_(ids)))
        session.execute(delete(GlossaryTermRow).where(GlossaryTermRow.id.in_(ids)))
        for term in terms:
            record(
                session,
                at=now,
                actor=None,
                action="glossary.term.deleted",
                resource_type="glossary_term",
                resource_id=term.id,
                resource_name=term.name,
                domain=domain.slug if domain is not None else None,
                payload={"why": "its domain was deleted", "domain_id": domain_id, "version": term.version},
            )
        session.flush()


def _reindex(session: Session, at: datetime, *, product: bool, object_id: str) -> None:
    record(
        session,
        at=at,
        actor=None,
        action="glossary.links.changed",
        resource_type="product" if product else "table",
        resource_id=object_id,
        payload={"reindex_products": True},
    )


def drop_table_links(session: Session, table_id: str) -> None:
    """A deleted table's links (to it and to its columns) go with it: a term lists only data that exists."""
    session.execute(delete(GlossaryLinkRow).where(GlossaryLinkRow.table_id == table_id))


def drop_product_links(session: Session, product_id: str) -> None:
    session.execute(
        delete(GlossaryLinkRow).where(
            GlossaryLinkRow.target_kind == LinkKind.PRODUCT.value, GlossaryLinkRow.target_id == product_id
        )
    )
