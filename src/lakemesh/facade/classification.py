"""Sensitive data discovery on the in-process `Mesh`: scans, suggestions and their review, classifiers, settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.classification.custom import ClassifierSpec
from lakemesh.classification.models import (
    ClassificationScan,
    ClassificationSettings,
    ClassifierInfo,
    Suggestion,
    SuggestionStatus,
)
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import remote

if TYPE_CHECKING:
    from lakemesh.platform import Platform

TABLE = "/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}"
SUGGESTION = "/api/v1/classification/suggestions/{suggestion_id}"


class ClassificationMethods:
    platform: Platform
    principal: Principal

    @remote("POST", TABLE + "/classify")
    def classify_table(self, domain: str, lakehouse: str, table: str) -> ClassificationScan:
        """Classify a bounded sample of the table's columns now; the results are suggestions, never values."""
        return self.platform.classification.scan(self.principal, domain, lakehouse, table)

    @remote("GET", TABLE + "/classification-suggestions", query=("status",))
    def classification_suggestions(
        self, domain: str, lakehouse: str, table: str, *, status: str | None = None
    ) -> list[Suggestion]:
        """The table's suggestions (pending, accepted, rejected), by column."""
        wanted = SuggestionStatus(status) if status else None
        return self.platform.classification.suggestions(self.principal, domain, lakehouse, table, status=wanted)

    @remote("POST", SUGGESTION + "/accept", body=("label",))
    def accept_suggestion(self, suggestion_id: str, *, label: str | None = None) -> Suggestion:
        """Set the column's sensitivity label (default: the classification's) and record the classification."""
        return self.platform.classification.accept(self.principal, suggestion_id, label=label)

    @remote("POST", SUGGESTION + "/reject")
    def reject_suggestion(self, suggestion_id: str) -> Suggestion:
        """A rejected suggestion is not raised again by later scans."""
        return self.platform.classification.reject(self.principal, suggestion_id)

    @remote("GET", "/api/v1/classification/classifiers")
    def classifiers(self) -> list[ClassifierInfo]:
        """Built-in and custom classifiers."""
        return self.platform.classification.list_classifiers(self.principal)

    @remote("PUT", "/api/v1/classification/classifiers/{spec[name]}", body="spec")
    def apply_classifier(self, spec: dict[str, Any]) -> ClassifierInfo:
        """Create or replace a custom classifier: name, pattern (RE2), validator, name_hints, needs_hint."""
        return self.platform.classification.apply_classifier(self.principal, parse_model(ClassifierSpec, spec))

    @remote("DELETE", "/api/v1/classification/classifiers/{name}")
    def delete_classifier(self, name: str) -> None:
        self.platform.classification.delete_classifier(self.principal, name)

    @remote("GET", "/api/v1/domains/{domain}/classification-settings")
    def classification_settings(self, domain: str) -> ClassificationSettings:
        return self.platform.classification.get_settings(self.principal, domain)

    @remote("PUT", "/api/v1/domains/{domain}/classification-settings", body=("auto_accept_above", "every"))
    def set_classification_settings(
        self, domain: str, *, auto_accept_above: float | None = None, every: str | None = None
    ) -> ClassificationSettings:
        """`auto_accept_above`: accept suggestions at or above this confidence; `every`: scheduled scans (`24h`)."""
        settings = parse_model(ClassificationSettings, {"auto_accept_above": auto_accept_above, "every": every})
        return self.platform.classification.set_settings(self.principal, domain, settings)
