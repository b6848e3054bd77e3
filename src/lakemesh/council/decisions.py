"""The standards changelog: every passed proposal and decided case, newest first, searchable by words."""

from __future__ import annotations

from sqlalchemy import or_, select

from lakemesh.catalog import Catalog
from lakemesh.catalog.tables.council import CaseRow, ProposalRow
from lakemesh.council.models import CaseState, DecisionRecord, ProposalState

MAX_RECORDS = 500


def decision_records(
    catalog: Catalog, *, q: str | None = None, kind: str | None = None, limit: int = 100
) -> list[DecisionRecord]:
    """`q` matches titles, rationales, decisions and outcomes (case-insensitively); `kind`: proposal or case."""
    limit = max(1, min(limit, MAX_RECORDS))
    pattern = f"%{q.strip().lower()}%" if q and q.strip() else None
    records: list[DecisionRecord] = []
    with catalog.read() as session:
        if kind in (None, "proposal"):
            query = select(ProposalRow).where(ProposalRow.state == ProposalState.PASSED)
            if pattern is not None:
                query = query.where(
                    or_(
                        ProposalRow.title.ilike(pattern),
                        ProposalRow.rationale.ilike(pattern),
                        ProposalRow.plan.ilike(pattern),
                    )
                )
            for p in session.scalars(query.order_by(ProposalRow.decided_at.desc(), ProposalRow.id.desc()).limit(limit)):
                records.append(
                    DecisionRecord(
                        id=p.id,
                        kind="proposal",
                        title=p.title,
                        summary=f"{p.outcome or 'passed'}\n{p.plan}".strip(),
                        at=p.decided_at or p.opened_at,
                        by=p.opened_by,
                        domains=[str(d["slug"]) for d in p.electorate],
                        link=f"/council/proposals/{p.id}",
                    )
                )
        if kind in (None, "case"):
            cases = select(CaseRow).where(CaseRow.state == CaseState.DECIDED)
            if pattern is not None:
                cases = cases.where(
                    or_(
                        CaseRow.title.ilike(pattern),
                        CaseRow.description.ilike(pattern),
                        CaseRow.decision.ilike(pattern),
                    )
                )
            for c in session.scalars(cases.order_by(CaseRow.decided_at.desc(), CaseRow.id.desc()).limit(limit)):
                records.append(
                    DecisionRecord(
                        id=c.id,
                        kind="case",
                        title=c.title,
                        summary=c.decision or "",
                        at=c.decided_at or c.opened_at,
                        by=c.decided_by,
                        domains=list(c.domains),
                        link=f"/council/cases/{c.id}",
                    )
                )
    # Same moment (a frozen clock, one batch): the ids, which sort by creation, keep the order.
    records.sort(key=lambda r: (r.at, r.id.partition("_")[2]), reverse=True)
    return records[:limit]
