"""dlt pipelines load into a Lakemesh home through the write path: SQLite, PostgreSQL and a JSON API as sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from sqlalchemy import create_engine

import lakemesh.dlt
from lakemesh.mesh import Mesh
from tests.conftest import create_pg_database, drop_pg_database
from tests.unit.dlt import scenarios
from tests.unit.dlt.sources import PG_URL, postgres_customers, sqlite_customers


@pytest.fixture
def source_pg() -> Iterator[str]:
    """A PostgreSQL database of our own on the loopback server, as dlt's source."""
    try:
        create_engine(PG_URL).connect().close()
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {PG_URL}: {exc}")
    url = create_pg_database(PG_URL, "dlt_source")
    yield url
    drop_pg_database(PG_URL, url)


def test_sqlite_source_loads_then_merges_with_history_and_lineage(sales: Mesh, tmp_path: Path) -> None:
    destination = lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=sales)
    db = tmp_path / "crm.db"
    scenarios.sql_then_merge(sales, destination, f"sqlite:///{db}", lambda rows: sqlite_customers(db, rows))


def test_postgres_source_loads_then_merges(sales: Mesh, source_pg: str) -> None:
    destination = lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=sales)
    scenarios.sql_then_merge(sales, destination, source_pg, lambda rows: postgres_customers(source_pg, rows))


def test_rest_api_source_loads_and_evolves(sales: Mesh) -> None:
    scenarios.rest_api_with_new_column(sales, lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=sales))


def test_contract_breaking_batch_fails_the_load_and_keeps_the_last_good_version(sales: Mesh, tmp_path: Path) -> None:
    destination = lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=sales)
    scenarios.contract_breaking_batch_fails(sales, destination, tmp_path)


def test_a_resource_named_like_a_path_is_refused(sales: Mesh) -> None:
    scenarios.path_like_resource_is_refused(
        sales, lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=sales)
    )


def test_home_given_by_path(tmp_path: Path) -> None:
    """`home=` opens the home in-process, as the local admin."""
    home = tmp_path / "home"
    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "raw")
    db = tmp_path / "crm.db"
    destination = lakemesh.dlt.destination(domain="Sales", lakehouse="raw", home=home)
    scenarios.pipeline("home", destination).run(
        scenarios.sql_database(sqlite_customers(db, scenarios.ROWS), backend="pyarrow")
    )
    with Mesh.open(home) as mesh:
        assert mesh.get_table("Sales", "raw", "customers").row_count == 3


def test_a_lakehouse_that_does_not_exist_fails_the_load_clearly(sales: Mesh) -> None:
    @dlt.resource(name="orders")
    def orders() -> Any:
        yield [{"order_id": 1}]

    destination = lakemesh.dlt.destination(domain="Nowhere", lakehouse="raw", mesh=sales)
    with pytest.raises(PipelineStepFailed) as failed:
        scenarios.pipeline("nowhere", destination).run(orders())
    assert "Lakemesh refused the batch for table 'orders'" in str(failed.value)
    assert "NotFound (404)" in str(failed.value)
