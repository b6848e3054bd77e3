"""What a user does with dlt and Lakemesh, written once and run against a home and against a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources.rest_api import rest_api_source
from dlt.sources.sql_database import sql_database

from lakemesh.mesh import Mesh
from lakemesh.sdk.client import RemoteMesh
from tests.unit.dlt.sources import json_api, sqlite_customers

AnyMesh = Mesh | RemoteMesh
ROWS = [(1, "Ada", 10.0), (2, "Grace", 20.0), (3, "Linus", 30.0)]
CONTRACT_PRODUCT: dict[str, Any] = {
    "name": "Customers",
    "domain": "Sales",
    "owner": "admin",
    "contract": {"schema": {"id": {"type": "integer", "required": True}, "amount": {"type": "double", "minimum": 0}}},
    "storage": {"type": "lakehouse_table", "lakehouse": "raw", "table": "customers"},
}


def pipeline(name: str, destination: Any) -> Any:
    return dlt.pipeline(pipeline_name=name, destination=destination)


def load_id_of(info: Any) -> str:
    (load_id,) = info.loads_ids
    return str(load_id)


def sql_then_merge(mesh: AnyMesh, destination: Any, url: str, source_db: Any) -> None:
    """A database table loads, then a `merge` run updates changed rows in place and adds new ones."""
    source_db(ROWS)
    p = pipeline("crm", destination)
    first = p.run(sql_database(url, backend="pyarrow").with_resources("customers"))
    table = mesh.read_table("Sales", "raw", "customers").sort_by("id")
    assert table.column("name").to_pylist() == ["Ada", "Grace", "Linus"]

    source_db([(1, "Ada", 10.0), (2, "Grace Hopper", 25.0), (3, "Linus", 30.0), (4, "Barbara", 40.0)])
    source = sql_database(url, backend="pyarrow").with_resources("customers")
    source.customers.apply_hints(write_disposition="merge", primary_key="id")
    second = p.run(source)
    table = mesh.read_table("Sales", "raw", "customers").sort_by("id")
    assert table.column("name").to_pylist() == ["Ada", "Grace Hopper", "Linus", "Barbara"]
    assert table.column("amount").to_pylist() == [10.0, 25.0, 30.0, 40.0]

    history = mesh.table_history("Sales", "raw", "customers")
    assert history[0].operation == "MERGE"
    assert history[0].metadata == {"dlt.load_id": load_id_of(second), "dlt.pipeline": "crm"}
    assert history[-1].metadata["dlt.load_id"] == load_id_of(first)

    graph = mesh.lineage_graph("table:sales.raw.customers", direction="upstream")
    assert "job:sales/dlt.crm" in {n.id for n in graph.nodes}
    assert any(e.source == "dataset:dlt.crm/customers" and e.target == "job:sales/dlt.crm" for e in graph.edges)


def rest_api_with_new_column(mesh: AnyMesh, destination: Any) -> None:
    """A JSON API loads through dlt's rest_api source; a later page with a new field evolves the table."""
    pages = {"/orders": [{"order_id": 1, "total": 9.5}, {"order_id": 2, "total": 12.0}]}
    with json_api(pages) as base:
        config: Any = {
            "client": {"base_url": base, "paginator": "single_page"},
            "resources": [{"name": "orders", "endpoint": {"path": "orders"}, "primary_key": "order_id"}],
        }
        p = pipeline("shop", destination)
        p.run(rest_api_source(config))
        pages["/orders"] = [{"order_id": 3, "total": 1.0, "coupon": "XMAS"}]
        p.run(rest_api_source(config))
    table = mesh.read_table("Sales", "raw", "orders").sort_by("order_id")
    assert table.column("order_id").to_pylist() == [1, 2, 3]
    assert table.column("coupon").to_pylist() == [None, None, "XMAS"]


def contract_breaking_batch_fails(mesh: AnyMesh, destination: Any, tmp: Path) -> None:
    """A batch the product's contract refuses fails the load with Lakemesh's words; the table keeps its version."""
    url = sqlite_customers(tmp / "crm.db", ROWS)
    p = pipeline("crm_contract", destination)
    p.run(sql_database(url, backend="pyarrow").with_resources("customers"))
    mesh.create_product(CONTRACT_PRODUCT)
    mesh.publish_product("Sales", "Customers")
    before = mesh.get_table("Sales", "raw", "customers").version

    sqlite_customers(tmp / "crm.db", [*ROWS, (4, "Mallory", -5.0)])
    with pytest.raises(PipelineStepFailed) as failed:
        p.run(sql_database(url, backend="pyarrow").with_resources("customers"))
    message = str(failed.value)
    assert "Lakemesh refused the batch for table 'customers'" in message
    assert "at least 0" in message and "last good version" in message
    after = mesh.get_table("Sales", "raw", "customers")
    assert after.version == before and after.row_count == 3
    graph = mesh.lineage_graph("job:sales/dlt.crm_contract")
    assert graph.nodes


def path_like_resource_is_refused(mesh: AnyMesh, destination: Any) -> None:
    @dlt.resource(name="../escape")
    def escape() -> Any:
        yield [{"a": 1}]

    with pytest.raises(PipelineStepFailed) as failed:
        pipeline("escape", destination).run(escape())
    assert "The dlt resource name '../escape' looks like a path" in str(failed.value)
    assert [t.name for t in mesh.list_tables("Sales", "raw")] == []
