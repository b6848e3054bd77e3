"""Governance on the in-process `Mesh`: the seed's policy dicts work as written (`mesh.put_policy(policy)`)."""

from __future__ import annotations

from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
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
from lakemesh.platform import Platform


class GovernanceMethods:
    platform: Platform
    principal: Principal

    def put_policy(self, policy: dict[str, Any]) -> Policy:
        """Create or replace a policy: name, description, scope (GLOBAL, WORKSPACE/DOMAIN), rule, enforcement."""
        return self.platform.governance.put_policy(self.principal, parse_model(PolicyDocument, policy))

    def get_policy(self, name: str) -> Policy:
        return self.platform.governance.get_policy(self.principal, name)

    def list_policies(self, *, scope: str | None = None, domain: str | None = None) -> list[Policy]:
        items: list[Policy] = []
        cursor = None
        while True:
            page = self.platform.governance.list_policies(
                self.principal, scope=scope, domain=domain, limit=500, cursor=cursor
            )
            items.extend(page.items)
            if not page.next_cursor:
                return items
            cursor = page.next_cursor

    def policy_versions(self, name: str) -> list[PolicyVersion]:
        return self.platform.governance.policy_versions(self.principal, name)

    def delete_policy(self, name: str) -> None:
        self.platform.governance.delete_policy(self.principal, name)

    def evaluate_policies(
        self, *, domain: str | None = None, policies: list[str] | None = None, dry_run: bool = False
    ) -> EvaluationResult:
        request = EvaluateRequest(domain=domain, policies=policies, dry_run=dry_run)
        return self.platform.governance.compliance.evaluate(self.principal, request)

    def list_violations(
        self,
        *,
        status: str = "open",
        policy: str | None = None,
        domain: str | None = None,
        severity: str | None = None,
    ) -> list[Violation]:
        items: list[Violation] = []
        cursor = None
        while True:
            page = self.platform.governance.compliance.violations(
                self.principal, status=status, policy=policy, domain=domain, severity=severity, limit=500, cursor=cursor
            )
            items.extend(page.items)
            if not page.next_cursor:
                return items
            cursor = page.next_cursor

    def compliance_report(self, *, domain: str | None = None) -> ComplianceReport:
        return self.platform.governance.compliance.report(self.principal, domain=domain)

    def compliance_report_csv(self, *, domain: str | None = None) -> str:
        return report_csv(self.compliance_report(domain=domain))

    def list_notifications(self, *, domain: str | None = None, limit: int = 50) -> list[Notification]:
        return self.platform.governance.compliance.notifications(self.principal, domain=domain, limit=limit).items

    def create_webhook(
        self,
        url: str,
        *,
        domain: str | None = None,
        events: list[str] | None = None,
        secret: str | None = None,
        description: str = "",
    ) -> IssuedWebhook:
        fields: dict[str, Any] = {"url": url, "domain": domain, "secret": secret, "description": description}
        if events is not None:
            fields["events"] = events
        return self.platform.governance.webhooks.create(self.principal, parse_model(WebhookCreate, fields))

    def list_webhooks(self) -> list[Webhook]:
        return self.platform.governance.webhooks.list_webhooks(self.principal)

    def delete_webhook(self, webhook_id: str) -> None:
        self.platform.governance.webhooks.delete(self.principal, webhook_id)

    def list_webhook_deliveries(self, webhook_id: str) -> list[WebhookDelivery]:
        return self.platform.governance.webhooks.deliveries(self.principal, webhook_id)
