"""Web UI tests run on the metrics tests' small mesh (Sales with Customer 360, Marketing, a few people), or on
the full demo mesh (`demo`) when a test covers every demo product."""

from collections.abc import Iterator

import pytest

from lakemesh.core.settings import Settings
from lakemesh.demo import load_demo
from lakemesh.platform import Platform
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.unit.metrics.conftest import clock, mesh, platform

__all__ = ["clock", "demo", "mesh", "platform"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Loading the demo takes tens of seconds, so a module's tests share one, on a catalog of its own (a PostgreSQL
    database of its own on that pass: the per-test emptying of the shared one would undo it)."""
    catalog_url = create_pg_database(PG_BASE, "lakemesh_webdemo", migrated=True) if PG_BASE else None
    settings = Settings(home=tmp_path_factory.mktemp("webdemo") / "home", catalog_url=catalog_url, data_root=None)
    loaded = Platform(settings)
    loaded.initialize()
    load_demo(loaded, say=lambda _: None)
    yield loaded
    loaded.close()
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)
