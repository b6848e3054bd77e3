"""What the metrics API returns: the seed's mesh health figures, now and over time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

# The seed's metric names, in the seed's order; each has a daily series.
METRIC_NAMES = (
    "data_products_count",
    "domains_active",
    "cross_domain_shares",
    "avg_quality_score",
    "time_to_new_product",
    "self_serve_adoption",
    "governance_compliance",
)


class FigureScope(BaseModel):
    """What a figure covers, so two figures that differ can be told apart: which domains, which policies, when."""

    domains: list[str] = Field(description="Slugs of the domains counted.")
    all_domains: bool = Field(description="True for platform admins: every domain of the mesh.")
    policies: list[str] = Field(description="Names of the policies counted.")
    as_of: datetime = Field(description="When the figure was evaluated.")


class MeshMetrics(BaseModel):
    """The mesh's health right now, as the caller may see it (drafts of other domains are not counted)."""

    computed_at: datetime
    data_products_count: int = Field(description="Products the caller can see, every status.")
    data_products_by_status: dict[str, int]
    data_products_by_domain: dict[str, int]
    domains_total: int
    domains_active: int = Field(description="Domains with a product published or a table write in the last 30 days.")
    cross_domain_shares: int = Field(description="Shortcuts, grants and shares whose consumer is another domain.")
    cross_domain_shares_by_kind: dict[str, int]
    avg_quality_score: float | None = Field(description="Mean score (%) of each product's latest quality run.")
    time_to_new_product_days: float | None = Field(description="Median days from a product's creation to publish.")
    time_to_new_product_recent_days: float | None = Field(
        description="The same median over products first published in the last 30 days (the trend)."
    )
    time_to_first_product_days: float | None = Field(
        description="Median days from a domain's creation to its first published product."
    )
    self_serve_adoption: float | None = Field(description="Share (%) of lakehouses and pipelines from templates.")
    governance_compliance: float | None = Field(
        description="Share (%) of subject checks that comply, over the caller's domains (every domain for platform "
        "admins): the `compliance_pct` of `GET /api/v1/governance/report` for the same caller."
    )
    governance_scope: FigureScope | None = Field(
        default=None, description="The domains and policies `governance_compliance` covers, and when it was evaluated."
    )
    unavailable: list[str] = Field(
        default_factory=list, description="Metrics whose capability is not installed yet (their value is null)."
    )

    def seed_view(self) -> dict[str, Any]:
        """The seed's `mesh_metrics` dict, with the same keys and the same human formatting."""
        return {
            "data_products_count": self.data_products_count,
            "domains_active": self.domains_active,
            "cross_domain_shares": self.cross_domain_shares,
            "avg_quality_score": self.avg_quality_score,
            "time_to_new_product": _days(self.time_to_new_product_days),
            "self_serve_adoption": _percent(self.self_serve_adoption),
            "governance_compliance": _percent(self.governance_compliance),
        }

    def headline(self) -> dict[str, float | None]:
        """One number per seed metric: what the daily series holds."""
        return {
            "data_products_count": float(self.data_products_count),
            "domains_active": float(self.domains_active),
            "cross_domain_shares": float(self.cross_domain_shares),
            "avg_quality_score": self.avg_quality_score,
            "time_to_new_product": self.time_to_new_product_days,
            "self_serve_adoption": self.self_serve_adoption,
            "governance_compliance": self.governance_compliance,
        }


class MetricPoint(BaseModel):
    day: date
    value: float | None


class MetricsReport(BaseModel):
    """`GET /api/v1/metrics`: the live figures plus one daily series per metric (today's point is live)."""

    current: MeshMetrics
    summary: dict[str, Any] = Field(description="The seed's `mesh_metrics` dict.")
    since: date
    series: dict[str, list[MetricPoint]]


def _days(value: float | None) -> str | None:
    if value is None:
        return None
    rounded = round(value, 1)
    shown = int(rounded) if rounded.is_integer() else rounded
    return f"{shown} day" if shown == 1 else f"{shown} days"


def _percent(value: float | None) -> str | None:
    if value is None:
        return None
    rounded = round(value, 1)
    return f"{int(rounded) if rounded.is_integer() else rounded}%"
