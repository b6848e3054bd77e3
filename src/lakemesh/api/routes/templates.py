"""Self-serve templates (`domain-lakehouse-template`, `ingestion-pipeline-template`, your own)."""

from __future__ import annotations

from fastapi import APIRouter

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.pages import Page
from lakemesh.templates.models import Template, TemplateDocument, TemplateVersion

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


@router.get("", summary="List templates")
def list_templates(platform: PlatformDep, caller: Caller) -> Page[Template]:
    return Page(items=platform.templates.list(caller))


@router.get("/{name}", summary="Get a template")
def get_template(name: str, platform: PlatformDep, caller: Caller) -> Template:
    return platform.templates.get(caller, name)


@router.get(
    "/{name}/versions",
    summary="List a template's versions",
    description="Every stored version, newest first, with the document it had.",
)
def template_versions(name: str, platform: PlatformDep, caller: Caller) -> Page[TemplateVersion]:
    return Page(items=[TemplateVersion.model_validate(v) for v in platform.templates.versions(caller, name)])


@router.put(
    "/{name}",
    summary="Create or update a template",
    description="Platform admins only. Each change makes a new template version; lakehouses keep what they got.",
)
def put_template(name: str, document: TemplateDocument, platform: PlatformDep, caller: Caller) -> Template:
    return platform.templates.put(caller, name, document)
