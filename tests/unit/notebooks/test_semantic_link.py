"""The seed's `fabric.evaluate_dax` call, verbatim but for its import, and semantic link's listing calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import lakemesh.fabric
from lakemesh.core.errors import NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.notebooks.conftest import seed_block


def evaluate_dax_block() -> str:
    code = seed_block("import sempy.fabric as fabric", "workspace=")
    code += ")\n"
    assert code.count("import sempy.fabric as fabric") == 1
    return code.replace("import sempy.fabric as fabric", "import lakemesh.fabric as fabric")


@pytest.fixture
def connected(demo_mesh: Mesh) -> Iterator[Mesh]:
    lakemesh.fabric.connect(demo_mesh)
    yield demo_mesh
    lakemesh.fabric.connect(None)


def test_the_seeds_evaluate_dax_returns_one_row_per_segment(connected: Mesh) -> None:
    scope: dict[str, Any] = {}
    exec(compile(evaluate_dax_block(), "seed-semantic-link", "exec"), scope)
    frame = scope["df"]
    assert list(frame.columns) == ["Customers[Segment]"]
    assert sorted(frame["Customers[Segment]"]) == ["Consumer", "Enterprise", "SMB"]


def test_listing_calls_answer_in_semantic_links_shapes(connected: Mesh) -> None:
    datasets = lakemesh.fabric.list_datasets("Sales-Domain")
    assert list(datasets["Dataset Name"]) == ["Customer Analytics"]
    measures = lakemesh.fabric.list_measures("Customer Analytics")
    assert {"Table Name", "Measure Name", "Measure Expression"} <= set(measures.columns)
    assert "Total Lifetime Value" in set(measures["Measure Name"])
    table = lakemesh.fabric.read_table("Customer Analytics", "Customers", workspace="Sales")
    assert "Segment" in table.columns and len(table) > 0


def test_a_stranger_cannot_see_the_dataset(connected: Mesh) -> None:
    lakemesh.fabric.connect(user(connected, "stranger@company.com"))
    assert lakemesh.fabric.list_datasets("Sales").empty
    with pytest.raises(NotFound):
        lakemesh.fabric.evaluate_dax("Customer Analytics", "EVALUATE Customers", workspace="Sales-Domain")
