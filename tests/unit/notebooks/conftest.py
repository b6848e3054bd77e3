"""The demo mesh plus a `lakehouse` lakehouse in Sales holding Customer 360 with a known number of bad rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.settings import Settings
from lakemesh.demo import data as demodata
from lakemesh.demo import load_demo
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from lakemesh.spark import SparkSession
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database

ROWS = 10_000
NULL_IDS, NEGATIVE_VALUES, NULL_VALUES, BAD_CHURN, STALE = 5, 3, 4, 2, 100


def seed_text() -> str:
    """The seed document as the user gave it (tests/seed_guide.txt is a verbatim copy of shared/seed/)."""
    return (Path(__file__).parents[2] / "seed_guide.txt").read_text()


def seed_block(start: str, end: str) -> str:
    """The seed's code from the line starting `start` through the line containing `end`, verbatim."""
    text = seed_text()
    first = text.index(start)
    last = text.index(end, first)
    return text[first : text.index("\n", last) + 1]


def customers_with_bad_rows(now: datetime) -> pa.Table:
    """Customer 360 rows where each seed rule fails on a known number of rows (NULLs fail, as in PySpark)."""
    rows = demodata.customer_360(ROWS, now=now).to_pylist()
    for i in range(NULL_IDS):
        rows[i]["customer_id"] = None
    for i in range(10, 10 + NEGATIVE_VALUES):
        rows[i]["lifetime_value"] = Decimal("-1.00")
    for i in range(20, 20 + NULL_VALUES):
        rows[i]["lifetime_value"] = None
    for i in range(30, 30 + BAD_CHURN):
        rows[i]["churn_risk"] = Decimal("1.5000")
    for i in range(100, 100 + STALE):
        rows[i]["last_updated"] = now - timedelta(hours=48)
    return pa.Table.from_pylist(rows, schema=pa.schema([f.with_nullable(True) for f in demodata.CUSTOMER_360]))


@pytest.fixture(scope="module")
def demo_mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mesh]:
    catalog_url = create_pg_database(PG_BASE, "lakemesh_notebooks", migrated=True) if PG_BASE else None
    settings = Settings(home=tmp_path_factory.mktemp("notebooks") / "home", catalog_url=catalog_url, data_root=None)
    platform = Platform(settings)
    platform.initialize()
    load_demo(platform, say=lambda _: None)
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_lakehouse("Sales", "lakehouse")
    mesh.write_table("Sales", "lakehouse", "gold_customer_360", customers_with_bad_rows(datetime.now(UTC)))
    yield mesh
    platform.close()
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture
def spark(demo_mesh: Mesh) -> Iterator[SparkSession]:
    """The session a Fabric notebook has attached: Sales, default lakehouse `lakehouse`."""
    session = SparkSession.builder.connect(demo_mesh).config("lakemesh.domain", "Sales").getOrCreate()
    yield session
    session.stop()  # the session does not own the mesh: the platform stays open for the module's other tests
