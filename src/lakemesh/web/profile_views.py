"""What table and product pages show of profiles and glossary terms: drift charts and each column's terms."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.glossary.models import TermBrief
from lakemesh.lakehouses.models import TableInfo
from lakemesh.platform import Platform
from lakemesh.profiles.models import TableProfile
from lakemesh.web.svg import line_chart

DRIFT_POINTS = 50


def table_terms(platform: Platform, me: Principal, info: TableInfo) -> dict[str, list[TermBrief]]:
    try:
        return platform.glossary_links.table_terms(me, info.domain, info.lakehouse, info.name)
    except (Forbidden, NotFound):
        return {}


def product_terms(platform: Platform, me: Principal, domain: str, product: str) -> dict[str, list[TermBrief]]:
    try:
        return platform.glossary_links.product_terms(me, domain, product)
    except (Forbidden, NotFound):
        return {}


def product_profile(platform: Platform, me: Principal, table: str) -> TableProfile | None:
    """The stored profile of the product's table as `me` may see it; None for those who may not read its data."""
    parts = table.split(".", 2)
    if len(parts) != 3:
        return None
    try:
        return platform.profiles.stored(me, *parts)
    except (Forbidden, NotFound):
        return None


def drift_charts(platform: Platform, me: Principal, info: TableInfo, column: str) -> dict[str, Any]:
    """Charts of one column's null share, distinct count and mean over the stored profiles, oldest first."""
    names = [c.name for c in info.columns]
    chosen = column if column in names else (names[0] if names else "")
    if not chosen:
        return {"drift_column": "", "drift_charts": []}
    try:
        where = (info.domain, info.lakehouse, info.name)
        points = platform.profiles.column_history(me, *where, chosen, limit=DRIFT_POINTS)
    except (Forbidden, NotFound):
        return {"drift_column": chosen, "drift_charts": []}
    points = list(reversed(points))
    labels = [f"v{p.version}" for p in points]
    series: list[tuple[str, list[float | None]]] = [
        ("Nulls (%)", [p.column.null_pct for p in points]),
        ("Rows", [float(p.column.rows) for p in points]),
    ]
    if not any(p.column.withheld for p in points):
        distinct = [None if p.column.distinct is None else float(p.column.distinct) for p in points]
        series.append(("Distinct (approximate)", distinct))
        if any(p.column.mean is not None for p in points):
            series.append(("Mean", [p.column.mean for p in points]))
    charts: list[Markup] = [
        line_chart(f"{title} of {chosen}", list(zip(labels, values, strict=True)), single="one profile so far")
        for title, values in series
    ]
    return {"drift_column": chosen, "drift_charts": charts if points else []}
