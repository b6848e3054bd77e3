"""Governance over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lakemesh.governance.models import (
    ComplianceReport,
    EvaluationResult,
    IssuedWebhook,
    Notification,
    Policy,
    PolicyVersion,
    Violation,
    Webhook,
    WebhookDelivery,
)
from lakemesh.sdk.transport import Transport


def _policy(name: str) -> str:
    return f"/api/v1/policies/{quote(name, safe='')}"


class RemoteGovernanceMethods:
    _http: Transport

    def put_policy(self, policy: dict[str, Any]) -> Policy:
        name = str(policy.get("name", ""))
        return Policy.model_validate(self._http.json("PUT", _policy(name), json=policy))

    def get_policy(self, name: str) -> Policy:
        return Policy.model_validate(self._http.json("GET", _policy(name)))

    def list_policies(self, *, scope: str | None = None, domain: str | None = None) -> list[Policy]:
        return [
            Policy.model_validate(p) for p in self._http.pages("/api/v1/policies", {"scope": scope, "domain": domain})
        ]

    def policy_versions(self, name: str) -> list[PolicyVersion]:
        page = self._http.json("GET", f"{_policy(name)}/versions")
        return [PolicyVersion.model_validate(v) for v in page["items"]]

    def delete_policy(self, name: str) -> None:
        self._http.request("DELETE", _policy(name))

    def evaluate_policies(
        self, *, domain: str | None = None, policies: list[str] | None = None, dry_run: bool = False
    ) -> EvaluationResult:
        body = {"domain": domain, "policies": policies, "dry_run": dry_run}
        return EvaluationResult.model_validate(self._http.json("POST", "/api/v1/governance/evaluate", json=body))

    def list_violations(
        self,
        *,
        status: str = "open",
        policy: str | None = None,
        domain: str | None = None,
        severity: str | None = None,
    ) -> list[Violation]:
        params = {"status": status, "policy": policy, "domain": domain, "severity": severity}
        return [Violation.model_validate(v) for v in self._http.pages("/api/v1/governance/violations", params)]

    def compliance_report(self, *, domain: str | None = None) -> ComplianceReport:
        params = {"domain": domain} if domain else {}
        return ComplianceReport.model_validate(self._http.json("GET", "/api/v1/governance/report", params=params))

    def compliance_report_csv(self, *, domain: str | None = None) -> str:
        params = {"format": "csv", **({"domain": domain} if domain else {})}
        return self._http.request("GET", "/api/v1/governance/report", params=params).text

    def list_notifications(self, *, domain: str | None = None, limit: int = 50) -> list[Notification]:
        params = {"limit": limit, **({"domain": domain} if domain else {})}
        page = self._http.json("GET", "/api/v1/governance/notifications", params=params)
        return [Notification.model_validate(n) for n in page["items"]]

    def create_webhook(
        self,
        url: str,
        *,
        domain: str | None = None,
        events: list[str] | None = None,
        secret: str | None = None,
        description: str = "",
    ) -> IssuedWebhook:
        body: dict[str, Any] = {"url": url, "domain": domain, "secret": secret, "description": description}
        if events is not None:
            body["events"] = events
        return IssuedWebhook.model_validate(self._http.json("POST", "/api/v1/governance/webhooks", json=body))

    def list_webhooks(self) -> list[Webhook]:
        page = self._http.json("GET", "/api/v1/governance/webhooks")
        return [Webhook.model_validate(w) for w in page["items"]]

    def delete_webhook(self, webhook_id: str) -> None:
        self._http.request("DELETE", f"/api/v1/governance/webhooks/{quote(webhook_id, safe='')}")

    def list_webhook_deliveries(self, webhook_id: str) -> list[WebhookDelivery]:
        page = self._http.json("GET", f"/api/v1/governance/webhooks/{quote(webhook_id, safe='')}/deliveries")
        return [WebhookDelivery.model_validate(d) for d in page["items"]]
