"""Evaluation on demand, violations visible only to readers of their domain, and the compliance report."""

from __future__ import annotations

import copy
import csv
import io

import pytest

from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.governance_service.conftest import SEED_POLICIES, policy


def test_evaluate_reports_every_policy_and_records_unless_dry_run(mesh: Mesh) -> None:
    for document in copy.deepcopy(SEED_POLICIES):
        mesh.put_policy(document)
    mesh.put_policy(policy("described", "tables must have description is set", "warn"))
    dry = mesh.evaluate_policies(dry_run=True)
    counts = {p.policy: (p.checked, p.violating) for p in dry.policies}
    assert counts == {
        "described": (2, 2),
        "pii-classification": (2, 2),
        "retention-minimum": (2, 0),
        "sales-data-freshness": (1, 0),
    }
    assert dry.dry_run and dry.opened == 0 and dry.findings_total == 4
    assert {f.subject_id for f in dry.findings if f.policy == "described"} == {
        "table:sales/sales_lakehouse/bronze_crm_customers",
        "table:sales/sales_lakehouse/gold_customer_360",
    }
    mesh.update_table("Sales", "sales_lakehouse", "gold_customer_360", description="One row per customer")
    real = mesh.evaluate_policies(domain="Sales-Domain", policies=["described"])
    assert real.resolved == 1 and [p.policy for p in real.policies] == ["described"]
    assert [v.policy for v in mesh.list_violations(policy="described")] == ["described"]
    with pytest.raises(NotFound):
        mesh.evaluate_policies(policies=["no-such-policy"])


def test_report_per_domain_and_overall_as_json_and_csv(mesh: Mesh) -> None:
    for document in copy.deepcopy(SEED_POLICIES):
        mesh.put_policy(document)
    report = mesh.compliance_report()
    by_policy = {p.policy: p for p in report.policies}
    assert by_policy["pii-classification"].compliance_pct == 0.0
    assert by_policy["retention-minimum"].compliance_pct == 100.0
    assert [d.domain for d in report.domains] == ["marketing", "sales"]
    marketing = report.domains[0]
    assert [p.policy for p in marketing.policies] == ["pii-classification", "retention-minimum"]  # no Sales policy
    assert report.compliance_pct == pytest.approx(100 * 3 / 5)
    rows = list(csv.DictReader(io.StringIO(mesh.compliance_report_csv())))
    assert rows[0].keys() >= {"domain", "policy", "checked", "compliant", "compliance_pct"}
    overall = [r for r in rows if r["domain"] == "*" and r["policy"] == "pii-classification"]
    assert overall == [
        {
            "domain": "*",
            "policy": "pii-classification",
            "enforcement": "block",
            "subject_kind": "column",
            "checked": "2",
            "compliant": "0",
            "violating": "2",
            "errors": "0",
            "compliance_pct": "0.0",
        }
    ]


def test_violations_and_reports_only_show_domains_the_caller_can_read(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    outsider = user(mesh, "outsider@company.com")
    assert outsider.list_violations() == [] and outsider.list_notifications() == []
    assert outsider.compliance_report().domains == []
    with pytest.raises(Forbidden):
        outsider.list_violations(domain="Sales")
    with pytest.raises(Forbidden):
        outsider.evaluate_policies(domain="Sales")
    analyst = user(mesh, "analyst@company.com")
    mesh.add_member("Sales", "analyst@company.com", "Viewer")
    assert len(analyst.list_violations()) == 2
    assert [d.domain for d in analyst.compliance_report().domains] == ["sales"]


def test_a_policy_out_of_time_budget_resolves_nothing(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    assert len(mesh.list_violations()) == 2
    mesh.platform.governance.compliance.budget_seconds = -1.0  # every check is already late
    result = mesh.evaluate_policies()
    assert result.policies[0].timed_out and result.resolved == 0
    assert len(mesh.list_violations()) == 2


def test_deleting_a_policy_closes_its_violations(mesh: Mesh) -> None:
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    mesh.delete_policy("pii-classification")
    assert mesh.list_violations() == [] and len(mesh.list_violations(status="resolved")) == 2
    with pytest.raises(NotFound):
        mesh.get_policy("pii-classification")
