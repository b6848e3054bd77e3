"""The business glossary: terms, versions, links to products, tables and columns, CSV import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.errors import PayloadTooLarge, UnsupportedMediaType
from lakemesh.core.validation import parse_model
from lakemesh.glossary.csv_format import MAX_CSV_BYTES, from_csv, to_csv
from lakemesh.glossary.models import (
    ImportResult,
    Term,
    TermBrief,
    TermDetail,
    TermLink,
    TermSpec,
    TermStatus,
    TermVersion,
)

router = APIRouter(tags=["glossary"])
RAW_BODY_PATHS = [r"^/api/v1/glossary/import\.csv$"]  # CSV, with its own type and size checks
TERMS = "/api/v1/glossary/terms"
TERM = TERMS + "/{name}"
# The PUT body is a term's document; `name` may be left out (the path names the term).
_TERM_BODY = {k: v for k, v in TermSpec.model_json_schema().items() if k != "required"}
RIGHTS = (
    "A domain's Contributors and up write its draft terms; its Admins approve, deprecate, change approved terms "
    "and delete; only platform admins write GLOBAL terms. A category that would contain itself is a 422."
)


@router.put(
    TERM,
    summary="Create or replace a glossary term",
    description=RIGHTS,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": _TERM_BODY}}}},
)
def put_term(name: str, platform: PlatformDep, caller: Caller, term: Annotated[dict[str, Any], Body()]) -> Term:
    return platform.glossary.put_term(caller, name, parse_model(TermSpec, {"name": name, **term}))


@router.get(TERM, summary="A term with its sub-terms and everything linked to it that you may see")
def get_term(name: str, platform: PlatformDep, caller: Caller) -> TermDetail:
    return platform.glossary_links.detail(caller, name)


@router.get(TERMS, summary="Search and browse terms", description="`q` matches names, synonyms and definitions.")
def list_terms(
    platform: PlatformDep,
    caller: Caller,
    q: Annotated[str | None, Query(max_length=200)] = None,
    domain: str | None = None,
    parent: str | None = None,
    status: TermStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Term]:
    return platform.glossary.list_terms(caller, q=q, domain=domain, parent=parent, status=status, limit=limit)


@router.delete(TERM, status_code=204, summary="Delete a term and its links (the domain's Admins)")
def delete_term(name: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.glossary.delete_term(caller, name)
    return Response(status_code=204)


@router.get(TERM + "/versions", summary="Every version of a term, newest first")
def term_versions(name: str, platform: PlatformDep, caller: Caller) -> list[TermVersion]:
    return platform.glossary.versions(caller, name)


@router.post(
    TERM + "/links",
    summary="Link a term to a product, table or column",
    description="`target` is `domain/product`, `domain.lakehouse.table` or `domain.lakehouse.table.column`. The "
    "target domain's Contributors and up link; a target you may read but not write is a 403, one you may not "
    "see a 404.",
)
def link_term(
    name: str, platform: PlatformDep, caller: Caller, target: Annotated[str, Body(embed=True, max_length=700)]
) -> TermLink:
    return platform.glossary_links.link(caller, name, target)


@router.delete(TERM + "/links/{target:path}", status_code=204, summary="Remove a link or reject a suggestion")
def unlink_term(name: str, target: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.glossary_links.unlink(caller, name, target)
    return Response(status_code=204)


@router.post(TERM + "/suggestions", summary="Suggest links to columns named like the term or a synonym")
def suggest_links(name: str, platform: PlatformDep, caller: Caller) -> list[TermLink]:
    return platform.glossary_links.suggest(caller, name)


@router.get("/api/v1/glossary/export", summary="Every term's document (JSON), categories first")
def export_terms(platform: PlatformDep, caller: Caller) -> list[TermSpec]:
    return platform.glossary.all_specs(caller)


@router.get("/api/v1/glossary/export.csv", summary="The glossary as CSV", response_class=Response)
def export_csv(platform: PlatformDep, caller: Caller) -> Response:
    return Response(to_csv(platform.glossary.all_specs(caller)), media_type="text/csv; charset=utf-8")


@router.post("/api/v1/glossary/import", summary="Create or update many terms (JSON list)")
def import_terms(
    platform: PlatformDep, caller: Caller, terms: Annotated[list[dict[str, Any]], Body(max_length=100_000)]
) -> ImportResult:
    return platform.glossary_import.apply(caller, [parse_model(TermSpec, t) for t in terms])


@router.post(
    "/api/v1/glossary/import.csv",
    summary="Create or update many terms from CSV",
    description="Body `text/csv` in the export's columns; only `name` is required, list cells separated by `;`.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_csv(request: Request, platform: PlatformDep, caller: Caller) -> ImportResult:
    if not request.headers.get("content-type", "").startswith("text/csv"):
        raise UnsupportedMediaType("Send the glossary as text/csv")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_CSV_BYTES:
            raise PayloadTooLarge(f"The CSV must be at most {MAX_CSV_BYTES} bytes")
    return platform.glossary_import.apply(caller, from_csv(bytes(body).decode("utf-8", errors="replace")))


@router.get("/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/glossary-terms", summary="A table's terms")
def table_terms(
    domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller
) -> dict[str, list[TermBrief]]:
    return platform.glossary_links.table_terms(caller, domain, lakehouse, table)


@router.get("/api/v1/domains/{domain}/products/{product}/glossary-terms", summary="A product's terms")
def product_terms(domain: str, product: str, platform: PlatformDep, caller: Caller) -> dict[str, list[TermBrief]]:
    return platform.glossary_links.product_terms(caller, domain, product)
