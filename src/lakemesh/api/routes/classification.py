"""Sensitive data discovery: classify a table, review suggestions, custom classifiers, per-domain settings."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.classification.custom import ClassifierSpec
from lakemesh.classification.models import (
    ClassificationScan,
    ClassificationSettings,
    ClassifierInfo,
    Decision,
    Suggestion,
    SuggestionStatus,
)

router = APIRouter(tags=["classification"])
TABLE = "/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}"
SUGGESTION = "/api/v1/classification/suggestions/{suggestion_id}"


@router.post(
    f"{TABLE}/classify",
    summary="Classify the table's columns from a bounded sample",
    description="Reads the first `classification_sample_rows` rows as the caller (columns masked for them are "
    "skipped) and records suggestions: column, classification, confidence, sample_count, matched. Sample values "
    "are never returned or stored. A table the caller cannot read is 404.",
)
def classify(domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller) -> ClassificationScan:
    return platform.classification.scan(caller, domain, lakehouse, table)


@router.get(f"{TABLE}/classification-suggestions", summary="The table's classification suggestions")
def suggestions(
    domain: str,
    lakehouse: str,
    table: str,
    platform: PlatformDep,
    caller: Caller,
    status: SuggestionStatus | None = None,
) -> list[Suggestion]:
    return platform.classification.suggestions(caller, domain, lakehouse, table, status=status)


@router.post(
    f"{SUGGESTION}/accept",
    summary="Accept a suggestion: set the column's sensitivity label",
    description="For the lakehouse's data steward or a domain Admin. `label` defaults to the classification's "
    "(Confidential; Highly Confidential for national ids and payment data).",
)
def accept(suggestion_id: str, platform: PlatformDep, caller: Caller, decision: Decision | None = None) -> Suggestion:
    return platform.classification.accept(caller, suggestion_id, label=(decision or Decision()).label)


@router.post(f"{SUGGESTION}/reject", summary="Reject a suggestion (later scans do not raise it again)")
def reject(suggestion_id: str, platform: PlatformDep, caller: Caller) -> Suggestion:
    return platform.classification.reject(caller, suggestion_id)


@router.get("/api/v1/classification/classifiers", summary="Built-in and custom classifiers")
def classifiers(platform: PlatformDep, caller: Caller) -> list[ClassifierInfo]:
    return platform.classification.list_classifiers(caller)


@router.put(
    "/api/v1/classification/classifiers/{name}",
    summary="Create or replace a custom classifier",
    description="`pattern` is RE2 syntax (linear time: no catastrophic backtracking); patterns RE2 cannot run "
    "(backreferences, look-around) are a 422. Platform admins only.",
)
def apply_classifier(name: str, spec: ClassifierSpec, platform: PlatformDep, caller: Caller) -> ClassifierInfo:
    return platform.classification.apply_classifier(caller, spec, name=name)


@router.delete(
    "/api/v1/classification/classifiers/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete one"
)
def delete_classifier(name: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.classification.delete_classifier(caller, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/domains/{domain}/classification-settings", summary="The domain's classification settings")
def get_settings(domain: str, platform: PlatformDep, caller: Caller) -> ClassificationSettings:
    return platform.classification.get_settings(caller, domain)


@router.put(
    "/api/v1/domains/{domain}/classification-settings",
    summary="Set auto-accept and scheduled scans for a domain",
    description="`auto_accept_above` (0.5-1.0): suggestions at or above it are accepted without review; `every` "
    "(e.g. `24h`, at least `15m`): scan the domain's tables on a schedule. Domain Admins.",
)
def put_settings(
    domain: str, settings: ClassificationSettings, platform: PlatformDep, caller: Caller
) -> ClassificationSettings:
    return platform.classification.set_settings(caller, domain, settings)
