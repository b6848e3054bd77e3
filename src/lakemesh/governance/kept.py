"""The whole mesh as subjects, kept between catalog changes: council dry-runs, scheduled evaluations and compliance
reports read it again and again, and loading it (100k columns) is most of what they cost.

Every catalog change writes an outbox event, so the snapshot is kept until the next event that can change a
subject (`catalog_version`). After a change, only the domains named by the new events are loaded again, when
every one of them is a table, product or lakehouse event (those change their own domain's subjects only); any
other event (a domain renamed or deleted, a glossary term, a classification...) loads the whole mesh again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lakemesh.catalog.db import WROTE_EVENTS
from lakemesh.catalog.outbox import catalog_version, late_window_events, late_window_ids
from lakemesh.domains.service import domain_ids_of
from lakemesh.governance.snapshot import SNAPSHOT_TABLES, Snapshot

Loader = Callable[[Session, Collection[str] | None], Snapshot]
# Events that never change a domain, lakehouse, table, column, product or glossary link: governance's own
# (council proposals, votes and cases, violation notifications; a case's actions write their own events), policy
# changes (rules are read apart from the snapshot), tokens, webhooks and the masking policy. A dry-run after them
# reuses the snapshot.
NO_SUBJECT_CHANGE = ("governance.", "policy.", "token.", "webhook.", "masking.")
ONE_DOMAIN = ("table.", "product.", "lakehouse.")  # events that change their own domain's subjects only
MAX_EVENTS = 500  # past this many changes, loading the whole mesh is simpler and not slower


@dataclass(frozen=True)
class _Kept:
    version: tuple[int, int]
    seen: frozenset[int]  # the ids of the events in the late window the snapshot was loaded after
    snapshot: Snapshot


class KeptSnapshot:
    def __init__(self, load: Loader) -> None:
        self._load = load
        self._kept: _Kept | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> Snapshot:
        """The snapshot as of `session`. A transaction that has changed the catalog sees state that may yet roll
        back: it gets a snapshot of its own, which is not kept."""
        if _changes_catalog(session):
            return self._load(session, None)
        version = catalog_version(session, ignoring=NO_SUBJECT_CHANGE)
        with self._lock:
            kept = self._kept
        if kept is not None and kept.version == version:
            return kept.snapshot
        # What the snapshot is loaded after is read before it: an event committed in between is loaded already
        # and, not being in `seen`, only makes the next reader load its domain again.
        seen = late_window_ids(session, version[0], ignoring=NO_SUBJECT_CHANGE)
        snapshot = self._refreshed(session, kept) if kept is not None else None
        if snapshot is None:
            snapshot = self._load(session, None)
        with self._lock:
            self._kept = _Kept(version, seen, snapshot)
        return snapshot

    def _refreshed(self, session: Session, kept: _Kept) -> Snapshot | None:
        """The kept snapshot with the domains changed since loaded again, or None to load the whole mesh."""
        limit = len(kept.seen) + MAX_EVENTS + 1
        events = late_window_events(session, kept.version[0], ignoring=NO_SUBJECT_CHANGE, limit=limit)
        new = [e for e in events if e.id not in kept.seen]
        if not new or len(new) > MAX_EVENTS or len(events) > len(kept.seen) + MAX_EVENTS:
            return None
        if any(e.domain is None or not e.type.startswith(ONE_DOMAIN) for e in new):
            return None
        slugs = {str(e.domain) for e in new}
        ids = domain_ids_of(session, slugs)
        if len(ids) != len(slugs) or any(i not in kept.snapshot.domains for i in ids):
            return None  # a domain renamed, gone or new since: domain events load the whole mesh anyway
        fresh = self._load(session, ids)
        if set(fresh.domains) != set(ids):
            return None
        old = kept.snapshot
        return Snapshot(
            domains={d: fresh.domains.get(d, ref) for d, ref in old.domains.items()},
            by_domain={d: fresh.by_domain.get(d, subjects) for d, subjects in old.by_domain.items()},
        )


def _changes_catalog(session: Session) -> bool:
    """Whether the transaction has journaled a change, or holds changed rows of what a snapshot reads (a council
    edit's own proposal row is no reason to load the whole mesh again)."""
    pending = (*session.new, *session.dirty, *session.deleted)
    return bool(session.info.get(WROTE_EVENTS)) or any(
        getattr(o, "__tablename__", None) in SNAPSHOT_TABLES for o in pending
    )
