"""The mesh-wide settings besides policies that the council governs: self-serve templates, the masking policy,
the platform's required product fields (its intake form) and the approved GLOBAL glossary terms. Each proposal
carries the document the direct endpoint takes (`template put`, `PUT /masking`, `intake set`, `PUT
/glossary/terms/{name}`), validated when proposed, with a plan of what changes; a passed one is applied through the
owning service, attributed to the proposal."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from lakemesh.access.models import MaskingPolicy
from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.models import Principal
from lakemesh.core.errors import NotFound, invalid
from lakemesh.core.validation import parse_model
from lakemesh.glossary.models import GLOBAL, TermSpec
from lakemesh.glossary.service import GlossaryService
from lakemesh.intake.service import IntakeService, check_schema
from lakemesh.templates.models import TemplateDocument
from lakemesh.templates.service import TemplateService

OTHER_KINDS = frozenset({"template", "masking-policy", "intake-form", "glossary-term"})


class MeshSettings:
    def __init__(
        self, templates: TemplateService, reads: ReadGovernor, intake: IntakeService, glossary: GlossaryService
    ) -> None:
        self._templates = templates
        self._reads = reads
        self._intake = intake
        self._glossary = glossary

    def plan(self, session: Session, kind: str, given: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The stored change and its plan, terraform-style; invalid documents are refused when proposed."""
        reader = _reader()
        if kind == "glossary-term":
            return self._plan_term(reader, given)
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

    def _plan_term(self, reader: Principal, given: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """A GLOBAL term to create, change (approve, deprecate) or delete; domain terms stay with their domain."""
        document = dict(given.get("term") or {})
        name = str(document.get("name") or "")
        if not name:
            raise invalid("term", "needs the term's `name`")
        try:
            current: dict[str, Any] | None = self._glossary.document(reader, name)
        except NotFound:
            current = None
        if given.get("action") == "retire":
            if current is None:
                raise invalid("term", f"there is no glossary term {name!r} to delete")
            return {"action": "retire", "name": current["name"]}, f'  - glossary term "{current["name"]}" (deleted)'
        spec = parse_model(TermSpec, document)
        if spec.domain.strip().upper() != GLOBAL or (current is not None and current["domain"] != GLOBAL):
            raise invalid("term", "the council governs GLOBAL terms; a domain's Admins approve its own terms")
        stored = spec.model_dump(mode="json")
        key = current["name"] if current is not None else spec.name
        if current is None:
            return {"action": "put", "name": key, "term": stored}, f'  + glossary term "{spec.name}"\n{_lines(stored)}'
        changes = [
            f"      ~ {k}: {_show(current.get(k))} -> {_show(v)}" for k, v in stored.items() if current.get(k) != v
        ]
        return {"action": "put", "name": key, "term": stored}, "\n".join([f'  ~ glossary term "{key}"', *changes])

    def apply(self, council: Principal, proposal_id: str, kind: str, change: dict[str, Any]) -> dict[str, Any]:
        if kind == "glossary-term":
            if change.get("action") == "retire":
                self._glossary.delete_term(council, str(change["name"]), proposal=proposal_id)
                return {"term": change["name"], "deleted": True}
            spec = TermSpec.model_validate(change["term"])
            term = self._glossary.put_term(council, str(change["name"]), spec, proposal=proposal_id)
            return {"term": term.name, "status": term.status.value, "version": term.version}
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
