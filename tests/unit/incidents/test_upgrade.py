"""Upgrading a catalog with history: the new consumers start at the end of the outbox instead of replaying it."""

from __future__ import annotations

from sqlalchemy import func, select

from lakemesh.catalog import migrate
from lakemesh.catalog.outbox import position
from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.core.clock import FrozenClock
from lakemesh.mesh import Mesh
from tests.unit.incidents.test_incidents import break_data
from tests.unit.quality_runs.conftest import PRODUCT


def test_an_upgrade_does_not_open_incidents_for_old_failures(mesh: Mesh, clock: FrozenClock) -> None:
    catalog = mesh.platform.catalog
    migrate.downgrade(catalog, "0014")  # a deployment from before incidents ...
    break_data(mesh, clock)
    mesh.platform.quality.run(mesh.principal, *PRODUCT)  # ... whose history has a failed run
    migrate.upgrade(catalog)
    with catalog.read() as session:
        newest = session.scalar(select(func.max(OutboxRow.id)))
    assert position(catalog, "incidents") == newest and position(catalog, "subscriptions") == newest
    mesh.platform.incidents.catch_up()
    assert mesh.list_incidents(*PRODUCT, state="all") == []
