"""The mesh-wide settings besides policies that the council governs: self-serve templates, the masking policy and
the platform's required product fields (its intake form). Each proposal carries the document the direct endpoint
takes (`template put`, `PUT /masking`, `intake set`), validated when proposed, with a plan of what changes; a passed
one is applied through the owning service, attributed to the proposal."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from lakemesh.access.models import MaskingPolicy
from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.models import Principal
from lakemesh.core.errors import NotFound, invalid
from lakemesh.core.validation import parse_model
from lakemesh.intake.service import IntakeService, check_schema
from lakemesh.templates.models import TemplateDocument
from lakemesh.templates.service import TemplateService

OTHER_KINDS = frozenset({"template", "masking-policy", "intake-form"})


class MeshSettings:
    def __init__(self, templates: TemplateService, reads: ReadGovernor, intake: IntakeService) -> None:
        self._templates = templates
        self._reads = reads
        self._intake = intake

    def plan(self, session: Session, kind: str, given: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The stored change and its plan, terraform-style; invalid documents are refused when proposed."""
        reader = _reader()
        if kind == "template":
            name = str(given.get("name") or "")
            if not name:
                raise invalid("template", "needs `name` and `document`")
            document = parse_model(TemplateDocument, dict(given.get("document") or {}))
            stored = document.model_dump()
            try:
                current: dict[str, Any] = (
                    self._templates.get(reader, name).model_dump(mode="json").get("document") or {}
                )
            except NotFound:
                return {"name": name, "document": stored}, f'  + template "{name}" ({document.type})\n{_lines(stored)}'
            changes = [
                f"      ~ {k}: {_show(current.get(k))} -> {_show(v)}" for k, v in stored.items() if current.get(k) != v
            ]
            return {"name": name, "document": stored}, "\n".join([f'  ~ template "{name}"', *changes])
        if kind == "masking-policy":
            labels = dict(parse_model(MaskingPolicy, {"labels": given}).labels)
            before = dict(self._reads.get_policy(reader).labels)
            lines = [
                f"  ~ mask {label}: {before.get(label, '(none)')} -> {labels.get(label, '(none)')}"
                for label in sorted(set(before) | set(labels))
                if before.get(label) != labels.get(label)
            ]
            return {"labels": labels}, "\n".join(lines) or "  = masking policy (unchanged)"
        check_schema(given)
        before_fields = list(self._intake.get_form(reader, None).get("required") or [])
        after_fields = list(given.get("required") or [])
        plan = f"  ~ required product fields: {before_fields} -> {after_fields}"
        return {"form": given}, plan

    def apply(self, council: Principal, proposal_id: str, kind: str, change: dict[str, Any]) -> dict[str, Any]:
        if kind == "template":
            document = TemplateDocument.model_validate(change["document"])
            template = self._templates.put(council, str(change["name"]), document, proposal=proposal_id)
            return {"template": template.name, "version": template.version}
        if kind == "masking-policy":
            policy = MaskingPolicy.model_validate({"labels": change["labels"]})
            return {"masking": dict(self._reads.set_policy(council, policy, proposal=proposal_id).labels)}
        form = self._intake.set_form(council, None, dict(change["form"]), proposal=proposal_id)
        return {"required": list(form.get("required") or [])}


def _reader() -> Principal:
    """Reading the current settings for a plan: everyone signed in may read them."""
    from datetime import UTC, datetime

    return Principal(id="council", name="council", kind="service", created_at=datetime.now(UTC))


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _lines(document: dict[str, Any]) -> str:
    return "\n".join(f"      {k}: {_show(v)}" for k, v in document.items())
