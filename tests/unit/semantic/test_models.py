"""Model documents: validation against bound tables, versions, sharing, masking and hostile input."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import grant_to
from tests.unit.semantic.conftest import World, model_document


def _invalid(mesh: Mesh, document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        mesh.put_semantic_model("Sales", document)
    return [f"{'.'.join(str(p) for p in e.loc)}: {e.message}" for e in caught.value.errors]


def test_a_saved_model_lists_tables_measures_and_sources(world: World) -> None:
    model = world.owner.get_semantic_model("Sales-Domain", "customer-analytics")
    assert model.qualified_name == "sales/customer-analytics" and model.version == "1.0.0"
    assert model.tables == ["Customers", "Orders"]
    assert "Total Lifetime Value" in model.measures
    assert model.sources == ["sales/customer-360", "sales.sales_lakehouse.silver_orders"]
    assert [m.qualified_name for m in world.owner.list_semantic_models("Sales")] == ["sales/customer-analytics"]


def test_changes_make_versions_and_removals_are_breaking(world: World) -> None:
    document = model_document()
    assert world.owner.put_semantic_model("Sales", document).version == "1.0.0"  # unchanged: no new version
    document["measures"].append({"name": "Max LTV", "expression": "MAX(Customers[Lifetime Value])"})
    assert world.owner.put_semantic_model("Sales", document).version == "1.1.0"
    document["measures"] = [m for m in document["measures"] if m["name"] != "Customers"]
    document["measures"] = [m for m in document["measures"] if "[Customers]" not in m["expression"]]
    assert world.owner.put_semantic_model("Sales", document).version == "2.0.0"
    versions = world.owner.semantic_model_versions("Sales", "Customer Analytics")
    assert [v.version for v in versions] == ["2.0.0", "1.1.0", "1.0.0"]
    assert versions[0].breaking and "removed measure customers" in versions[0].changes


def test_unknown_columns_tables_and_measures_are_each_reported(world: World) -> None:
    document = model_document()
    document["tables"][0]["columns"].append({"name": "Shoe Size", "source": "shoe_size"})
    document["relationships"].append({"from": "Orders[nope]", "to": "Customers[Segment]"})
    document["measures"].append({"name": "Worse", "expression": "SUM(Customers[Segment]"})
    errors = _invalid(world.owner, document)
    assert any("the source has no column 'shoe_size'" in e for e in errors)
    assert any(e.startswith("relationships.1.from") for e in errors)
    assert any(e.startswith("measures.6.expression") and "ends too early" in e for e in errors)
    document = model_document()
    document["measures"].append({"name": "Bad", "expression": "SUM(Customers[Nope])"})
    assert _invalid(world.owner, document) == [
        "measures.6.expression: unknown column Customers[Nope] at line 1, column 5"
    ]


def test_recursion_between_measures_is_refused(world: World) -> None:
    document = model_document()
    document["measures"] += [
        {"name": "A", "expression": "[B] + 1"},
        {"name": "B", "expression": "[A] * 2"},
    ]
    errors = _invalid(world.owner, document)
    assert any("loop ([A] → [B] → [A])" in e for e in errors)


def test_a_table_the_author_cannot_read_is_refused_like_a_missing_one(world: World) -> None:
    world.admin.create_lakehouse("Marketing", "marketing_lakehouse")
    world.admin.write_table("Marketing", "marketing_lakehouse", "secret", world.admin.sql("SELECT 1 AS x"))
    world.admin.add_member("Sales", "marketing-analyst@company.com", "Contributor")
    document = model_document()
    document["tables"].append({"name": "Secret", "source": {"table": "marketing.marketing_lakehouse.secret"}})
    hidden = _invalid(world.owner, document)
    document["tables"][-1]["source"]["table"] = "marketing.marketing_lakehouse.missing"
    missing = _invalid(world.owner, document)
    assert hidden == [m.replace("missing", "secret") for m in missing]
    assert "no table 'marketing.marketing_lakehouse.secret' that you can read" in hidden[0]


def test_writers_only(world: World) -> None:
    with pytest.raises(Forbidden):  # domains are visible to everyone; writing needs a role
        world.outsider.put_semantic_model("Sales", model_document())
    world.admin.add_member("Sales", "outsider@company.com", "Viewer")
    with pytest.raises(Forbidden):
        world.outsider.put_semantic_model("Sales", model_document())


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "a/b"},
        {"tables": []},
        {"tables": [{"name": "Bad]Name", "source": {"product": "sales/customer-360"}}]},
        {"tables": [{"name": "T", "source": {"table": "../../etc.passwd"}}]},
        {"tables": [{"name": "T", "source": {}}]},
        {"surprise": True},
    ],
)
def test_malformed_documents_are_422(world: World, change: dict[str, Any]) -> None:
    document = copy.deepcopy(model_document()) | change
    with pytest.raises(InvalidInput):
        world.owner.put_semantic_model("Sales", document)


def test_a_principal_without_a_grant_gets_404_for_the_model(world: World) -> None:
    for mesh in (world.analyst, world.outsider):
        with pytest.raises(NotFound):
            mesh.get_semantic_model("Sales", "Customer Analytics")
        with pytest.raises(NotFound):
            mesh.evaluate_dax("Customer Analytics", "EVALUATE VALUES(Customers[Segment])", workspace="Sales")
        assert mesh.list_semantic_models() == []


def test_grants_on_every_source_share_the_model_and_masks_apply(world: World) -> None:
    document = model_document()
    document["tables"] = document["tables"][:1]
    document["relationships"], document["measures"] = [], document["measures"][:3]
    document["name"] = "Customers Only"
    world.owner.put_semantic_model("Sales", document)
    grant_to(world, world.analyst)  # type: ignore[arg-type]
    assert [m.name for m in world.analyst.list_semantic_models()] == ["Customers Only"]
    frame = world.analyst.evaluate_dax(
        "Customers Only", 'EVALUATE FILTER(Customers, Customers[Segment] = "SMB")', workspace="Sales-Domain"
    )
    assert len(frame) == 2
    assert all("***" in e for e in frame["Customers[Email]"])  # Confidential: masked for another domain
    with pytest.raises(NotFound):  # Orders is a Sales table without a grant: that model stays hidden
        world.analyst.get_semantic_model("Sales", "Customer Analytics")
