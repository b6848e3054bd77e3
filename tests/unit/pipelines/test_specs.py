"""Applying specs: versions, template behaviours, and every kind of bad spec refused with a 422."""

from __future__ import annotations

from typing import Any

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.mesh import Mesh
from lakemesh.pipelines.sources import UrlAllowList
from tests.unit.pipelines.conftest import ingest_and_transform


def messages(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.message for e in exc.value.errors]


def test_apply_versions_only_changed_specs_and_the_template_turns_on_its_behaviours(sales: Mesh) -> None:
    first = sales.apply_pipeline("Sales", ingest_and_transform())
    assert first.version == 1 and first.template == "ingestion-pipeline-template"
    assert first.behaviour.retry.max_attempts == 3 and first.behaviour.alerting is not None
    assert first.behaviour.lineage is not None and first.behaviour.logging is True
    assert sales.apply_pipeline("Sales", ingest_and_transform()).version == 1  # unchanged: no new version
    changed = ingest_and_transform()
    changed["description"] = "daily orders"
    assert sales.apply_pipeline("Sales", changed).version == 2
    assert [v.version for v in sales.pipeline_versions("Sales", "orders")] == [2, 1]
    bare = {**ingest_and_transform("bare"), "template": None}
    assert sales.apply_pipeline("Sales", bare).behaviour.retry.max_attempts == 1


def test_a_cycle_between_steps_is_refused(sales: Mesh) -> None:
    spec = ingest_and_transform()
    spec["steps"][0]["depends_on"] = ["silver"]  # type: ignore[index]
    with pytest.raises(InvalidInput) as exc:
        sales.apply_pipeline("Sales", spec)
    assert any("cycle between steps" in m for m in messages(exc))


def test_unknown_tables_steps_functions_and_products_are_one_422(sales: Mesh) -> None:
    spec: dict[str, Any] = {
        "name": "broken",
        "lakehouse": "sales_lakehouse",
        "schedule": "every day",
        "steps": [
            {"name": "a", "type": "sql", "sql": "select * from no_such_table", "target": {"table": "silver_a"}},
            {"name": "b", "type": "python", "function": "nope", "depends_on": ["zzz"]},
            {"name": "c", "type": "quality", "product": "Nothing Here"},
            {"name": "d", "type": "sql", "sql": "drop table silver_a", "target": {"table": "silver_d"}},
        ],
    }
    with pytest.raises(InvalidInput) as exc:
        sales.apply_pipeline("Sales", spec)
    found = messages(exc)
    assert "unknown table sales.sales_lakehouse.no_such_table" in found
    assert "no step named 'zzz'" in found
    assert "no Python step registered as 'nope'" in found
    assert "unknown data product 'Nothing Here'" in found
    assert any("cron" in m for m in found)
    assert any("DROP" in m for m in found)
    assert sales.list_pipelines("Sales") == []


def test_a_table_written_by_an_earlier_step_may_be_read_by_a_later_one(sales: Mesh) -> None:
    spec = ingest_and_transform()
    spec["steps"].reverse()  # type: ignore[attr-defined]
    spec["steps"][0]["depends_on"] = []  # type: ignore[index]
    spec["steps"][1]["depends_on"] = []  # type: ignore[index]
    pipeline = sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", pipeline.name)
    assert [s.name for s in run.steps] == ["ingest", "silver"] and run.state == "succeeded"


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("https://evil.example.org/data.csv", "not on the pipeline URL allow-list"),
        ("file:///etc/passwd", "only http and https URLs"),
        ("http://127.0.0.1:8484/api/v1/tokens.csv", "not on the pipeline URL allow-list"),
    ],
)
def test_url_ingest_outside_the_allow_list_is_refused(sales: Mesh, url: str, refusal: str) -> None:
    spec = {
        "name": "remote",
        "lakehouse": "sales_lakehouse",
        "steps": [{"name": "get", "type": "ingest", "source": {"url": url}, "target": {"table": "bronze_remote"}}],
    }
    with pytest.raises(InvalidInput) as exc:
        sales.apply_pipeline("Sales", spec)
    assert any(refusal in m for m in messages(exc))


def test_the_allow_list_matches_hosts_wildcards_and_ports() -> None:
    allow = UrlAllowList.parse("data.example.com, *.cdn.example.net, 10.0.0.5:8443")
    assert allow.check_url("https://data.example.com/x.csv", ("url",))
    assert allow.check_url("https://a.cdn.example.net/x.csv", ("url",))
    assert allow.check_url("https://10.0.0.5:8443/x.csv", ("url",))
    for refused in ("https://example.com/x", "https://10.0.0.5/x", "https://data.example.com.evil.org/x"):
        with pytest.raises(Forbidden):
            allow.check_url(refused, ("url",))
    with pytest.raises(Forbidden):
        allow.check_database("sqlite:////home/me/.lakemesh/catalog.db", ("database",))
    with pytest.raises(Forbidden):
        UrlAllowList.parse("").check_url("https://data.example.com/x.csv", ("url",))


def test_targets_must_be_in_the_pipelines_domain_and_an_existing_lakehouse(sales: Mesh) -> None:
    spec = ingest_and_transform()
    spec["steps"][1]["target"] = {"table": "other_lakehouse.silver_x"}  # type: ignore[index]
    with pytest.raises(InvalidInput) as exc:
        sales.apply_pipeline("Sales", spec)
    assert any("no lakehouse 'other_lakehouse'" in m for m in messages(exc))
    spec["steps"][1]["target"] = {"table": "marketing.mkt_lakehouse.silver_x"}  # type: ignore[index]
    with pytest.raises(InvalidInput):
        sales.apply_pipeline("Sales", spec)


def test_wrong_types_and_unknown_fields_are_refused(sales: Mesh) -> None:
    with pytest.raises(InvalidInput):
        sales.apply_pipeline("Sales", {"name": "x", "steps": []})
    with pytest.raises(InvalidInput):
        sales.apply_pipeline("Sales", {"name": "x", "steps": [{"name": "a", "type": "sql"}], "colour": "red"})
    with pytest.raises(InvalidInput):
        sales.apply_pipeline("Sales", {"name": "../etc", "steps": [{"name": "a", "type": "python", "function": "f"}]})
