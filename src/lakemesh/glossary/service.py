"""Glossary terms: defined once by their domain (or platform-wide), reviewed, versioned, arranged in categories.

Who may do what (everything else is denied):
- anyone signed in reads terms and searches them;
- a domain's Contributors and up write its draft terms; its Admins approve, deprecate, change approved terms
  and delete; platform admins do all of it, and are the only ones who write GLOBAL terms.
- in LAKEMESH_GOVERNANCE_MODE=council, approving, changing or deleting an approved (or deprecated) GLOBAL term is
  a council proposal (kind glossary-term): the direct call answers 409; GLOBAL drafts stay direct.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, role_allows
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow, GlossaryTermVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.domains.service import domain_rows, find_domain_row
from lakemesh.glossary.checks import _check_parent, _check_related, _check_status, _clean, _find, term_key
from lakemesh.glossary.classified import current_classifications
from lakemesh.glossary.models import (
    GLOBAL,
    REVIEWED,
    LinkStatus,
    Term,
    TermSpec,
    TermStatus,
    TermVersion,
)
from lakemesh.glossary.search import TermIndex, page_rows

MAX_LIST = 1000


def search_text(name: str, synonyms: Iterable[str]) -> str:
    return "\n".join(term_key(n) for n in [name, *synonyms])


class GlossaryService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._index = TermIndex()

    # Set by the council's install in LAKEMESH_GOVERNANCE_MODE=council: reviewed GLOBAL terms change by proposal only.
    governed_by_council = False

    # -- terms -----------------------------------------------------------------------------------
    def put_term(self, actor: Principal, name: str, spec: TermSpec, *, proposal: str | None = None) -> Term:
        """Create the term or replace its document (a new version); `name` is the term's current name."""
        spec = _clean(spec)
        with self._catalog.transaction() as session:
            row = _find(session, name)
            if row is None and term_key(spec.name) != term_key(name):
                raise invalid("name", f"the body names {spec.name!r} but the path {name!r}; a new term keeps its name")
            domain_id = self._domain_id(session, spec.domain)
            self._may_write(session, actor, domain_id, spec.status, row)
            if row is not None and row.domain_id != domain_id:
                self._may_write(session, actor, row.domain_id, TermStatus(row.status), row)
            _check_status(row, spec.status)
            if term_key(spec.name) != (row.key if row else None) and _find(session, spec.name) is not None:
                raise invalid("name", f"a term named {spec.name!r} exists already")
            parent_id = _check_parent(session, row, spec.parent)
            _check_related(session, spec)
            now, created = self._clock.now(), row is None
            if row is None:
                row = GlossaryTermRow(id=new_id("term"), created_by=actor.name, created_at=now, version=0)
                session.add(row)
            before = self._document(session, row) if not created else None
            after = spec.model_dump(mode="json")
            if before == after:
                return self._view(session, row)
            reviewed = spec.status in REVIEWED or (not created and TermStatus(row.status) in REVIEWED)
            self._council_check(
                spec.name, domain_id is None or (not created and row.domain_id is None), reviewed, proposal
            )
            renamed = not created and row.key != term_key(spec.name)
            row.key, row.name, row.domain_id, row.parent_id = term_key(spec.name), spec.name, domain_id, parent_id
            row.definition, row.status = spec.definition, spec.status.value
            row.owners, row.stewards, row.synonyms, row.related = (
                spec.owners,
                spec.stewards,
                spec.synonyms,
                spec.related,
            )
            row.search_text = search_text(spec.name, spec.synonyms)
            row.version, row.updated_by, row.updated_at = row.version + 1, actor.name, now
            session.flush()
            session.add(
                GlossaryTermVersionRow(
                    term_id=row.id, version=row.version, document=after, changed_by=actor.name, changed_at=now
                )
            )
            self._journal(
                session, actor, "glossary.term.created" if created else "glossary.term.updated", row, before, after
            )
            if not created and (renamed or before is None or before.get("synonyms") != after["synonyms"]):
                reindex_linked(session, self._clock, actor, row)
            return self._view(session, row)

    def get_term(self, actor: Principal, name: str) -> Term:
        with self._catalog.read() as session:
            return self._view(session, _require(session, name))

    def list_terms(
        self,
        actor: Principal,
        *,
        q: str | None = None,
        domain: str | None = None,
        parent: str | None = None,
        status: TermStatus | None = None,
        limit: int = 100,
    ) -> list[Term]:
        """Terms by name, best first: an exact name or synonym, then a name or synonym starting with `q`, then one
        containing it, then a definition containing it. `parent` lists a category's terms (`-` the top level)."""
        if not 1 <= limit <= MAX_LIST:
            raise invalid("limit", f"must be between 1 and {MAX_LIST}")
        with self._catalog.read() as session:
            domain_id: str | bool | None = False if domain is None else self._domain_id(session, domain)
            parent_id: str | bool | None = False
            if parent == "-":
                parent_id = None
            elif parent is not None:
                parent_id = _require(session, parent).id
            wanted = status.value if status is not None else None
            if q and q.strip():
                ids = self._index.search(
                    session, term_key(q), limit=limit, domain_id=domain_id, parent_id=parent_id, status=wanted
                )
                hits = page_rows(session, ids)
                covered = {r.id: list((r.document or {}).get("classifications") or []) for r in hits}
                return self._views(session, hits, {r.id: r.linked or 0 for r in hits}, covered)
            query = select(GlossaryTermRow)
            if domain_id is not False:
                query = query.where(GlossaryTermRow.domain_id == domain_id)
            if wanted is not None:
                query = query.where(GlossaryTermRow.status == wanted)
            if parent_id is not False:
                query = query.where(GlossaryTermRow.parent_id == parent_id)
            rows = session.scalars(query.order_by(GlossaryTermRow.key).limit(limit)).all()
            return self._views(session, rows)

    def delete_term(self, actor: Principal, name: str, *, proposal: str | None = None) -> None:
        """Delete a term and its links (its domain's Admins); a category with sub-terms is kept (422)."""
        with self._catalog.transaction() as session:
            row = _require(session, name)
            self._may_write(session, actor, row.domain_id, TermStatus.APPROVED, row)
            self._council_check(row.name, row.domain_id is None, TermStatus(row.status) in REVIEWED, proposal)
            children = session.scalars(select(GlossaryTermRow.name).where(GlossaryTermRow.parent_id == row.id)).all()
            if children:
                raise invalid("name", f"{row.name!r} is the category of {', '.join(sorted(children))}; move them first")
            reindex_linked(session, self._clock, actor, row)
            self._journal(session, actor, "glossary.term.deleted", row, self._document(session, row), None)
            session.execute(delete(GlossaryLinkRow).where(GlossaryLinkRow.term_id == row.id))
            session.execute(delete(GlossaryTermVersionRow).where(GlossaryTermVersionRow.term_id == row.id))
            session.execute(update(GlossaryTermRow).where(GlossaryTermRow.id == row.id).values(parent_id=None))
            session.delete(row)

    def document(self, actor: Principal, name: str) -> dict[str, Any]:
        """The term's current document (what `put_term` takes), e.g. for a council proposal's plan."""
        with self._catalog.read() as session:
            return self._document(session, _require(session, name))

    def versions(self, actor: Principal, name: str) -> list[TermVersion]:
        """Every version of the term, newest first."""
        with self._catalog.read() as session:
            row = _require(session, name)
            found = session.scalars(
                select(GlossaryTermVersionRow)
                .where(GlossaryTermVersionRow.term_id == row.id)
                .order_by(GlossaryTermVersionRow.version.desc())
            ).all()
            return [
                TermVersion(
                    version=v.version,
                    document=TermSpec.model_validate(v.document),
                    changed_by=v.changed_by,
                    changed_at=v.changed_at,
                )
                for v in found
            ]

    def all_specs(self, actor: Principal) -> list[TermSpec]:
        """Every term's document, parents before their children (so an import can replay them in order)."""
        with self._catalog.read() as session:
            rows = session.scalars(select(GlossaryTermRow).order_by(GlossaryTermRow.key)).all()
            specs = [TermSpec.model_validate(self._document(session, r)) for r in rows]
        placed: list[TermSpec] = []
        seen: set[str] = set()
        pending = specs
        while pending:
            ready = [s for s in pending if s.parent is None or term_key(s.parent) in seen]
            ready = ready or pending  # a dangling parent cannot happen; never loop forever
            placed += ready
            seen |= {term_key(s.name) for s in ready}
            pending = [s for s in pending if s not in ready]
        return placed

    def council_governed(self, specs: list[TermSpec]) -> list[str]:
        """Names of the terms among `specs` that only a council proposal may write (council mode): an import checks
        them all before applying any, so a file is refused whole rather than half applied."""
        if not self.governed_by_council:
            return []
        governed = []
        with self._catalog.read() as session:
            for spec in map(_clean, specs):
                row = _find(session, spec.name)
                is_global = spec.domain.strip().upper() == GLOBAL or (row is not None and row.domain_id is None)
                reviewed = spec.status in REVIEWED or (row is not None and TermStatus(row.status) in REVIEWED)
                changed = row is None or self._document(session, row) != spec.model_dump(mode="json")
                if is_global and reviewed and changed:
                    governed.append(spec.name)
        return governed

    # -- permissions -----------------------------------------------------------------------------
    def _council_check(self, name: str, is_global: bool, reviewed: bool, proposal: str | None) -> None:
        if self.governed_by_council and proposal is None and is_global and reviewed:
            raise Conflict(
                f"Glossary term {name!r} is GLOBAL and reviewed by the council (LAKEMESH_GOVERNANCE_MODE=council): "
                "propose the change with POST /api/v1/council/proposals (kind glossary-term)"
            )

    def _may_write(
        self, session: Session, actor: Principal, domain_id: str | None, status: TermStatus, row: GlossaryTermRow | None
    ) -> None:
        if actor.is_platform_admin and not actor.disabled:
            return
        if domain_id is None:
            raise Forbidden("Only platform admins write GLOBAL glossary terms")
        role = self._authz.role_in(actor, domain_id, session)
        reviewed = status in REVIEWED or (row is not None and TermStatus(row.status) in REVIEWED)
        if reviewed and not role_allows(role, Action.POLICIES_MANAGE):
            raise Forbidden(
                "Approved and deprecated terms are changed, and terms approved or deleted, by the domain's Admins"
            )
        if not role_allows(role, Action.ITEM_WRITE):
            raise Forbidden("Only the domain's Contributors and up write its glossary terms")

    # -- internals -------------------------------------------------------------------------------
    def _domain_id(self, session: Session, domain: str) -> str | None:
        if domain.strip().upper() == GLOBAL:
            return None
        row = find_domain_row(session, domain)
        if row is None:
            raise NotFound(f"Domain {domain!r} not found")
        return row.id

    def _document(self, session: Session, row: GlossaryTermRow) -> dict[str, Any]:
        parent = session.get(GlossaryTermRow, row.parent_id) if row.parent_id else None
        return TermSpec(
            name=row.name,
            definition=row.definition,
            domain=_slug(session, row.domain_id),
            status=TermStatus(row.status),
            owners=list(row.owners or []),
            stewards=list(row.stewards or []),
            synonyms=list(row.synonyms or []),
            related=list(row.related or []),
            parent=parent.name if parent else None,
            classifications=current_classifications(session, [row]).get(row.id, []),
        ).model_dump(mode="json")

    def _view(self, session: Session, row: GlossaryTermRow) -> Term:
        return self._views(session, [row])[0]

    def _views(
        self,
        session: Session,
        rows: Iterable[Any],
        counts: dict[str, int] | None = None,
        covered: dict[str, list[str]] | None = None,
    ) -> list[Term]:
        """Terms from GlossaryTermRow objects or plain rows with the same columns (their linked counts and
        classifications are read here unless given)."""
        rows = list(rows)
        ids = [r.id for r in rows]
        if counts is None and ids:
            counts = dict(
                session.execute(
                    select(GlossaryLinkRow.term_id, func.count())
                    .where(GlossaryLinkRow.term_id.in_(ids), GlossaryLinkRow.status == LinkStatus.LINKED.value)
                    .group_by(GlossaryLinkRow.term_id)
                ).all()
            )
        counts = counts or {}
        parents = {r.parent_id for r in rows if r.parent_id}
        names = (
            dict(
                session.execute(
                    select(GlossaryTermRow.id, GlossaryTermRow.name).where(GlossaryTermRow.id.in_(parents))
                ).all()
            )
            if parents
            else {}
        )
        # one query for every domain on the page (a search's hits span many)
        owners = {r.domain_id for r in rows if r.domain_id is not None}
        slugs: dict[str | None, str] = {d: d for d in owners} | {None: GLOBAL}
        slugs |= {d.id: d.slug for d in domain_rows(session, owners)} if owners else {}
        covered = current_classifications(session, rows) if covered is None else covered
        return [
            Term(
                id=r.id,
                name=r.name,
                domain=slugs[r.domain_id],
                definition=r.definition,
                status=TermStatus(r.status),
                owners=list(r.owners or []),
                stewards=list(r.stewards or []),
                synonyms=list(r.synonyms or []),
                related=list(r.related or []),
                parent=names.get(r.parent_id) if r.parent_id else None,
                classifications=covered.get(r.id, []),
                version=r.version,
                links=int(counts.get(r.id, 0)),
                created_by=r.created_by,
                created_at=r.created_at,
                updated_by=r.updated_by,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    def _journal(
        self,
        session: Session,
        actor: Principal,
        action: str,
        row: GlossaryTermRow,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        slug = _slug(session, row.domain_id)
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="glossary_term",
            resource_id=row.id,
            resource_name=row.name,
            domain=None if slug == GLOBAL else slug,
            before=before,
            after=after,
        )


def reindex_linked(session: Session, clock: Clock, actor: Principal, row: GlossaryTermRow) -> None:
    """Ask search to re-index everything the term is linked to (its name or synonyms changed, or it is gone)."""
    links = session.scalars(select(GlossaryLinkRow).where(GlossaryLinkRow.term_id == row.id)).all()
    for target in {(link.target_kind == "product", link.table_id or link.target_id) for link in links}:
        reindex(session, clock, actor, product=target[0], object_id=target[1])


def reindex(session: Session, clock: Clock, actor: Principal, *, product: bool, object_id: str) -> None:
    """An event on the product or table, so the search index picks up its terms (and a table's products)."""
    record(
        session,
        at=clock.now(),
        actor=actor.name,
        action="glossary.links.changed",
        resource_type="product" if product else "table",
        resource_id=object_id,
        payload={"reindex_products": True},
    )


def _slug(session: Session, domain_id: str | None) -> str:
    if domain_id is None:
        return GLOBAL
    row = find_domain_row(session, domain_id)
    return row.slug if row is not None else domain_id


def _require(session: Session, name: str) -> GlossaryTermRow:
    row = _find(session, name)
    if row is None:
        raise NotFound(f"Glossary term {name!r} not found")
    return row
