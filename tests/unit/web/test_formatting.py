"""Formatting in the user's words (30.12): contract types, separators, no microseconds, plain cron, plurals,
policy warnings as warnings, full lineage names."""

from __future__ import annotations

from datetime import UTC, datetime

from lakemesh.lineage.models import GraphEdge, GraphNode, LineageGraph
from lakemesh.pipelines.runner import level_of
from lakemesh.web.formatting import contract_type, cron_words, number, plural, when
from lakemesh.web.lineage_svg import lineage_svg


def test_arrow_type_names_become_the_contract_vocabulary() -> None:
    assert contract_type("date32[day]") == "date"
    assert contract_type("timestamp[us, tz=UTC]") == "timestamp"
    assert contract_type("decimal128(18, 2)") == "decimal(18,2)"
    assert contract_type("int64") == "integer" and contract_type("large_string") == "string"


def test_numbers_times_plurals_and_schedules() -> None:
    assert number(1234567) == "1,234,567" and number(None) == ""
    assert when(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02 03:04:05"
    assert plural(1, "attempt") == "1 attempt" and plural(3, "attempt") == "3 attempts"
    assert cron_words("0 * * * *") == "hourly at :00"
    assert cron_words("30 6 * * *") == "daily at 06:30 UTC"
    assert cron_words("0 6 * * 1") == "every Monday at 06:00 UTC"
    assert cron_words("*/5 * * * *") == ""


def test_a_step_warning_is_logged_as_a_warning() -> None:
    assert level_of("warning: policy 'described' would be violated") == (
        "warning",
        "policy 'described' would be violated",
    )
    assert level_of("wrote 3 rows") == ("info", "wrote 3 rows")


def test_lineage_node_names_are_never_truncated() -> None:
    long = "sales.sales_lakehouse.gold_customer_360_with_a_very_long_name"
    nodes = [
        GraphNode(id=f"table:{long}", kind="table", name=long),
        GraphNode(id="product:s/p", kind="product", name="P"),
    ]
    graph = LineageGraph(
        root="product:s/p",
        direction="both",
        depth=3,
        nodes=nodes,
        edges=[GraphEdge(source=f"table:{long}", target="product:s/p", kind="feeds")],
    )
    svg = str(lineage_svg(graph))
    assert f">{long}</text>" in svg and "…" not in svg
