"""Governance: policies as code (the seed's documents), evaluation, violations, compliance, webhooks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response, status

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.core.pages import DEFAULT_LIMIT, Page
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

router = APIRouter(tags=["governance"])


@router.put(
    "/api/v1/policies/{name}",
    summary="Create or replace a policy",
    description="The seed's policy document as written: `name`, `description`, `scope` (`GLOBAL`, or `WORKSPACE`/"
    "`DOMAIN` with `workspace`/`domain`), `rule`, `enforcement` (block, warn, alert). Idempotent: the same document "
    "again changes nothing (`changed: false`). Platform admins own GLOBAL policies, a domain's Admins its own. A rule "
    "that does not parse is a 422 saying line and column.",
    responses={201: {"description": "Created"}},
)
def put_policy(
    name: str, document: PolicyDocument, platform: PlatformDep, caller: Caller, response: Response
) -> Policy:
    policy = platform.governance.put_policy(caller, document, name=name)
    if policy.version == 1 and policy.changed:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = policy.etag
    return policy


@router.get("/api/v1/policies", summary="List policies")
def list_policies(
    platform: PlatformDep,
    caller: Caller,
    scope: Annotated[Literal["GLOBAL", "DOMAIN", "WORKSPACE"] | None, Query()] = None,
    domain: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Policy]:
    return platform.governance.list_policies(caller, scope=scope, domain=domain, limit=limit, cursor=cursor)


@router.get("/api/v1/policies/{name}", summary="Get a policy")
def get_policy(name: str, platform: PlatformDep, caller: Caller, response: Response) -> Policy:
    policy = platform.governance.get_policy(caller, name)
    response.headers["ETag"] = policy.etag
    return policy


@router.get("/api/v1/policies/{name}/versions", summary="Every version of a policy document, newest first")
def policy_versions(name: str, platform: PlatformDep, caller: Caller) -> Page[PolicyVersion]:
    return Page(items=platform.governance.policy_versions(caller, name))


@router.delete("/api/v1/policies/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a policy")
def delete_policy(name: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.governance.delete_policy(caller, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/v1/governance/evaluate",
    summary="Evaluate policies now",
    description="Every policy (or `policies`) against the whole catalog you can read (or `domain`); opens and "
    "resolves violations unless `dry_run`. Each policy has a time budget; `timed_out` says one ran out.",
)
def evaluate(
    platform: PlatformDep,
    caller: Caller,
    request: Annotated[EvaluateRequest, Body(default_factory=EvaluateRequest)],
) -> EvaluationResult:
    return platform.governance.compliance.evaluate(caller, request)


@router.get("/api/v1/governance/violations", summary="Violations in the domains you can read, newest first")
def list_violations(
    platform: PlatformDep,
    caller: Caller,
    status_: Annotated[Literal["open", "resolved", "all"], Query(alias="status")] = "open",
    policy: str | None = None,
    domain: str | None = None,
    severity: Annotated[Literal["high", "medium", "low"] | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Violation]:
    return platform.governance.compliance.violations(
        caller, status=status_, policy=policy, domain=domain, severity=severity, limit=limit, cursor=cursor
    )


@router.get(
    "/api/v1/governance/report",
    summary="Compliance report",
    description="% of subjects compliant per policy, per domain and overall, as JSON or (`?format=csv`) CSV.",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    response_model=ComplianceReport,
)
def report(
    platform: PlatformDep,
    caller: Caller,
    domain: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    found = platform.governance.compliance.report(caller, domain=domain)
    if format == "csv":
        return Response(report_csv(found), media_type="text/csv")
    return Response(found.model_dump_json(), media_type="application/json")


@router.get("/api/v1/governance/notifications", summary="Governance notifications, newest first")
def list_notifications(
    platform: PlatformDep,
    caller: Caller,
    domain: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Notification]:
    return platform.governance.compliance.notifications(caller, domain=domain, limit=limit, cursor=cursor)


@router.post(
    "/api/v1/governance/webhooks",
    status_code=status.HTTP_201_CREATED,
    summary="Add a webhook",
    description="Events matching `events` (default `governance.*`) are POSTed as JSON, signed in "
    "`X-Lakemesh-Signature: sha256=<HMAC-SHA256 of the body with the secret>`. The secret is shown once.",
)
def create_webhook(spec: WebhookCreate, platform: PlatformDep, caller: Caller) -> IssuedWebhook:
    return platform.governance.webhooks.create(caller, spec)


@router.get("/api/v1/governance/webhooks", summary="Webhooks you administer")
def list_webhooks(platform: PlatformDep, caller: Caller) -> Page[Webhook]:
    return Page(items=platform.governance.webhooks.list_webhooks(caller))


@router.delete(
    "/api/v1/governance/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a webhook"
)
def delete_webhook(webhook_id: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.governance.webhooks.delete(caller, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/governance/webhooks/{webhook_id}/deliveries", summary="Recent deliveries of a webhook")
def list_deliveries(webhook_id: str, platform: PlatformDep, caller: Caller) -> Page[WebhookDelivery]:
    return Page(items=platform.governance.webhooks.deliveries(caller, webhook_id))
