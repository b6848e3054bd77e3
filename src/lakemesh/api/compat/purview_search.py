"""Purview's search query onto Lakemesh's search: same ranking, same visibility filtering."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat.errors import CompatError
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.ids import uuid_of
from lakemesh.core.validation import parse_model
from lakemesh.discovery.models import SearchHit, SearchQuery

router = APIRouter(tags=["purview"])
KINDS = {"dataproduct": "product", "table": "table", "column": "column"}
ENTITY_TYPES = {"product": "DataProduct", "table": "Table", "column": "Column"}
ATTRIBUTES = {"domain": "domain", "owner": "owner", "tag": "tag", "tags": "tag", "classification": "classification"}
ATTRIBUTES |= {"layer": "layer", "status": "status"}
FACETS = {"domain": "domain", "owner": "owner", "tag": "tag", "classification": "classification", "layer": "layer"}
FACETS |= {"status": "status", "entityType": "kind", "objectType": "kind"}


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    keywords: str | None = None
    filter: dict[str, Any] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000)
    facets: list[dict[str, Any]] = Field(default_factory=list)


@router.post("/search/query", summary="Search the catalog")
def search(spec: SearchRequest, platform: PlatformDep, caller: Caller) -> Any:
    filters: dict[str, list[str]] = {}
    if spec.filter:
        _collect(spec.filter, filters, top=True)
    query = parse_model(SearchQuery, {"q": spec.keywords or "", "limit": spec.limit, "offset": spec.offset, **filters})
    results = platform.discovery.search(caller, query)
    body: dict[str, Any] = {"@search.count": results.total, "value": [_hit(h) for h in results.items]}
    facets: dict[str, Any] = {}
    for facet in spec.facets:
        name = str(facet.get("facet", ""))
        ours = results.facets.get(FACETS.get(name, name), [])
        facets[name] = [{"value": f.value, "count": f.count} for f in ours[: int(facet.get("count", 10) or 10)]]
    body["@search.facets"] = facets
    return body


def _collect(clause: dict[str, Any], filters: dict[str, list[str]], *, top: bool) -> None:
    """`and` of conditions (an `or` only of values of one attribute): what Lakemesh's filters can say."""
    if "and" in clause and isinstance(clause["and"], list):
        for item in clause["and"]:
            _collect(_clause(item), filters, top=top)
    elif "or" in clause and isinstance(clause["or"], list):
        parts: dict[str, list[str]] = {}
        for item in clause["or"]:
            _collect(_clause(item), parts, top=False)
        if len(parts) > 1:
            raise _malformed("an `or` across different attributes is not supported; use `and`, or `in` values")
        for key, found in parts.items():
            filters.setdefault(key, []).extend(found)
    elif "typeName" in clause:
        kind = KINDS.get(str(clause["typeName"]).lower())
        if kind is None:
            raise _malformed(f"typeName {clause['typeName']!r}: Lakemesh has DataProduct, Table and Column")
        filters.setdefault("kind", []).append(kind)
    elif "attributeName" in clause:
        name, operator = str(clause["attributeName"]), str(clause.get("operator", "eq")).lower()
        if name not in ATTRIBUTES or operator not in {"eq", "in"}:
            raise _malformed(f"attribute {name!r} with operator {operator!r} is not supported")
        value = clause.get("attributeValue")
        values: list[Any] = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise _malformed("attributeValue must be a string or a list of strings")
        filters.setdefault(ATTRIBUTES[name], []).extend(v.lower() if name == "domain" else v for v in values)
    else:
        raise _malformed(f"unknown filter clause {sorted(clause)}")


def _clause(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _malformed("each filter clause is an object")
    return item


def _malformed(message: str) -> CompatError:
    return CompatError(400, "BadRequest", f"Invalid search filter: {message}")


def _hit(hit: SearchHit) -> dict[str, Any]:
    entity = ENTITY_TYPES[hit.kind]
    return {
        "id": uuid_of(hit.id),
        "name": hit.name,
        "qualifiedName": hit.qualified_name,
        "entityType": entity,
        "objectType": entity,
        "description": hit.description,
        "owner": hit.owner,
        "classification": [hit.classification] if hit.classification else [],
        "label": hit.tags,
        "@search.score": hit.score,
        "attributes": {"name": hit.name, "domain": hit.domain, "owner": hit.owner, "description": hit.description},
    }
