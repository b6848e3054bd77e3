"""The council's in-app notices: representatives hear of proposals (opened, vote needed, passed, failed), a
case's parties of the case (opened, decided).

They are read from the outbox events the council already writes (the same ones webhooks get) when a
notification list is read, not stored per recipient: a notice row is tied to a product, a council event is
not, and who represents a domain is asked at read time, so a new representative sees the open business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.outbox import newest_events
from lakemesh.catalog.tables.council import CaseRow, ProposalRow
from lakemesh.council.seats import represented_domains
from lakemesh.domains.service import domain_rows
from lakemesh.subscriptions.models import Notification

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow

TITLES = {
    "governance.proposal.opened": "Council proposal opened",
    "governance.proposal.vote_needed": "Your vote is needed",
    "governance.proposal.passed": "Council proposal passed",
    "governance.proposal.failed": "Council proposal failed",
    "governance.case.opened": "Council case opened",
    "governance.case.decided": "Council case decided",
}
SCANNED = 2000  # the newest council events looked at for one list


class CouncilNotices:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def __call__(self, actor: Principal, limit: int) -> list[Notification]:
        """The actor's council notices, newest first."""
        with self._catalog.read() as session:
            mine = {d.slug for d in domain_rows(session, represented_domains(session, actor))}
            events = newest_events(session, TITLES, SCANNED)
            parties = self._parties(session, events)
        found: list[Notification] = []
        for event in events:
            payload: dict[str, Any] = event.payload or {}
            told = self._told(event, payload, parties.get(event.resource_id), actor, mine)
            if not told:
                continue
            kind = "proposals" if event.resource_type == "proposal" else "cases"
            found.append(
                Notification(
                    id=f"council-{event.id}",
                    product="",
                    event=event.type,
                    title=f"{TITLES[event.type]}: {payload.get('title', '')}"[:400],
                    payload={k: v for k, v in payload.items() if k not in ("before", "after")},
                    at=event.at,
                    to=told,
                    link=f"/council/{kind}/{event.resource_id}",
                )
            )
            if len(found) >= limit:
                break
        return found

    @staticmethod
    def _parties(session: Session, events: list[OutboxRow]) -> dict[str, tuple[set[str], str | None]]:
        """Per proposal: its electorate's slugs; per case: its domains and who opened it."""
        proposals = {e.resource_id for e in events if e.resource_type == "proposal"}
        cases = {e.resource_id for e in events if e.resource_type == "case"}
        found: dict[str, tuple[set[str], str | None]] = {}
        if proposals:
            for row in session.scalars(select(ProposalRow).where(ProposalRow.id.in_(proposals))):
                found[row.id] = ({str(d.get("slug")) for d in row.electorate if isinstance(d, dict)}, None)
        if cases:
            for case in session.scalars(select(CaseRow).where(CaseRow.id.in_(cases))):
                found[case.id] = ({str(d) for d in case.domains}, case.opened_by)
        return found

    @staticmethod
    def _told(
        event: OutboxRow,
        payload: dict[str, Any],
        party: tuple[set[str], str | None] | None,
        actor: Principal,
        mine: set[str],
    ) -> str | None:
        """Whom the notice reaches as (`domain:<slug>` represented, or the actor's name), or None."""
        if party is None:
            return None
        domains, opener = party
        if event.type == "governance.proposal.vote_needed":
            domains = {str(d) for d in payload.get("domains") or []}
        shared = sorted(domains & mine)
        if shared:
            return f"domain:{shared[0]}"
        if event.resource_type == "case" and opener is not None and opener.lower() == actor.name.lower():
            return actor.name
        return None
