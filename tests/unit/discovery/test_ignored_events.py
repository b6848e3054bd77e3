"""Writes whose events the search index ignores (a principal created, over SCIM or not) do not wait for the
index, which costs a transaction per write; the index still moves past them, and indexed writes stay searchable
the moment they return."""

from __future__ import annotations

from sqlalchemy import func, select

from lakemesh.catalog.outbox import position
from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.discovery.state import CONSUMER
from lakemesh.incidents.service import CONSUMER as INCIDENTS
from lakemesh.mesh import Mesh


def _newest_event(mesh: Mesh) -> int:
    with mesh.platform.catalog.read() as session:
        return int(session.scalar(select(func.max(OutboxRow.id))) or 0)


def test_an_ignored_write_leaves_the_index_alone_and_the_next_indexed_write_is_searchable_at_once(mesh: Mesh) -> None:
    catalog = mesh.platform.catalog
    indexed, reacted = position(catalog, CONSUMER), position(catalog, INCIDENTS)
    for n in range(3):
        mesh.create_principal(f"new-hire-{n}@company.com")
    assert _newest_event(mesh) > indexed
    # Neither after-commit consumer ran a transaction for these writes.
    assert (position(catalog, CONSUMER), position(catalog, INCIDENTS)) == (indexed, reacted)
    assert mesh.search("zeppelin").total == 0

    mesh.update_product("Marketing", "Segment Targets", description="Quarterly zeppelin plans.")
    assert [h.name for h in mesh.search("zeppelin")] == ["Segment Targets"]
    assert position(catalog, CONSUMER) == _newest_event(mesh)  # past the ignored events too


def test_the_index_job_moves_past_ignored_events_without_indexing_them(mesh: Mesh) -> None:
    catalog = mesh.platform.catalog
    mesh.create_principal("contractor@company.com")
    assert position(catalog, CONSUMER) < _newest_event(mesh)
    assert mesh.platform.discovery.catch_up() == 0  # nothing to index...
    assert position(catalog, CONSUMER) == _newest_event(mesh)  # ...and the position has caught up
    assert mesh.platform.incidents.catch_up() == 0
    assert position(catalog, INCIDENTS) == _newest_event(mesh)
    assert [h.name for h in mesh.search("customer 360")][:1] == ["Customer 360"]
