"""The DAX subset through the in-process Mesh: the seed's call, measures, table functions and the JSON form."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import InvalidInput
from tests.unit.semantic.conftest import World

SEED = "EVALUATE SUMMARIZE(Customers, Customers[Segment])"


def test_the_seeds_evaluate_dax_returns_one_row_per_segment(world: World) -> None:
    frame = world.owner.evaluate_dax(dataset="Customer Analytics", dax_string=SEED, workspace="Sales-Domain")
    assert list(frame.columns) == ["Customers[Segment]"]
    assert sorted(frame["Customers[Segment]"]) == ["Consumer", "Enterprise", "SMB"]


def test_workspace_may_be_left_out_when_the_name_is_unique(world: World) -> None:
    frame = world.owner.evaluate_dax("Customer Analytics", SEED)
    assert len(frame) == 3


def test_summarizecolumns_with_measures_and_order_by(world: World) -> None:
    dax = """
    EVALUATE SUMMARIZECOLUMNS(
        Customers[Segment],
        "LTV", [Total Lifetime Value], "Customers", [Customers], "Avg", [Average Lifetime Value]
    )
    ORDER BY [LTV] DESC
    """
    frame = world.owner.evaluate_dax("Customer Analytics", dax, workspace="Sales")
    assert list(frame.columns) == ["Customers[Segment]", "[LTV]", "[Customers]", "[Avg]"]
    assert frame["Customers[Segment]"].tolist() == ["Enterprise", "SMB", "Consumer"]
    assert frame["[LTV]"].tolist() == pytest.approx([1000.0, 260.5, 75.0])
    assert frame["[Customers]"].tolist() == [2, 2, 2]
    assert frame["[Avg]"].tolist() == pytest.approx([500.0, 130.25, 37.5])


def test_calculate_filter_topn_and_addcolumns(world: World) -> None:
    dax = 'EVALUATE TOPN(1, ADDCOLUMNS(VALUES(Customers[Segment]), "Risky", [At-Risk Customers]), [Risky], DESC)'
    frame = world.owner.evaluate_dax("Customer Analytics", dax, workspace="Sales")
    assert frame.to_dict(orient="records") == [{"Customers[Segment]": "Consumer", "[Risky]": 1}]


def test_filter_and_calculatetable_restrict_rows(world: World) -> None:
    filtered = world.owner.evaluate_dax(
        "Customer Analytics", 'EVALUATE FILTER(Customers, Customers[Segment] = "SMB")', workspace="Sales"
    )
    assert len(filtered) == 2 and "Customers[Customer ID]" not in filtered.columns  # hidden column
    calculated = world.owner.evaluate_dax(
        "Customer Analytics",
        'EVALUATE CALCULATETABLE(ROW("N", [Customers]), Customers[Churn Risk] >= 0.4)',
        workspace="Sales",
    )
    assert calculated["[N]"].tolist() == [3]


def test_measures_over_a_related_table_do_not_double_count(world: World) -> None:
    dax = 'EVALUATE SUMMARIZECOLUMNS(Customers[Segment], "Orders", [Order Amount], "N", [Customers])'
    frame = world.owner.evaluate_dax("Customer Analytics", dax, workspace="Sales")
    by_segment = {r["Customers[Segment]"]: (r["[Orders]"], r["[N]"]) for r in frame.to_dict(orient="records")}
    assert by_segment["Enterprise"] == (130.0, 2)
    assert by_segment["SMB"] == (5.0, 2)


def test_define_measure_in_the_query(world: World) -> None:
    dax = 'DEFINE MEASURE Customers[Top] = MAX(Customers[Lifetime Value]) EVALUATE ROW("Top", [Top])'
    assert world.owner.evaluate_dax("Customer Analytics", dax, workspace="Sales")["[Top]"].tolist() == [900.0]


def test_the_json_query_form(world: World) -> None:
    table = world.owner.query_semantic_model(
        "Sales",
        "Customer Analytics",
        dimensions=["Customers[Segment]"],
        measures=["Customers", "[Total Lifetime Value]"],
        filters=[{"column": "Customers[Segment]", "op": "in", "values": ["SMB", "Enterprise"]}],
        order_by=["Customers[Segment]"],
    )
    assert table.column_names == ["Customers[Segment]", "[Customers]", "[Total Lifetime Value]"]
    assert table.column("Customers[Segment]").to_pylist() == ["Enterprise", "SMB"]


@pytest.mark.parametrize(
    ("dax", "fragment"),
    [
        ("EVALUATE SUMMARIZE(Customers, Customers[Segment]", "ends too early"),
        ("EVALUATE Customers[", "line 1, column 19"),
        ("SELECT * FROM Customers", "unexpected 'SELECT' at line 1, column 1"),
        ("EVALUATE Clients", "unknown table 'Clients'"),
        ("EVALUATE VALUES(Customers[Shoe Size])", "unknown column Customers[Shoe Size]"),
        ('EVALUATE ROW("x", [Nope])', "unknown measure [Nope]"),
        ('EVALUATE ROW("x", SUMX(Customers, Customers[Lifetime Value]))', "function SUMX is not supported"),
        ("EVALUATE GENERATE(Customers, Customers)", "function GENERATE is not supported"),
        ('EVALUATE ROW("x", Customers[Segment])', "neither grouped nor aggregated"),
    ],
)
def test_bad_dax_is_a_422_naming_the_construct_and_position(world: World, dax: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.owner.evaluate_dax("Customer Analytics", dax, workspace="Sales")
    assert fragment in str(caught.value)


def test_unsupported_function_reports_its_position(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.owner.evaluate_dax("Customer Analytics", "EVALUATE\n  CROSSJOIN(Customers, Customers)", workspace="Sales")
    assert caught.value.errors[0].extra == {"line": 2, "column": 3}
