"""Search results and facets, shared with the SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["product", "table", "column"]
FACETS = ("domain", "tag", "term", "owner", "classification", "status", "kind", "layer")


class SearchHit(BaseModel):
    kind: Kind
    id: str = Field(description="The object's id (for a column, its table's id).")
    name: str
    qualified_name: str = Field(
        description="`domain/product`, `domain.lakehouse.table` or `domain.lakehouse.table.column`."
    )
    domain: str
    owner: str | None
    description: str
    tags: list[str]
    classification: str | None
    status: str | None
    layer: str | None
    quality_score: float | None
    score: float = Field(description="Relevance; higher is better. Comparable within one response only.")


class FacetCount(BaseModel):
    value: str
    count: int


class SearchResults(BaseModel):
    """Hits, best first, and facet counts over every hit you may see (not only this page)."""

    query: str
    total: int
    items: list[SearchHit]
    facets: dict[str, list[FacetCount]]
    corrected: dict[str, list[str]] = Field(
        default_factory=dict, description="Query words matched by close spellings (typo tolerance)."
    )

    def __iter__(self) -> Iterator[SearchHit]:  # type: ignore[override]
        """`for product in mesh.search(...)` walks the hits, as the seed's discovery loop does."""
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> SearchHit:
        return self.items[index]


class SearchQuery(BaseModel):
    """Filters: several values of one filter are OR-ed, different filters AND-ed."""

    q: str = ""
    domain: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    term: list[str] = Field(default_factory=list, description="Glossary terms linked to the object (or its columns).")
    owner: list[str] = Field(default_factory=list)
    classification: list[str] = Field(default_factory=list)
    layer: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)
    kind: list[Kind] = Field(default_factory=list)
    has_open_incident: bool | None = Field(
        default=None, description="Only products with (true) or without (false) an open incident."
    )
    limit: int = Field(default=25, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000)

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"q", "limit", "offset"})
