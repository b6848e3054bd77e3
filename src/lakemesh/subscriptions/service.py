"""Subscriptions: principals and domains follow a product and are told what happens to it.

Notices are made from outbox events (new versions and breaking changes, publication, deprecation, retirement,
incidents, owners' announcements; a usage agreement's steps go to its parties only, as the event names them) by
an outbox consumer, in its own transaction, one row per subscriber, from
the scheduler's job and before anyone reads a notification list: the write that raised the event (a quality run
opening an incident) pays nothing for the fan-out to its subscribers. Holders of an active grant are subscribed without
asking (a DELETE opts them out). Anyone who may see a product subscribes themselves; domain Admins subscribe
their domain; platform admins anyone. Only the product's owner and its domain's Admins post announcements.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, or_, select, tuple_
from sqlalchemy.orm import Session

from lakemesh.access.grantees import active_grantees
from lakemesh.auth.assignments import domains_of
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.outbox import consume, pending
from lakemesh.catalog.tables.subscriptions import AnnouncementRow, NotificationRow, SubscriptionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.domains.service import find_domain_row
from lakemesh.products.reads import product_by_id, product_resource, visible_product
from lakemesh.subscriptions.models import Announcement, AnnouncementCreate, Notification, Subscription

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow

    Target = tuple[ProductRow, DomainRow]

CONSUMER = "subscriptions"
Subscriber = tuple[str, str, str]  # kind, id, name
INCIDENT_VERBS = {"incident.opened": "opened", "incident.acknowledged": "acknowledged", "incident.resolved": "resolved"}
AGREEMENT_VERBS = {
    "agreement.created": "Usage agreement made",
    "agreement.renewed": "Usage agreement renewed",
    "agreement.expiring": "Usage agreement ends within 7 days",
    "agreement.ended": "Usage agreement ended",
}
LIFECYCLE = {"product.published": "Published", "product.deprecated": "Deprecated", "product.retired": "Retired"}


class SubscriptionService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._catching_up = threading.RLock()
        # Notices kept elsewhere (the council's, a layer up) joined into the same list: (actor, limit) -> newest.
        self.notice_sources: list[Callable[[Principal, int], list[Notification]]] = []

    # -- delivering --------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Turn outbox events not seen yet into notifications; returns how many events were read."""
        handled = 0
        with self._catching_up:
            while pending(self._catalog, CONSUMER):
                count = consume(self._catalog, CONSUMER, self._on_events, now=self._clock.now())
                handled += count
                if count == 0:  # another replica holds the cursor right now
                    break
        return handled

    def _on_events(self, events: list[OutboxRow]) -> None:
        session = Session.object_session(events[0])
        assert session is not None, "outbox events come attached to consume()'s session"
        now = self._clock.now()
        rows: list[dict[str, Any]] = []
        for event in events:
            notice = _notice(event)
            if notice is None:
                continue
            product_id, title = notice
            target = product_by_id(session, product_id)
            if target is None:
                continue
            product = f"{target[1].slug}/{target[0].slug}"
            payload = {k: v for k, v in (event.payload or {}).items() if k not in ("before", "after", "recipients")}
            for kind, subscriber_id in self._told(session, event, product_id, now):
                rows.append(
                    {
                        "id": new_id("ntf"),
                        "recipient_kind": kind,
                        "recipient_id": subscriber_id,
                        "product_id": product_id,
                        "product": product,
                        "event": event.type,
                        "event_id": event.id,
                        "title": title[:400],
                        "payload": payload,
                        "at": event.at,
                    }
                )
        if rows:
            session.execute(insert(NotificationRow), rows)  # one executemany for every subscriber

    def _told(self, session: Session, event: OutboxRow, product_id: str, now: datetime) -> list[tuple[str, str]]:
        """An agreement's notice goes to its parties only (the event names them); any other to the subscribers."""
        if event.type in AGREEMENT_VERBS:
            named = (event.payload or {}).get("recipients") or []
            return list(dict.fromkeys((str(r["kind"]), str(r["id"])) for r in named if isinstance(r, dict)))
        subscribers = self._recipients(session, product_id, now, event.at)
        return [(kind, subscriber_id) for kind, subscriber_id, _ in subscribers]

    def _recipients(self, session: Session, product_id: str, now: datetime, at: datetime) -> list[Subscriber]:
        """Who was subscribed when the event happened (delivery may come later) and has not opted out since."""
        rows = session.scalars(select(SubscriptionRow).where(SubscriptionRow.product_id == product_id)).all()
        opted_out = {(r.subscriber_kind, r.subscriber_id) for r in rows if r.opted_out}
        chosen: dict[tuple[str, str], Subscriber] = {}
        for kind, grantee_id, name in active_grantees(session, product_id, now, granted_by=at):
            chosen[(kind, grantee_id)] = (kind, grantee_id, name)
        for row in rows:
            if row.created_at > at:
                continue
            chosen[(row.subscriber_kind, row.subscriber_id)] = (row.subscriber_kind, row.subscriber_id, row.subscriber)
        return [s for key, s in chosen.items() if key not in opted_out]

    # -- subscribing -------------------------------------------------------------------------------
    def subscribe(self, actor: Principal, domain: str, product: str, subscriber: str | None = None) -> Subscription:
        """Follow the product as yourself (default), as `domain:<slug>` (its Admins), or anyone (platform admins)."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            target = self._visible(session, actor, domain, product)
            kind, subscriber_id, name = self._subscriber(session, actor, subscriber)
            row = self._row(session, target, kind, subscriber_id) or _new_row(
                session, target[0].id, (kind, subscriber_id, name), actor, now
            )
            row.opted_out = False
            self._journal(session, actor, target, "subscription.created", row.id, {"subscriber": name})
            return Subscription(product=_name(target), subscriber=name, kind=kind, source="subscribed", created_at=now)

    def unsubscribe(self, actor: Principal, domain: str, product: str, subscriber: str | None = None) -> None:
        """Stop following; a grantee subscribed by default is remembered as opted out."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            target = self._visible(session, actor, domain, product)
            kind, subscriber_id, name = self._subscriber(session, actor, subscriber)
            row = self._row(session, target, kind, subscriber_id)
            grantee = (kind, subscriber_id) in {(k, i) for k, i, _ in active_grantees(session, target[0].id, now)}
            if (row is None or row.opted_out) and not grantee:
                raise NotFound(f"{name} is not subscribed to {_name(target)}")
            if row is None:
                row = _new_row(session, target[0].id, (kind, subscriber_id, name), actor, now)
            if grantee:
                row.opted_out = True
            else:
                session.delete(row)
            self._journal(session, actor, target, "subscription.deleted", row.id, {"subscriber": name})

    def subscriptions(self, actor: Principal, domain: str, product: str) -> list[Subscription]:
        """Who follows the product: all of them for its domain's Contributors and above, else only your own."""
        now = self._clock.now()
        with self._catalog.read() as session:
            target = self._visible(session, actor, domain, product)
            everyone = self._authz.can(actor, Action.ITEM_WRITE, product_resource(*target), session)
            mine = {("principal", actor.id), *(("domain", d) for d in domains_of(session, actor.id))}
            rows = session.scalars(select(SubscriptionRow).where(SubscriptionRow.product_id == target[0].id)).all()
            opted_out = {(r.subscriber_kind, r.subscriber_id) for r in rows if r.opted_out}
            found: dict[tuple[str, str], Subscription] = {}
            for kind, grantee_id, name in active_grantees(session, target[0].id, now):
                found[(kind, grantee_id)] = Subscription(
                    product=_name(target),
                    subscriber=name,
                    kind=kind,
                    source="grant",
                    created_at=None,
                )
            for row in rows:
                found[(row.subscriber_kind, row.subscriber_id)] = Subscription(
                    product=_name(target),
                    subscriber=row.subscriber,
                    kind=row.subscriber_kind,
                    source="subscribed",
                    created_at=row.created_at,
                )
            return [s for key, s in found.items() if key not in opted_out and (everyone or key in mine)]

    # -- announcements -----------------------------------------------------------------------------
    def announce(self, actor: Principal, domain: str, product: str, spec: AnnouncementCreate) -> Announcement:
        """Post a message to the product's subscribers: the product's owner and its domain's Admins only."""
        for name in ("starts_at", "ends_at"):
            value = getattr(spec, name)
            if value is not None and value.tzinfo is None:
                raise invalid(name, "needs a time zone, e.g. 2026-12-24T08:00:00Z")
        if spec.ends_at is not None and spec.ends_at <= (spec.starts_at or self._clock.now()):
            raise invalid("ends_at", "must be after starts_at (and after now when starts_at is not given)")
        now = self._clock.now()
        with self._catalog.transaction() as session:
            target = self._visible(session, actor, domain, product)
            owner = target[0].owner.strip().lower() in {actor.name.lower(), (actor.email or "").lower()}
            admin = actor.is_platform_admin or self._authz.role_in(actor, target[1].id, session) is DomainRole.ADMIN
            if not (owner or admin):
                raise Forbidden(f"Only the owner of {_name(target)} and Admins of its domain post announcements")
            row = AnnouncementRow(
                id=new_id("ann"),
                product_id=target[0].id,
                title=spec.title.strip(),
                text=spec.text,
                starts_at=spec.starts_at or now,
                ends_at=spec.ends_at,
                created_by=actor.name,
                created_at=now,
            )
            session.add(row)
            view = _announcement(row, target)
            self._journal(
                session, actor, target, "announcement.posted", row.id, view.model_dump(mode="json", exclude={"id"})
            )
            return view

    def announcements(self, actor: Principal, domain: str, product: str, *, current: bool = True) -> list[Announcement]:
        """The product's announcements, newest first; `current` keeps those shown now (started, not ended)."""
        now = self._clock.now()
        with self._catalog.read() as session:
            target = self._visible(session, actor, domain, product)
            query = select(AnnouncementRow).where(AnnouncementRow.product_id == target[0].id)
            if current:
                query = query.where(
                    AnnouncementRow.starts_at <= now,
                    or_(AnnouncementRow.ends_at.is_(None), AnnouncementRow.ends_at > now),
                )
            rows = session.scalars(query.order_by(AnnouncementRow.created_at.desc(), AnnouncementRow.id.desc()))
            return [_announcement(row, target) for row in rows]

    # -- notifications -----------------------------------------------------------------------------
    def notifications(self, actor: Principal, *, limit: int = 50) -> list[Notification]:
        """Your notification list, newest first: notices to you and to the domains you belong to."""
        if not 1 <= limit <= 500:
            raise invalid("limit", "must be between 1 and 500")
        self.catch_up()  # notices of events up to now, whether or not the job has run since
        with self._catalog.read() as session:
            domains = domains_of(session, actor.id)
            names = {d.id: f"domain:{d.slug}" for d in (find_domain_row(session, i) for i in domains) if d}
            keys = [("principal", actor.id), *(("domain", d) for d in domains)]
            rows = session.scalars(
                select(NotificationRow)
                .where(tuple_(NotificationRow.recipient_kind, NotificationRow.recipient_id).in_(keys))
                .order_by(NotificationRow.at.desc(), NotificationRow.id.desc())
                .limit(limit)
            )
            found = [
                Notification(
                    id=row.id,
                    product=row.product,
                    event=row.event,
                    title=row.title,
                    payload=row.payload,
                    at=row.at,
                    to=actor.name if row.recipient_kind == "principal" else names.get(row.recipient_id, "domain"),
                )
                for row in rows
            ]
        for source in self.notice_sources:
            found.extend(source(actor, limit))
        return sorted(found, key=lambda n: n.at, reverse=True)[:limit]

    # -- internals ---------------------------------------------------------------------------------
    def _visible(self, session: Session, actor: Principal, domain: str, product: str) -> Target:
        target = visible_product(session, self._authz, actor, domain, product)
        if target is None:
            raise NotFound(f"Data product {domain}/{product} not found")
        return target

    def _subscriber(self, session: Session, actor: Principal, ref: str | None) -> Subscriber:
        text = (ref or "").strip()
        if text.lower() in ("", "me", actor.name.lower()):
            return "principal", actor.id, actor.name
        if text.lower().startswith("domain:"):
            domain = find_domain_row(session, text.split(":", 1)[1])
            if domain is None:
                raise invalid("subscriber", f"no domain {text.split(':', 1)[1]!r}")
            if not actor.is_platform_admin and self._authz.role_in(actor, domain.id, session) is not DomainRole.ADMIN:
                raise Forbidden(f"Only Admins of {domain.name} subscribe the whole domain")
            return "domain", domain.id, f"domain:{domain.slug}"
        if not actor.is_platform_admin:
            raise Forbidden("Subscribe yourself, or a domain you administer as domain:<domain>")
        principal = find_principal_row(session, text)
        if principal is None:
            raise invalid("subscriber", f"no principal {text!r}")
        return "principal", principal.id, principal.name

    def _row(self, session: Session, target: Target, kind: str, subscriber_id: str) -> SubscriptionRow | None:
        return session.scalar(
            select(SubscriptionRow).where(
                SubscriptionRow.product_id == target[0].id,
                SubscriptionRow.subscriber_kind == kind,
                SubscriptionRow.subscriber_id == subscriber_id,
            )
        )

    def _journal(
        self, session: Session, actor: Principal, target: Target, action: str, object_id: str, extra: dict[str, Any]
    ) -> None:
        product, domain = target
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type=action.split(".", 1)[0],
            resource_id=object_id,
            resource_name=_name(target),
            domain=domain.slug,
            payload={"product": _name(target), "product_id": product.id, **extra},
        )


def _notice(event: OutboxRow) -> tuple[str, str] | None:
    """(product id, title) of the notice an event makes, or None when subscribers are not told about it."""
    payload: dict[str, Any] = event.payload or {}
    if event.type in INCIDENT_VERBS:
        return str(payload.get("product_id")), f"Incident {INCIDENT_VERBS[event.type]}: {payload.get('title')}"
    if event.type in AGREEMENT_VERBS:
        until = str(payload.get("valid_until") or "")[:10] or "no end"
        what = f"{AGREEMENT_VERBS[event.type]}: {payload.get('consumer')} on {payload.get('product')}"
        return str(payload.get("product_id")), f"{what} (version {payload.get('version')}, until {until})"
    if event.type == "announcement.posted":
        return str(payload.get("product_id")), f"Announcement: {payload.get('title')}"
    if event.type in LIFECYCLE and event.resource_type == "product":
        return event.resource_id, f"{LIFECYCLE[event.type]} (version {payload.get('version')})"
    new_version = payload.get("version") != payload.get("previous_version", payload.get("version"))
    if event.type == "product.updated" and event.resource_type == "product" and (new_version or payload.get("changes")):
        breaking = any(isinstance(c, dict) and c.get("breaking") for c in payload.get("changes") or [])
        return event.resource_id, f"New version {payload.get('version')}" + (" (breaking change)" if breaking else "")
    return None


def _name(target: Target) -> str:
    return f"{target[1].slug}/{target[0].slug}"


def _announcement(row: AnnouncementRow, target: Target) -> Announcement:
    return Announcement(
        id=row.id,
        product=_name(target),
        title=row.title,
        text=row.text,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _new_row(
    session: Session, product_id: str, subscriber: tuple[str, str, str], actor: Principal, now: datetime
) -> SubscriptionRow:
    kind, subscriber_id, name = subscriber
    row = SubscriptionRow(
        id=new_id("sub"),
        product_id=product_id,
        subscriber_kind=kind,
        subscriber_id=subscriber_id,
        subscriber=name,
        created_by=actor.name,
        created_at=now,
    )
    session.add(row)
    return row
