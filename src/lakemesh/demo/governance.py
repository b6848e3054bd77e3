"""The seed's three policies, applied by the demo; `bronze_crm_customers.email` is left unlabelled on purpose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.governance.models import PolicyDocument
from lakemesh.governance.service import GovernanceService

GLOBAL_POLICIES: list[dict[str, Any]] = [
    {
        "name": "pii-classification",
        "description": "All PII columns must be classified",
        "scope": "GLOBAL",
        "rule": """
            columns containing 'email', 'phone', 'ssn', 'address'
            must have sensitivity_label in ('Confidential', 'Highly Confidential')
        """,
        "enforcement": "block",
    },
    {
        "name": "retention-minimum",
        "description": "Data must be retained for compliance",
        "scope": "GLOBAL",
        "rule": "tables must have retention_days >= 7",
        "enforcement": "warn",
    },
]

SALES_POLICIES: list[dict[str, Any]] = [
    {
        "name": "sales-data-freshness",
        "description": "Sales data must be refreshed daily",
        "scope": "WORKSPACE",
        "workspace": "Sales-Domain",
        "rule": "gold tables must have last_refresh within 24h",
        "enforcement": "alert",
    }
]


def load_governance_demo(governance: GovernanceService, admin: Principal, say: Callable[[str], Any]) -> None:
    """Idempotent: applying the same documents again changes nothing."""
    for document in GLOBAL_POLICIES + SALES_POLICIES:
        policy = governance.put_policy(admin, PolicyDocument.model_validate(document))
        if policy.changed:
            say(f"Applied policy {policy.name} ({policy.scope}, {policy.enforcement})")
    report = governance.compliance.report(admin)
    say(f"Governance: {report.compliance_pct:.1f}% of policy checks compliant")
