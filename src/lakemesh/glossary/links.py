"""Links of terms to products, tables and columns: who may link, what a reader sees, what search indexes.

A link is written by the target's owning domain (Contributors and up) or by platform admins. A target the
caller may read but not write is a 403; one the caller may not even see is a 404, as for the object itself.
Suggestions (columns whose names match a term or a synonym, or classified as the term's `classifications`:
see classified.py) wait for review: linking the same target
accepts one, unlinking rejects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, role_allows
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.domains.service import find_domain_row
from lakemesh.glossary.classified import add_suggestion, classified_columns, current_classifications
from lakemesh.glossary.models import LinkKind, LinkStatus, TermBrief, TermDetail, TermLink, TermStatus
from lakemesh.glossary.service import GlossaryService, reindex
from lakemesh.glossary.service import _require as require_term
from lakemesh.lakehouses.store import find_lakehouse, find_table
from lakemesh.lakehouses.tables import TableService
from lakemesh.products.service import ProductService

MAX_LINKS_SHOWN = 500


@dataclass(frozen=True)
class Target:
    kind: LinkKind
    target_id: str
    table_id: str | None
    column: str
    domain_id: str
    domain: str
    qualified_name: str


def normalized(name: str) -> str:
    """`Lifetime value`, `lifetime_value` and `LifetimeValue` compare equal."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return "_".join(w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w)


class GlossaryLinks:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        terms: GlossaryService,
        tables: TableService,
        products: ProductService,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._terms = terms
        self._tables = tables
        self._products = products

    # -- use cases -------------------------------------------------------------------------------
    def link(self, actor: Principal, name: str, target: str) -> TermLink:
        """Attach the term to `domain/product`, `domain.lakehouse.table` or `domain.lakehouse.table.column`."""
        found = self._resolve(actor, target)
        with self._catalog.transaction() as session:
            term = require_term(session, name)
            if term.status == TermStatus.DEPRECATED.value:
                raise invalid("term", f"{term.name!r} is deprecated; link its replacement instead")
            row = self._existing(session, term.id, found)
            if row is None:
                row = GlossaryLinkRow(
                    id=new_id("tlk"),
                    term_id=term.id,
                    target_kind=found.kind.value,
                    target_id=found.target_id,
                    table_id=found.table_id,
                    column_name=found.column,
                    domain_id=found.domain_id,
                    qualified_name=found.qualified_name,
                    created_at=self._clock.now(),
                )
                session.add(row)
            elif row.status == LinkStatus.LINKED.value:
                return _link_view(term.name, row, found.domain)
            row.status, row.created_by = LinkStatus.LINKED.value, actor.name
            session.flush()
            self._journal(session, actor, "glossary.term.linked", term, found)
            return _link_view(term.name, row, found.domain)

    def unlink(self, actor: Principal, name: str, target: str) -> None:
        """Remove the link (or reject the suggestion); 404 when there is none."""
        found = self._resolve(actor, target)
        with self._catalog.transaction() as session:
            term = require_term(session, name)
            row = self._existing(session, term.id, found)
            if row is None:
                raise NotFound(f"{term.name!r} is not linked to {found.qualified_name}")
            session.execute(delete(GlossaryLinkRow).where(GlossaryLinkRow.id == row.id))
            self._journal(session, actor, "glossary.term.unlinked", term, found)

    def suggest(self, actor: Principal, name: str) -> list[TermLink]:
        """Suggest links to every column, in tables the caller may write, named like the term or a synonym, or
        classified as one of the classifications the term covers (a pending or accepted finding)."""
        with self._catalog.read() as session:
            term = require_term(session, name)
            wanted = {normalized(n) for n in [term.name, *(term.synonyms or [])]}
            term_id, term_name = term.id, term.name
            classified = classified_columns(session, current_classifications(session, [term]).get(term.id, []))
        suggested: list[TermLink] = []
        for handle in self._tables.every_handle():
            matching = [str(c["name"]) for c in handle.table.columns or [] if normalized(str(c["name"])) in wanted]
            if not matching or not self._may_link(actor, handle.domain.id):
                continue
            with self._catalog.transaction() as session:
                for column in matching:
                    found = Target(
                        LinkKind.COLUMN,
                        handle.table.id,
                        handle.table.id,
                        column,
                        handle.domain.id,
                        handle.domain.slug,
                        f"{handle.qualified_name}.{column}",
                    )
                    if self._existing(session, term_id, found) is not None:
                        continue
                    row = GlossaryLinkRow(
                        id=new_id("tlk"),
                        term_id=term_id,
                        target_kind=found.kind.value,
                        target_id=found.target_id,
                        table_id=found.table_id,
                        column_name=column,
                        domain_id=found.domain_id,
                        qualified_name=found.qualified_name,
                        status=LinkStatus.SUGGESTED.value,
                        created_by=actor.name,
                        created_at=self._clock.now(),
                    )
                    session.add(row)
                    suggested.append(_link_view(term_name, row, found.domain))
        for found_column in classified:
            if not self._may_link(actor, found_column.domain_id):
                continue
            with self._catalog.transaction() as session:
                added = add_suggestion(session, term_id, found_column, by=actor.name, at=self._clock.now())
                if added is not None:
                    suggested.append(_link_view(term_name, added, found_column.table_name.split(".", 1)[0]))
        return suggested

    def detail(self, actor: Principal, name: str) -> TermDetail:
        """The term's page: its sub-terms and every link the reader may see, across domains."""
        term = self._terms.get_term(actor, name)
        with self._catalog.read() as session:
            children = session.scalars(
                select(GlossaryTermRow.name).where(GlossaryTermRow.parent_id == term.id).order_by(GlossaryTermRow.key)
            ).all()
            rows = session.scalars(
                select(GlossaryLinkRow)
                .where(GlossaryLinkRow.term_id == term.id)
                .order_by(GlossaryLinkRow.qualified_name)
                .limit(MAX_LINKS_SHOWN)
            ).all()
            roles = {d: self._may_see_domain(actor, d, session) for d in {r.domain_id for r in rows}}
            slugs = {d: _slug(session, d) for d in roles}
            tables = {
                r.table_id: self._sees_table(session, actor, r)
                for r in rows
                if r.table_id is not None and not roles[r.domain_id]
            }
        linked = [
            _link_view(term.name, r, slugs[r.domain_id])
            for r in rows
            if roles[r.domain_id]
            or (r.table_id is not None and tables.get(r.table_id))
            or (r.target_kind == LinkKind.PRODUCT.value and self._sees_product(actor, r))
        ]
        return TermDetail(**term.model_dump(), children=list(children), linked=linked)

    def table_terms(self, actor: Principal, domain: str, lakehouse: str, table: str) -> dict[str, list[TermBrief]]:
        """The terms of a table (key "") and of each of its columns, for whoever may see the table."""
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
            return _briefs(session, GlossaryLinkRow.table_id == handle.table.id)

    def product_terms(self, actor: Principal, domain: str, product: str) -> dict[str, list[TermBrief]]:
        """The terms of a product (key ""), and of its table's columns, for whoever may see the product."""
        seen = self._products.get(actor, domain, product)
        with self._catalog.read() as session:
            table_id = _table_id(session, seen.table)
            where = GlossaryLinkRow.target_id == seen.id
            return _briefs(session, or_(where, GlossaryLinkRow.table_id == table_id) if table_id else where)

    # -- internals -------------------------------------------------------------------------------
    def _resolve(self, actor: Principal, target: str) -> Target:
        """The target, if the caller may link terms to it (see the module docstring for 403 vs 404)."""
        if "/" in target:
            domain, _, product = target.partition("/")
            seen = self._products.get(actor, domain, product)  # 404 when hidden
            with self._catalog.read() as session:
                row = find_domain_row(session, seen.domain)
                if row is None:
                    raise NotFound(f"Domain {seen.domain!r} not found")
                domain_id = row.id
            if not self._may_link(actor, domain_id):
                raise Forbidden(f"Only {seen.domain}'s Contributors and up link terms to {seen.qualified_name}")
            return Target(LinkKind.PRODUCT, seen.id, None, "", domain_id, seen.domain, seen.qualified_name)
        parts = target.split(".", 3)
        if len(parts) not in (3, 4) or not all(parts):
            raise invalid(
                "target", f"{target!r} is not domain/product, domain.lakehouse.table or domain.lakehouse.table.column"
            )
        domain, lakehouse, table = parts[:3]
        with self._catalog.read() as session:
            try:
                handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_WRITE)
            except NotFound:  # 404 below when hidden from the caller too
                handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)
                raise Forbidden(
                    f"Only {handle.domain.slug}'s Contributors and up link terms to {handle.qualified_name}"
                ) from None
        if len(parts) == 3:
            return Target(
                LinkKind.TABLE,
                handle.table.id,
                handle.table.id,
                "",
                handle.domain.id,
                handle.domain.slug,
                handle.qualified_name,
            )
        column = next((str(c["name"]) for c in handle.table.columns or [] if str(c["name"]) == parts[3]), None)
        if column is None:
            raise NotFound(f"Table {handle.qualified_name} has no column {parts[3]!r}")
        return Target(
            LinkKind.COLUMN,
            handle.table.id,
            handle.table.id,
            column,
            handle.domain.id,
            handle.domain.slug,
            f"{handle.qualified_name}.{column}",
        )

    def _may_link(self, actor: Principal, domain_id: str) -> bool:
        return (actor.is_platform_admin and not actor.disabled) or role_allows(
            self._authz.role_in(actor, domain_id), Action.ITEM_WRITE
        )

    def _may_see_domain(self, actor: Principal, domain_id: str, session: Session) -> bool:
        return actor.is_platform_admin or self._authz.role_in(actor, domain_id, session) is not None

    def _sees_table(self, session: Session, actor: Principal, row: GlossaryLinkRow) -> bool:
        """Whether `actor` may read the linked table (a grant counts), as the table's own page decides."""
        domain, lakehouse, table = row.qualified_name.split(".", 3)[:3]
        try:
            self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)
        except (NotFound, Forbidden):
            return False
        return True

    def _sees_product(self, actor: Principal, row: GlossaryLinkRow) -> bool:
        domain, _, product = row.qualified_name.partition("/")
        try:
            self._products.get(actor, domain, product)
        except NotFound:
            return False
        return True

    def _existing(self, session: Session, term_id: str, found: Target) -> GlossaryLinkRow | None:
        return session.scalar(
            select(GlossaryLinkRow).where(
                GlossaryLinkRow.term_id == term_id,
                GlossaryLinkRow.target_kind == found.kind.value,
                GlossaryLinkRow.target_id == found.target_id,
                GlossaryLinkRow.column_name == found.column,
            )
        )

    def _journal(self, session: Session, actor: Principal, action: str, term: GlossaryTermRow, found: Target) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="glossary_term",
            resource_id=term.id,
            resource_name=term.name,
            domain=found.domain,
            payload={"target": found.qualified_name, "kind": found.kind.value},
        )
        reindex(session, self._clock, actor, product=found.kind is LinkKind.PRODUCT, object_id=found.target_id)


def terms_for_search(
    session: Session, product_id: str | None, table_id: str | None
) -> list[tuple[str, str, list[str]]]:
    """(column or "", term name, synonyms) of the linked terms of a product (and its table) or of a table: what
    discovery adds to their search documents. Suggestions are left out until someone accepts them."""
    conditions: list[ColumnElement[bool]] = []
    if product_id is not None:
        conditions.append(
            (GlossaryLinkRow.target_kind == LinkKind.PRODUCT.value) & (GlossaryLinkRow.target_id == product_id)
        )
    if table_id is not None:
        conditions.append(GlossaryLinkRow.table_id == table_id)
    if not conditions:
        return []
    found = session.execute(
        select(GlossaryLinkRow.column_name, GlossaryTermRow.name, GlossaryTermRow.synonyms)
        .join(GlossaryTermRow, GlossaryTermRow.id == GlossaryLinkRow.term_id)
        .where(or_(*conditions), GlossaryLinkRow.status == LinkStatus.LINKED.value)
    ).all()
    return [(column, name, list(synonyms or [])) for column, name, synonyms in found]


def _briefs(session: Session, where: object) -> dict[str, list[TermBrief]]:
    found = session.execute(
        select(GlossaryLinkRow.column_name, GlossaryTermRow.name, GlossaryTermRow.definition, GlossaryTermRow.status)
        .join(GlossaryTermRow, GlossaryTermRow.id == GlossaryLinkRow.term_id)
        .where(where, GlossaryLinkRow.status == LinkStatus.LINKED.value)  # type: ignore[arg-type]
        .order_by(GlossaryTermRow.key)
    ).all()
    briefs: dict[str, list[TermBrief]] = {}
    for column, name, definition, status in found:
        briefs.setdefault(column, []).append(TermBrief(name=name, definition=definition, status=TermStatus(status)))
    return briefs


def _table_id(session: Session, qualified: str) -> str | None:
    parts = qualified.split(".", 2)
    if len(parts) != 3:
        return None
    domain = find_domain_row(session, parts[0])
    lakehouse = find_lakehouse(session, domain.id, parts[1]) if domain else None
    table = find_table(session, lakehouse.id, parts[2]) if lakehouse else None
    return table.id if table else None


def _slug(session: Session, domain_id: str) -> str:
    row = find_domain_row(session, domain_id)
    return row.slug if row is not None else domain_id


def _link_view(term: str, row: GlossaryLinkRow, domain: str) -> TermLink:
    return TermLink(
        term=term,
        kind=LinkKind(row.target_kind),
        target=row.qualified_name,
        domain=domain,
        column=row.column_name or None,
        status=LinkStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def column_terms(session: Session) -> dict[str, dict[str, tuple[str, ...]]]:
    """Table id -> column -> linked term names, for policy rules (`columns linked to term 'Personal data'`)."""
    found = session.execute(
        select(GlossaryLinkRow.table_id, GlossaryLinkRow.column_name, GlossaryTermRow.name)
        .join(GlossaryTermRow, GlossaryTermRow.id == GlossaryLinkRow.term_id)
        .where(GlossaryLinkRow.target_kind == LinkKind.COLUMN.value, GlossaryLinkRow.status == LinkStatus.LINKED.value)
    ).all()
    terms: dict[str, dict[str, tuple[str, ...]]] = {}
    for table_id, column, name in found:
        columns = terms.setdefault(str(table_id), {})
        columns[column] = (*columns.get(column, ()), name)
    return terms
