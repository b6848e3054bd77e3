"""Governance on the in-process `Mesh`: the seed's policy dicts work as written (`mesh.put_policy(policy)`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, composed, every, remote
from lakemesh.governance.models import (
    ComplianceReport,
    EvaluateRequest,
    EvaluationResult,
    IssuedWebhook,
    Notification,
    Policy,
    PolicyDocument,
    PolicyVersion,
    Violation,
    Webhook,
    WebhookCreate,
    WebhookDelivery,
    report_csv,
)

if TYPE_CHECKING:
    from lakemesh.platform import Platform

POLICY = "/api/v1/policies/{name}"
WEBHOOKS = "/api/v1/governance/webhooks"


def _webhook(a: Args) -> dict[str, Any]:
    fields = {k: a[k] for k in ("url", "domain", "secret", "description")}
    return fields | ({"events": a["events"]} if a["events"] is not None else {})


class GovernanceMethods:
    platform: Platform
    principal: Principal

    @remote("PUT", "/api/v1/policies/{policy[name]}", body="policy")
    def put_policy(self, policy: dict[str, Any]) -> Policy:
        """Create or replace a policy: name, description, scope (GLOBAL, WORKSPACE/DOMAIN), rule, enforcement."""
        return self.platform.governance.put_policy(self.principal, parse_model(PolicyDocument, policy))

    @remote("GET", POLICY)
    def get_policy(self, name: str) -> Policy:
        return self.platform.governance.get_policy(self.principal, name)

    @remote("GET", "/api/v1/policies", query=("scope", "domain"), pages=True)
    def list_policies(self, *, scope: str | None = None, domain: str | None = None) -> list[Policy]:
        return every(
            lambda cursor: self.platform.governance.list_policies(
                self.principal, scope=scope, domain=domain, limit=500, cursor=cursor
            )
        )

    @remote("GET", POLICY + "/versions")
    def policy_versions(self, name: str) -> list[PolicyVersion]:
        return self.platform.governance.policy_versions(self.principal, name)

    @remote("DELETE", POLICY)
    def delete_policy(self, name: str) -> None:
        self.platform.governance.delete_policy(self.principal, name)

    @remote("POST", "/api/v1/governance/evaluate", body=("domain", "policies", "dry_run"))
    def evaluate_policies(
        self, *, domain: str | None = None, policies: list[str] | None = None, dry_run: bool = False
    ) -> EvaluationResult:
        request = EvaluateRequest(domain=domain, policies=policies, dry_run=dry_run)
        return self.platform.governance.compliance.evaluate(self.principal, request)

    @remote("GET", "/api/v1/governance/violations", query=("status", "policy", "domain", "severity"), pages=True)
    def list_violations(
        self,
        *,
        status: str = "open",
        policy: str | None = None,
        domain: str | None = None,
        severity: str | None = None,
    ) -> list[Violation]:
        return every(
            lambda cursor: self.platform.governance.compliance.violations(
                self.principal, status=status, policy=policy, domain=domain, severity=severity, limit=500, cursor=cursor
            )
        )

    @remote("GET", "/api/v1/governance/report", query=("domain",))
    def compliance_report(self, *, domain: str | None = None) -> ComplianceReport:
        return self.platform.governance.compliance.report(self.principal, domain=domain)

    @composed
    def compliance_report_csv(self, *, domain: str | None = None) -> str:
        return report_csv(self.compliance_report(domain=domain))

    @remote("GET", "/api/v1/governance/notifications", query=("domain", "limit"))
    def list_notifications(self, *, domain: str | None = None, limit: int = 50) -> list[Notification]:
        return self.platform.governance.compliance.notifications(self.principal, domain=domain, limit=limit).items

    @remote("POST", WEBHOOKS, body=_webhook)
    def create_webhook(
        self,
        url: str,
        *,
        domain: str | None = None,
        events: list[str] | None = None,
        secret: str | None = None,
        description: str = "",
    ) -> IssuedWebhook:
        return self.platform.governance.webhooks.create(self.principal, parse_model(WebhookCreate, _webhook(locals())))

    @remote("GET", WEBHOOKS)
    def list_webhooks(self) -> list[Webhook]:
        return self.platform.governance.webhooks.list_webhooks(self.principal)

    @remote("DELETE", WEBHOOKS + "/{webhook_id}")
    def delete_webhook(self, webhook_id: str) -> None:
        self.platform.governance.webhooks.delete(self.principal, webhook_id)

    @remote("GET", WEBHOOKS + "/{webhook_id}/deliveries")
    def list_webhook_deliveries(self, webhook_id: str) -> list[WebhookDelivery]:
        return self.platform.governance.webhooks.deliveries(self.principal, webhook_id)
