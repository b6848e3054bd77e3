"""Search over the mesh: products, tables and columns you may see, with facet counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.discovery.models import Kind, SearchQuery, SearchResults

router = APIRouter(prefix="/api/v1", tags=["discovery"])
Many = Annotated[list[str] | None, Query()]


@router.get(
    "/search",
    summary="Search products, tables and columns",
    description="Full text over names, tags (and linked glossary terms with their synonyms), descriptions and columns, "
    "tolerant of typos in short queries. "
    "Repeat a filter to OR its values (`domain=sales&domain=marketing`); different filters AND. Facets count "
    "every hit you may see. Published products are visible to everyone; tables, columns and drafts only to "
    "their domain and to holders of a grant.",
)
def search(
    platform: PlatformDep,
    caller: Caller,
    q: Annotated[str, Query(max_length=500)] = "",
    domain: Many = None,
    tag: Many = None,
    term: Many = None,
    owner: Many = None,
    classification: Many = None,
    layer: Many = None,
    status: Many = None,
    kind: Annotated[list[Kind] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 25,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    has_open_incident: Annotated[bool | None, Query()] = None,
) -> SearchResults:
    query = SearchQuery(
        q=q,
        domain=domain or [],
        tag=tag or [],
        term=term or [],
        owner=owner or [],
        classification=classification or [],
        layer=layer or [],
        status=status or [],
        kind=kind or [],
        has_open_incident=has_open_incident,
        limit=limit,
        offset=offset,
    )
    return platform.discovery.search(caller, query)
