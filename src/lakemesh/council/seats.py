"""Council membership: each domain's Admins choose its representatives; platform admins facilitate.

A representative is a principal or a group; a group's members each represent the domain (one vote per domain
still: the first of them to vote casts it). The voting rule in force lives here too: it is read by every vote
and changed only by a passed `voting-rule` proposal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.groups import groups_of
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import DomainRole
from lakemesh.auth.service import find_principal_row, platform_admin_names, principals_by_id
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.council import CouncilRuleRow, CouncilSeatRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import ErrorItem, Forbidden, InvalidInput
from lakemesh.core.ids import new_id
from lakemesh.council.models import Council, CouncilUpdate, DomainSeat, Representative, VotingRule
from lakemesh.domains.service import domain_rows, find_domain_row

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

RULE_KEY = "voting"
MAX_REPRESENTATIVES = 20


def current_rule(session: Session) -> tuple[VotingRule, int]:
    row = session.get(CouncilRuleRow, RULE_KEY)
    return (VotingRule.model_validate(row.rule), row.version) if row else (VotingRule(), 0)


def set_rule(session: Session, rule: VotingRule, *, by: str, at: datetime) -> int:
    row = session.get(CouncilRuleRow, RULE_KEY)
    if row is None:
        row = CouncilRuleRow(key=RULE_KEY, rule={}, version=0, updated_at=at)
        session.add(row)
    row.rule, row.version, row.updated_by, row.updated_at = rule.model_dump(), row.version + 1, by, at
    return row.version


def electorate(session: Session) -> list[DomainRow]:
    """Domains with at least one representative, by slug: the domains that vote on a new proposal."""
    return domain_rows(session, set(session.scalars(select(CouncilSeatRow.domain_id).distinct())))


def represented_domains(session: Session, actor: Principal) -> set[str]:
    """Ids of the domains the actor represents, in person or through a group."""
    query = select(CouncilSeatRow.domain_id).where(
        or_(CouncilSeatRow.principal_id == actor.id, CouncilSeatRow.principal_id.in_(groups_of(actor.id)))
    )
    return set(session.scalars(query))


class CouncilSeats:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock, *, mode: Literal["direct", "council"]):
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self.mode = mode

    def get(self, actor: Principal) -> Council:
        """The council is public to everyone signed in: who represents whom, and how votes are counted."""
        with self._catalog.read() as session:
            return self._view(session)

    def put(self, actor: Principal, update: CouncilUpdate) -> Council:
        """Replace the representatives of the named domains; each needs its Admin (or a facilitator)."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            for ref, names in update.representatives.items():
                domain = find_domain_row(session, ref)
                if domain is None:
                    raise InvalidInput(
                        f"There is no domain {ref!r}", errors=[ErrorItem(("representatives", ref), "no such domain")]
                    )
                self._check_chooser(session, actor, domain)
                self._replace(session, actor, domain, ref, names, now)
            return self._view(session)

    def my_domains(self, actor: Principal) -> list[str]:
        """Slugs of the domains the actor represents (the web UI offers them a vote)."""
        with self._catalog.read() as session:
            return [d.slug for d in domain_rows(session, represented_domains(session, actor))]

    # -- internals -------------------------------------------------------------------------------
    def _check_chooser(self, session: Session, actor: Principal, domain: DomainRow) -> None:
        if actor.is_platform_admin or self._authz.role_in(actor, domain.id, session) is DomainRole.ADMIN:
            return
        raise Forbidden(f"Only Admins of domain {domain.name!r} choose its council representatives")

    def _replace(
        self, session: Session, actor: Principal, domain: DomainRow, ref: str, names: list[str], now: datetime
    ) -> None:
        if len(names) > MAX_REPRESENTATIVES:
            raise InvalidInput(
                f"At most {MAX_REPRESENTATIVES} representatives per domain",
                errors=[ErrorItem(("representatives", ref), f"at most {MAX_REPRESENTATIVES}")],
            )
        ids: list[str] = []
        for index, name in enumerate(names):
            row = find_principal_row(session, name)
            if row is None or row.disabled:
                raise InvalidInput(
                    f"{name!r} is not a principal of this platform",
                    errors=[ErrorItem(("representatives", ref, index), "no such principal or group")],
                )
            if row.id not in ids:
                ids.append(row.id)
        before = sorted(
            session.scalars(select(CouncilSeatRow.principal_id).where(CouncilSeatRow.domain_id == domain.id))
        )
        if before == sorted(ids):
            return
        session.execute(delete(CouncilSeatRow).where(CouncilSeatRow.domain_id == domain.id))
        for principal_id in ids:
            session.add(
                CouncilSeatRow(
                    id=new_id("seat"),
                    domain_id=domain.id,
                    principal_id=principal_id,
                    appointed_by=actor.name,
                    appointed_at=now,
                )
            )
        names_before = [p.name for p in principals_by_id(session, before).values()]
        names_after = [p.name for p in principals_by_id(session, ids).values()]
        record(
            session,
            at=now,
            actor=actor.name,
            action="governance.council.updated",
            resource_type="council",
            resource_id=domain.id,
            resource_name=domain.name,
            domain=domain.slug,
            before={"representatives": names_before},
            after={"representatives": names_after},
        )

    def _view(self, session: Session) -> Council:
        seats = list(session.scalars(select(CouncilSeatRow).order_by(CouncilSeatRow.appointed_at, CouncilSeatRow.id)))
        people = principals_by_id(session, sorted({s.principal_id for s in seats}))
        domains: list[DomainSeat] = []
        for domain in domain_rows(session):
            representatives = [
                Representative(
                    name=people[s.principal_id].name,
                    kind=people[s.principal_id].kind,
                    appointed_by=s.appointed_by,
                    appointed_at=s.appointed_at,
                )
                for s in seats
                if s.domain_id == domain.id and s.principal_id in people
            ]
            domains.append(DomainSeat(domain=domain.slug, domain_name=domain.name, representatives=representatives))
        rule, version = current_rule(session)
        return Council(
            mode=self.mode,
            domains=domains,
            facilitators=platform_admin_names(session),
            rule=rule,
            rule_version=version,
        )
