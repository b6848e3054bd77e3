"""Evaluation points: product create/publish, table create and write; block refuses, warn warns, alert notifies."""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import PolicyViolation
from lakemesh.core.settings import Settings
from lakemesh.demo.data import crm_customers, customer_360
from lakemesh.governance import compliance as compliance_module
from lakemesh.governance import evaluation
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.unit.governance_service.conftest import SEED_POLICIES, policy
from tests.unit.products.seed import CUSTOMER_360

EMAIL = "column:sales/sales_lakehouse/bronze_crm_customers/email"


def test_block_refuses_a_write_that_breaks_it_and_leaves_the_table_as_it_was(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    before = mesh.get_table("Sales", "sales_lakehouse", "bronze_crm_customers").version
    with pytest.raises(PolicyViolation) as error:
        mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", crm_customers(3, now=datetime.now(UTC)))
    items = [e.as_dict() for e in error.value.errors]
    assert {(i["policy"], i["subject"]) for i in items} == {
        ("pii-classification", EMAIL),
        ("pii-classification", EMAIL.replace("email", "phone")),
    }
    assert "has no sensitivity_label" in items[0]["message"]
    assert mesh.get_table("Sales", "sales_lakehouse", "bronze_crm_customers").version == before
    with pytest.raises(PolicyViolation):  # a new table with an unlabelled email column is not created either
        mesh.write_table("Sales", "sales_lakehouse", "bronze_leads", crm_customers(3, now=datetime.now(UTC)))
    assert "bronze_leads" not in [t.name for t in mesh.list_tables("Sales", "sales_lakehouse")]


def test_labelling_the_columns_resolves_the_violation_and_unblocks_writes(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    assert {v.subject_id for v in mesh.list_violations()} == {EMAIL, EMAIL.replace("email", "phone")}
    labels = {"email": {"sensitivity_label": "Confidential"}, "phone": {"sensitivity_label": "Highly Confidential"}}
    mesh.update_table("Sales", "sales_lakehouse", "bronze_crm_customers", columns=labels)
    assert mesh.list_violations() == []
    resolved = mesh.list_violations(status="resolved")
    assert len(resolved) == 2 and all(v.resolved_at is not None for v in resolved)
    result = mesh.write_table(
        "Sales", "sales_lakehouse", "bronze_crm_customers", crm_customers(3, now=datetime.now(UTC))
    )
    assert result.warnings == []
    kinds = [n.kind for n in mesh.list_notifications()]
    assert kinds.count("violation.opened") == 2 and kinds.count("violation.resolved") == 2


def test_warn_lets_the_change_through_with_warnings_and_records_the_violation(mesh: Mesh) -> None:
    mesh.put_policy(policy("gold-described", "gold tables must have description is set", "warn"))
    result = mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(3, now=datetime.now(UTC)))
    assert result.warnings == [
        "policy gold-described (warn): table sales/sales_lakehouse/gold_customer_360 has no description; must be set"
    ]
    [violation] = mesh.list_violations(severity="low")
    assert violation.policy == "gold-described" and violation.enforcement == "warn"
    assert mesh.list_notifications() == []  # warn informs; it does not alert


def test_product_create_and_publish_are_checked(mesh: Mesh) -> None:
    mesh.create_principal("sales-data-team@company.com")
    mesh.put_policy(policy("product-owner-team", "products must have owner matches '-team@'", "block"))
    mesh.put_policy(policy("quality-sla", "products must have sla_quality_score >= 99", "warn"))
    document = {**copy.deepcopy(CUSTOMER_360), "owner": "sales-data-team@company.com"}
    created = mesh.create_product(document)
    assert created.warnings == [
        "policy quality-sla (warn): product sales/customer-360 has sla_quality_score 95.0; must be >= 99"
    ]
    mesh.put_policy(
        policy(
            "published-documented", "products where status = 'published' must have documentation_url is set", "block"
        )
    )
    with pytest.raises(PolicyViolation) as error:
        mesh.publish_product("Sales", "Customer 360")
    assert [e.extra["policy"] for e in error.value.errors] == ["published-documented"]
    assert error.value.errors[0].extra["subject"] == "product:sales/customer-360"
    assert mesh.get_product("Sales", "Customer 360").status == "draft"
    mesh.update_product("Sales", "Customer 360", documentation_url="https://wiki.example.com/c360")
    assert mesh.publish_product("Sales", "Customer 360").status == "published"


def test_table_creation_that_breaks_a_block_policy_is_refused(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    columns = [{"name": "id", "type": "string"}, {"name": "home_address", "type": "string"}]
    with pytest.raises(PolicyViolation):
        mesh.create_table("Sales", "sales_lakehouse", "silver_addresses", columns)
    labelled = [columns[0], {**columns[1], "sensitivity_label": "Confidential"}]
    assert mesh.create_table("Sales", "sales_lakehouse", "silver_addresses", labelled).name == "silver_addresses"


def test_freshness_is_evaluated_on_schedule_and_alerts(tmp_path: Path) -> None:
    clock = FrozenClock(datetime.now(UTC))
    platform = Platform(Settings(home=tmp_path / "home"), clock=clock)
    platform.initialize()
    try:
        mesh = Mesh(platform, platform.principals.bootstrap_admin())
        mesh.create_domain("Sales", display_name="Sales-Domain")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(3, now=clock.now()))
        mesh.put_policy(copy.deepcopy(SEED_POLICIES[2]))
        assert mesh.list_violations() == []
        clock.advance(timedelta(hours=25))
        platform.governance.compliance.evaluate_all()
        [violation] = mesh.list_violations(domain="Sales-Domain")
        assert violation.severity == "medium" and "must be within 24h" in violation.message
        [alert] = mesh.list_notifications()
        assert alert.kind == "violation.opened" and alert.policy == "sales-data-freshness"
        mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(3, now=clock.now()))
        assert mesh.list_violations() == []
    finally:
        platform.close()


def test_a_fix_made_while_the_scheduled_evaluation_reads_is_not_reopened_by_it(
    mesh: Mesh, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled evaluation reads the mesh, then records; a label fixed in between (and handled at once by the
    event consumer) must stay fixed, not be reopened by findings read before the fix."""
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    assert len(mesh.list_violations()) == 2
    compliance = platform.governance.compliance
    reading, proceed = threading.Event(), threading.Event()
    scheduled = "scheduled-evaluation"

    def run_paused(*args: Any, **kwargs: Any) -> Any:
        outcome = evaluation.run(*args, **kwargs)
        if threading.current_thread().name == scheduled:
            reading.set()
            proceed.wait(10)
        return outcome

    monkeypatch.setattr(compliance_module, "run", run_paused)
    labels = {"email": {"sensitivity_label": "Confidential"}, "phone": {"sensitivity_label": "Confidential"}}
    evaluating = threading.Thread(target=compliance.evaluate_all, name=scheduled)
    fixing = threading.Thread(
        target=lambda: mesh.update_table("Sales", "sales_lakehouse", "bronze_crm_customers", columns=labels)
    )
    consuming = threading.Thread(target=compliance.catch_up)
    evaluating.start()
    assert reading.wait(10)
    fixing.start()
    fixing.join(1)  # the fix lands now, or waits for the evaluation's write lock (SQLite)
    consuming.start()
    consuming.join(1)  # the event consumer handles the fix now, or after the evaluation has recorded
    proceed.set()
    for thread in (evaluating, fixing, consuming):
        thread.join(30)
    assert mesh.list_violations() == []
