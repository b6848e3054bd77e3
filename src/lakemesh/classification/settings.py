"""Per-domain classification settings (auto-accept threshold, scan schedule) and platform-wide custom classifiers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.classification import (
    ClassificationSettingsRow,
    CustomClassifierRow,
)
from lakemesh.classification import store
from lakemesh.classification.classifiers import BUILTIN
from lakemesh.classification.context import Context
from lakemesh.classification.custom import ClassifierSpec, build
from lakemesh.classification.models import (
    ClassificationSettings,
    ClassifierInfo,
)
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Forbidden, invalid, not_found
from lakemesh.domains.service import domain_resource, find_domain_row


class SettingsAndClassifiers(Context):
    def get_settings(self, actor: Principal, domain: str) -> ClassificationSettings:
        with self._catalog.read() as session:
            row = find_domain_row(session, domain)
            if row is None:
                raise not_found("domain", domain)
            self._authz.authorize(actor, Action.DOMAIN_READ, domain_resource(row), session)
            found = store.settings_row(session, row.id)
            if found is None:
                return ClassificationSettings()
            return ClassificationSettings(auto_accept_above=found.auto_accept_above, every=found.every)

    def set_settings(self, actor: Principal, domain: str, settings: ClassificationSettings) -> ClassificationSettings:
        if settings.every is not None and parse_duration(settings.every, "every") < timedelta(minutes=15):
            raise invalid("every", "scheduled scans run at most every 15m")
        with self._catalog.transaction() as session:
            row = find_domain_row(session, domain)
            if row is None:
                raise not_found("domain", domain)
            self._authz.authorize(actor, Action.POLICIES_MANAGE, domain_resource(row), session)
            found = store.settings_row(session, row.id)
            now = self._clock.now()
            if found is None:
                found = ClassificationSettingsRow(domain_id=row.id, updated_at=now)
                session.add(found)
            found.auto_accept_above, found.every, found.updated_at = settings.auto_accept_above, settings.every, now
            record(
                session,
                at=now,
                actor=actor.name,
                action="classification.settings_changed",
                resource_type="domain",
                resource_id=row.id,
                resource_name=row.slug,
                domain=row.slug,
                after=settings.model_dump(),
            )
            return settings

    def list_classifiers(self, actor: Principal) -> list[ClassifierInfo]:
        with self._catalog.read() as session:
            specs = [ClassifierSpec.model_validate(r.spec) for r in session.scalars(select(CustomClassifierRow))]
        builtin = [
            ClassifierInfo(
                name=c.name,
                description=c.description,
                builtin=True,
                name_hints=list(c.name_hints),
                needs_hint=c.needs_hint,
            )
            for c in BUILTIN
        ]
        return builtin + [_info(s) for s in sorted(specs, key=lambda s: s.name)]

    def apply_classifier(self, actor: Principal, spec: ClassifierSpec, *, name: str | None = None) -> ClassifierInfo:
        """Create or replace a custom classifier; its pattern must compile under RE2 (else InvalidInput)."""
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins manage custom classifiers")
        if name is not None and name != spec.name:
            raise invalid("name", f"the path names {name!r} but the classifier is {spec.name!r}")
        build(spec)
        with self._catalog.transaction() as session:
            row = session.get(CustomClassifierRow, spec.name)
            now = self._clock.now()
            if row is None:
                row = CustomClassifierRow(name=spec.name, updated_at=now)
                session.add(row)
            row.spec, row.updated_at, row.updated_by = spec.model_dump(), now, actor.name
            record(
                session,
                at=now,
                actor=actor.name,
                action="classification.classifier_applied",
                resource_type="classifier",
                resource_id=spec.name,
                resource_name=spec.name,
                after=spec.model_dump(),
            )
        return _info(spec)

    def delete_classifier(self, actor: Principal, name: str) -> None:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins manage custom classifiers")
        with self._catalog.transaction() as session:
            row = session.get(CustomClassifierRow, name)
            if row is None:
                raise not_found("classifier", name)
            session.delete(row)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="classification.classifier_deleted",
                resource_type="classifier",
                resource_id=name,
                resource_name=name,
            )


def _info(spec: ClassifierSpec) -> ClassifierInfo:
    return ClassifierInfo(
        name=spec.name,
        description=spec.description or spec.name,
        builtin=False,
        name_hints=spec.name_hints,
        needs_hint=spec.needs_hint,
        pattern=spec.pattern,
        validator=spec.validator,
    )
