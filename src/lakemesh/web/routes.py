"""Every page of the web UI, on one router mounted at `/`."""

from __future__ import annotations

from fastapi import APIRouter

from lakemesh.web import (
    pages_access,
    pages_council,
    pages_domains,
    pages_glossary,
    pages_governance,
    pages_home,
    pages_more,
    pages_pipelines,
    pages_products,
    pages_sso,
    pages_tables,
)

router = APIRouter(include_in_schema=False)
for module in (
    pages_home,
    pages_products,
    pages_domains,
    pages_pipelines,
    pages_governance,
    pages_council,
    pages_glossary,
    pages_tables,
    pages_more,
    pages_access,
    pages_sso,
):
    router.include_router(module.router)
