"""Webhooks: outbox events POSTed to subscribers, signed with HMAC-SHA256 and retried with backoff.

Delivery has two steps so that no HTTP call runs inside a catalog transaction: an outbox consumer turns each
event into one pending delivery per matching webhook (in the consumer's own transaction), then `deliver_due`
sends what is due. A failed send is retried at once a few times (tenacity, exponential backoff), then again
at later turns with a growing delay, and given up after `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from lakemesh.auth import assignments
from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.outbox import consume
from lakemesh.catalog.tables.governance import WebhookDeliveryRow, WebhookRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import ErrorItem, Forbidden, InvalidInput, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.domains.service import domain_slugs_of, find_domain_row
from lakemesh.governance.destinations import WebhookDestinations
from lakemesh.governance.models import DeliveryStatus, IssuedWebhook, Webhook, WebhookCreate, WebhookDelivery

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow
    from lakemesh.catalog.tables.domains import DomainRow

log = logging.getLogger(__name__)
CONSUMER = "governance-webhooks"
SIGNATURE_HEADER = "X-Lakemesh-Signature"
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
_PATTERN = re.compile(r"^[A-Za-z0-9_.*-]{1,64}$")
Post = Callable[[str, bytes, dict[str, str], str], int]  # url, body, headers, the checked address


class _Retryable(Exception):
    """A send that may succeed if tried again: connection trouble, 429 or 5xx."""


def sign(secret: str, body: bytes) -> str:
    """The value of X-Lakemesh-Signature: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> str:
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise invalid("url", "must be an http:// or https:// URL with a host")
    if len(text) > 2048 or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise invalid("url", "must be at most 2048 characters without spaces")
    return text


class WebhookService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        *,
        tries: int = 3,
        wait_seconds: float = 0.5,
        post: Post | None = None,
        destinations: WebhookDestinations | None = None,
    ) -> None:
        self._catalog = catalog
        self.destinations = destinations or WebhookDestinations()
        self._authz = authorizer
        self._clock = clock
        self.tries = tries
        self.wait_seconds = wait_seconds
        self._post = post or _http_post

    # -- configuration ---------------------------------------------------------------------------
    def create(self, actor: Principal, spec: WebhookCreate) -> IssuedWebhook:
        url = check_url(spec.url)
        self.destinations.check(url)
        bad = [
            ErrorItem(("events", i), "is not an event pattern")
            for i, p in enumerate(spec.events)
            if not _PATTERN.match(p)
        ]
        if bad or not spec.events:
            raise InvalidInput("Invalid webhook events", errors=bad or [ErrorItem(("events",), "must not be empty")])
        secret = spec.secret or secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain = self._manageable(session, actor, spec.domain)
            row = WebhookRow(
                id=new_id("whk"),
                url=url,
                secret=secret,
                domain_id=domain.id if domain else None,
                events=list(spec.events),
                description=spec.description,
                active=True,
                created_by=actor.name,
                created_at=now,
            )
            session.add(row)
            session.flush()
            view = _webhook(row, domain.slug if domain else None)
            record(
                session,
                at=now,
                actor=actor.name,
                action="webhook.created",
                resource_type="webhook",
                resource_id=row.id,
                resource_name=url,
                domain=domain.slug if domain else None,
                after=view.model_dump(mode="json"),
            )
            return IssuedWebhook(**view.model_dump(), secret=secret)

    def list_webhooks(self, actor: Principal) -> list[Webhook]:
        """Platform admins see every webhook; domain Admins those of their domains."""
        with self._catalog.read() as session:
            query = select(WebhookRow)
            if not actor.is_platform_admin:
                admin_of = assignments.domain_ids_of(actor.id, DomainRole.ADMIN)
                query = query.where(WebhookRow.domain_id.in_(admin_of))
            return [
                _webhook(row, slug)
                for row, slug in _with_slugs(session, session.scalars(query.order_by(WebhookRow.id)))
            ]

    def delete(self, actor: Principal, webhook_id: str) -> None:
        with self._catalog.transaction() as session:
            row = self._load(session, actor, webhook_id)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="webhook.deleted",
                resource_type="webhook",
                resource_id=row.id,
                resource_name=row.url,
            )
            session.delete(row)

    def deliveries(self, actor: Principal, webhook_id: str, *, limit: int = 50) -> list[WebhookDelivery]:
        with self._catalog.read() as session:
            row = self._load(session, actor, webhook_id)
            found = session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.webhook_id == row.id)
                .order_by(WebhookDeliveryRow.id.desc())
                .limit(limit)
            )
            return [_delivery(d) for d in found]

    # -- delivery --------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Queue deliveries for new outbox events, then send what is due; returns deliveries sent."""
        while consume(self._catalog, CONSUMER, self._queue, now=self._clock.now()):
            pass
        return self.deliver_due()

    def _queue(self, events: list[OutboxRow]) -> None:
        session = Session.object_session(events[0])
        assert session is not None
        hooks = _with_slugs(session, session.scalars(select(WebhookRow).where(WebhookRow.active.is_(True))))
        if not hooks:
            return
        now = self._clock.now()
        for event in events:
            for hook, slug in hooks:
                if slug is not None and event.domain != slug:
                    continue
                if not any(fnmatch.fnmatchcase(event.type, pattern) for pattern in hook.events):
                    continue
                session.add(
                    WebhookDeliveryRow(
                        id=new_id("dlv"),
                        webhook_id=hook.id,
                        event_id=event.id,
                        event_type=event.type,
                        body=_body(event),
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )

    def deliver_due(self, *, limit: int = 50, now: datetime | None = None) -> int:
        """Send deliveries due at `now` (default: the clock's now)."""
        now = now or self._clock.now()
        with self._catalog.transaction() as session:
            query = (
                select(WebhookDeliveryRow, WebhookRow.url, WebhookRow.secret)
                .join(WebhookRow, WebhookRow.id == WebhookDeliveryRow.webhook_id)
                .where(WebhookDeliveryRow.status == DeliveryStatus.PENDING, WebhookDeliveryRow.next_attempt_at <= now)
                .order_by(WebhookDeliveryRow.next_attempt_at)
                .limit(limit)
            )
            if not self._catalog.is_sqlite:
                query = query.with_for_update(skip_locked=True, of=WebhookDeliveryRow)
            due = []
            for delivery, url, secret in session.execute(query):
                delivery.next_attempt_at = now + LEASE  # another replica will not pick it up meanwhile
                due.append((delivery.id, url, secret, delivery.event_type, dict(delivery.body)))
        for delivery_id, url, secret, event_type, body in due:
            tries, status, error = self._send(url, secret, delivery_id, event_type, body)
            self._finish(delivery_id, tries, status, error, now)
        return len(due)

    def _send(
        self, url: str, secret: str, delivery_id: str, event_type: str, body: dict[str, Any]
    ) -> tuple[int, int | None, str | None]:
        payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "lakemesh-webhooks",
            "X-Lakemesh-Event": event_type,
            "X-Lakemesh-Delivery": delivery_id,
            SIGNATURE_HEADER: sign(secret, payload),
        }
        import httpx  # loaded on first delivery: it costs ~0.25 s of server start

        try:
            address = self.destinations.check(url)
        except Forbidden as exc:  # DNS changed since the webhook was saved: never call it, and say why
            return 1, None, exc.detail
        if address is None:
            return 1, None, f"{urlsplit(url).hostname!r} does not resolve"
        retrying = Retrying(
            stop=stop_after_attempt(self.tries),
            wait=wait_exponential(multiplier=self.wait_seconds, max=30 * self.wait_seconds),
            retry=retry_if_exception_type((_Retryable, httpx.TransportError)),
            reraise=True,
        )
        tries = 0
        try:
            for attempt in retrying:
                with attempt:
                    tries += 1
                    status = self._post(url, payload, headers, address)
                    if status == 429 or status >= 500:
                        raise _Retryable(f"HTTP {status}")
                    return tries, status, None if status < 300 else f"HTTP {status}"
        except _Retryable as exc:
            return tries, None, str(exc)
        except httpx.HTTPError as exc:
            return tries, None, f"{type(exc).__name__}: {exc}"
        return tries, None, "not sent"  # pragma: no cover - tenacity either returns or raises

    def _finish(self, delivery_id: str, tries: int, status: int | None, error: str | None, now: datetime) -> None:
        with self._catalog.transaction() as session:
            row = session.get(WebhookDeliveryRow, delivery_id)
            if row is None:  # the webhook was deleted meanwhile
                return
            row.attempts += tries
            row.last_status_code, row.last_error = status, error
            if error is None:
                row.status, row.delivered_at = DeliveryStatus.DELIVERED, now
            elif row.attempts >= MAX_ATTEMPTS or (status is not None and status < 500):
                row.status = DeliveryStatus.FAILED  # a 4xx will not get better by retrying
                log.warning("webhook delivery %s failed for good: %s", delivery_id, error)
            else:
                row.next_attempt_at = now + backoff(row.attempts)

    # -- internals -------------------------------------------------------------------------------
    def _manageable(self, session: Session, actor: Principal, domain: str | None) -> DomainRow | None:
        if domain is None:
            if not actor.is_platform_admin:
                raise Forbidden("Only platform admins can configure platform-wide webhooks; name your domain")
            return None
        row = find_domain_row(session, domain)
        if row is None:
            raise invalid("domain", f"there is no domain {domain!r}")
        resource = Resource(kind="domain", name=row.name, domain_id=row.id, visible=True)
        if not self._authz.can(actor, Action.POLICIES_MANAGE, resource, session):
            raise Forbidden(f"Only Admins of domain {row.name!r} can configure its webhooks")
        return row

    def _load(self, session: Session, actor: Principal, webhook_id: str) -> WebhookRow:
        row = session.get(WebhookRow, webhook_id)
        if row is None:
            raise NotFound(f"Webhook {webhook_id!r} not found")
        if actor.is_platform_admin:
            return row
        resource = Resource(kind="webhook", name=webhook_id, domain_id=row.domain_id)
        if row.domain_id is None or not self._authz.can(actor, Action.POLICIES_MANAGE, resource, session):
            raise NotFound(f"Webhook {webhook_id!r} not found")
        return row


def backoff(attempts: int) -> timedelta:
    """1, 2, 4... minutes between later turns, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _http_post(url: str, body: bytes, headers: dict[str, str], address: str) -> int:
    """POST to `address`, the IP that was checked, never resolving the host again; the URL's host stays in the
    Host header and in TLS (SNI and certificate check), so virtual hosts and HTTPS work as with the name."""
    import httpx

    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    pinned = parts._replace(netloc=f"{literal}:{parts.port}" if parts.port else literal).geturl()
    host = parts.netloc.rpartition("@")[2]
    with httpx.Client(timeout=5.0, follow_redirects=False, trust_env=False) as client:
        response = client.post(
            pinned, content=body, headers={**headers, "Host": host}, extensions={"sni_hostname": parts.hostname}
        )
    return response.status_code


def _with_slugs(session: Session, rows: Iterable[WebhookRow]) -> list[tuple[WebhookRow, str | None]]:
    """Each webhook with its domain's slug (None: platform-wide, or its domain is gone)."""
    hooks = list(rows)
    slugs = domain_slugs_of(session, {hook.domain_id for hook in hooks if hook.domain_id})
    return [(hook, slugs.get(hook.domain_id) if hook.domain_id else None) for hook in hooks]


def _body(event: OutboxRow) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "domain": event.domain,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "payload": event.payload,
    }


def _webhook(row: WebhookRow, domain: str | None) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        domain=domain,
        events=list(row.events),
        description=row.description,
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _delivery(row: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )
