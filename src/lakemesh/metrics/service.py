"""Mesh health metrics: live from the catalog, daily snapshots in Delta, series for the API, CLI and web UI."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow.compute as pc

from lakemesh.auth import assignments
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden, LakemeshError, invalid
from lakemesh.domains.service import domain_rows
from lakemesh.metrics.compute import CatalogFacts, change_marker, gather, median, visible_counts
from lakemesh.metrics.directory import ProductCard, visible_products
from lakemesh.metrics.models import METRIC_NAMES, FigureScope, MeshMetrics, MetricPoint, MetricsReport
from lakemesh.metrics.snapshots import Row, SnapshotTable
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot

log = logging.getLogger(__name__)
QUALITY_TABLE = "data_quality_metrics"  # written by the quality capability; read here as any Delta reader would
MAX_DAYS = 366
# A ratio source returns (part, whole): (compliant subjects, subjects), (templated pipelines, pipelines)...
RatioSource = Callable[[], tuple[float, float]]
# A viewer's own figure and what it covers: governance compliance over the domains the viewer belongs to.
ViewerSource = Callable[[Principal], tuple[float | None, FigureScope]]
CountSource = Callable[[], int]
RATIO_METRICS = ("self_serve_adoption", "governance_compliance", "avg_quality_score")


class MetricsService:
    """Any signed-in principal may read the metrics; product counts leave out other domains' drafts."""

    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        delta: DeltaTables,
        root: DataRoot,
        *,
        capabilities: Callable[[], set[str]] = set,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._delta = delta
        self._quality_uri = root.platform_table_uri(QUALITY_TABLE)
        self.snapshots = SnapshotTable(delta, root)
        self._capabilities = capabilities
        self._share_counts: dict[str, CountSource] = {}
        self._ratios: dict[str, list[RatioSource]] = {m: [] for m in RATIO_METRICS}
        self._compliance_of: ViewerSource | None = None
        self._cache: tuple[tuple[int, str], CatalogFacts] | None = None
        self._lock = threading.Lock()
        self._last_snapshot: date | None = None

    # -- extension points ------------------------------------------------------------------------
    def register_share_count(self, kind: str, count: CountSource) -> None:
        """Sharing and access add their cross-domain shares and grants (`kind`: `grants`, `shares`)."""
        self._share_counts[kind] = count
        self._cache = None

    def register_ratio(self, metric: str, source: RatioSource) -> None:
        """Governance adds (compliant, subjects); pipelines add (from template, pipelines) to self-serve adoption."""
        if metric not in self._ratios:
            raise invalid("metric", f"must be one of {', '.join(RATIO_METRICS)}")
        self._ratios[metric].append(source)
        self._cache = None

    def register_compliance(self, source: ViewerSource) -> None:
        """Governance adds each viewer's compliance and its scope, so the home tile, the governance page and
        `GET /api/v1/governance/report` show one figure for one viewer (the daily snapshot stays mesh-wide)."""
        self._compliance_of = source

    # -- reading ---------------------------------------------------------------------------------
    def current(self, actor: Principal) -> MeshMetrics:
        facts = self._facts()
        metrics = self._metrics(facts, everything=actor.is_platform_admin, own=self._own_domains(actor))
        source = self._compliance_of
        if source is None:
            return metrics
        found = self._run("governance_compliance", lambda: source(actor))
        if found is None:
            return metrics
        value, scope = found
        return metrics.model_copy(update={"governance_compliance": value, "governance_scope": scope})

    def report(self, actor: Principal, *, days: int = 30) -> MetricsReport:
        if not 1 <= days <= MAX_DAYS:
            raise invalid("days", f"must be between 1 and {MAX_DAYS}")
        current = self.current(actor)
        today = self._clock.now().date()
        since = today - timedelta(days=days - 1)
        own = self._own_domains(actor)
        stored = self.snapshots.read(since)
        by_day: dict[date, dict[str, float | None]] = {}
        products: dict[date, dict[tuple[str, str], int]] = {}
        for (day, metric, dimension), value in stored.items():
            if metric == "data_products_count" and dimension:
                slug, _, status = dimension.rpartition("/")
                products.setdefault(day, {})[(slug, status)] = int(value or 0)
            elif not dimension:
                by_day.setdefault(day, {})[metric] = value
        for day, counts in products.items():
            seen = visible_counts(counts, everything=actor.is_platform_admin, own_domains=own)
            by_day.setdefault(day, {})["data_products_count"] = float(sum(seen.values()))
        by_day[today] = current.headline()
        series = {
            name: [MetricPoint(day=day, value=by_day[day].get(name)) for day in sorted(by_day) if name in by_day[day]]
            for name in METRIC_NAMES
        }
        return MetricsReport(current=current, summary=current.seed_view(), since=since, series=series)

    def directory(self, actor: Principal) -> list[ProductCard]:
        """Every product the caller may see, with its latest quality score: the marketplace's listing."""
        scores = self._facts().quality_scores
        with self._catalog.read() as session:
            cards = visible_products(session, actor)
        for card in cards:
            card.quality_score = scores.get(card.qualified_name)
        return cards

    def quality_history(self, product: str, *, runs: int = 30) -> list[tuple[str, float | None]]:
        """(check time, score) of a product's latest runs, oldest first; the caller has already read the product."""
        if not self._delta.exists(self._quality_uri):
            return []
        table = (
            self._delta.open(self._quality_uri)
            .to_pyarrow_dataset()
            .to_table(columns=["run_id", "check_time", "score"], filter=pc.field("product") == product)
        )
        by_run: dict[str, tuple[datetime, float | None]] = {}
        for run, at, score in zip(
            table["run_id"].to_pylist(), table["check_time"].to_pylist(), table["score"].to_pylist(), strict=True
        ):
            by_run[run] = (at, score)
        latest = sorted(by_run.values(), key=lambda entry: entry[0])[-runs:]
        return [(at.strftime("%m-%d %H:%M"), score) for at, score in latest]

    # -- snapshots -------------------------------------------------------------------------------
    def snapshot_as(self, actor: Principal) -> int:
        """A snapshot asked for by a person (the API, SDK and CLI): platform admins only."""
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins can snapshot the mesh metrics")
        return self.snapshot()

    def snapshot(self) -> int:
        """Append today's figures (mesh-wide, and product counts per domain and status); returns rows written."""
        now = self._clock.now()
        facts = self._facts()
        metrics = self._metrics(facts, everything=True, own=set())
        rows: list[Row] = [(name, "", value) for name, value in metrics.headline().items()]
        rows += [("data_products_count", f"{slug}/{status}", float(n)) for (slug, status), n in facts.products.items()]
        self.snapshots.append(now.date(), now, rows)
        self._last_snapshot = now.date()
        return len(rows)

    def snapshot_if_due(self) -> bool:
        """The scheduler calls this often; it writes at most one snapshot a day (the first call of the day)."""
        today = self._clock.now().date()
        if self._last_snapshot is None or self._last_snapshot < today:  # another replica may have written today's
            self._last_snapshot = self.snapshots.last_day()
        if self._last_snapshot is not None and self._last_snapshot >= today:
            return False
        self.snapshot()
        return True

    # -- internals -------------------------------------------------------------------------------
    def _facts(self) -> CatalogFacts:
        """Cached until the catalog changes (any mutation writes the outbox) or the minute turns."""
        now = self._clock.now()
        with self._catalog.read() as session:
            key = (change_marker(session), now.strftime("%Y-%m-%dT%H:%M"))
            with self._lock:
                if self._cache is not None and self._cache[0] == key:
                    return self._cache[1]
            facts = gather(session, now)
        facts.quality_scores.update(self._quality_scores())
        for kind, count in self._share_counts.items():
            facts.shares[kind] = self._run(kind, count)
        for metric, sources in self._ratios.items():
            facts.ratios[metric] = [r for r in (self._run(metric, source) for source in sources) if r is not None]
        with self._lock:
            self._cache = (key, facts)
        return facts

    def _own_domains(self, actor: Principal) -> set[str]:
        with self._catalog.read() as session:
            ids = list(assignments.domains_of(session, actor.id))
            if not ids:
                return set()
            return {domain.slug for domain in domain_rows(session, ids)}

    def _quality_scores(self) -> dict[str, float]:
        """Each product's latest run score, from the `data_quality_metrics` Delta table (empty before any run)."""
        if not self._delta.exists(self._quality_uri):
            return {}
        table = (
            self._delta.open(self._quality_uri)
            .to_pyarrow_dataset()
            .to_table(columns=["product", "check_time", "run_id", "score"], filter=pc.field("score").is_valid())
        )
        latest: dict[str, tuple[datetime, str, float]] = {}
        for product, at, run, score in zip(
            table["product"].to_pylist(),
            table["check_time"].to_pylist(),
            table["run_id"].to_pylist(),
            table["score"].to_pylist(),
            strict=True,
        ):
            if product not in latest or (at, run) > latest[product][:2]:
                latest[product] = (at, run, float(score))
        return {product: entry[2] for product, entry in latest.items()}

    def _metrics(self, facts: CatalogFacts, *, everything: bool, own: set[str]) -> MeshMetrics:
        counts = visible_counts(facts.products, everything=everything, own_domains=own)
        by_status: dict[str, int] = {}
        by_domain: dict[str, int] = {}
        for (slug, status), n in sorted(counts.items()):
            by_status[status] = by_status.get(status, 0) + n
            by_domain[slug] = by_domain.get(slug, 0) + n
        shares = {"shortcuts": facts.shortcuts_across_domains}
        shares |= {kind: int(n) for kind, n in facts.shares.items() if n is not None}
        installed = self._capabilities()
        unavailable = []
        quality = _ratio(facts, "avg_quality_score", (sum(facts.quality_scores.values()), len(facts.quality_scores)))
        if quality is None and not facts.quality_scores and "quality" not in installed:
            unavailable.append("avg_quality_score")
        compliance = _ratio(facts, "governance_compliance", (0.0, 0.0), percent=True)
        if compliance is None and not facts.ratios.get("governance_compliance"):
            unavailable.append("governance_compliance")
        lakehouses = (facts.lakehouses_from_template, facts.lakehouses)
        adoption = _ratio(facts, "self_serve_adoption", lakehouses, percent=True)
        return MeshMetrics(
            computed_at=self._clock.now(),
            data_products_count=sum(counts.values()),
            data_products_by_status=by_status,
            data_products_by_domain=by_domain,
            domains_total=len(facts.domains),
            domains_active=facts.active_domains,
            cross_domain_shares=sum(shares.values()),
            cross_domain_shares_by_kind=shares,
            avg_quality_score=quality,
            time_to_new_product_days=median(facts.days_to_publish),
            time_to_new_product_recent_days=median(facts.days_to_publish_recent),
            time_to_first_product_days=median(facts.days_to_first_product),
            self_serve_adoption=adoption,
            governance_compliance=compliance,
            unavailable=unavailable,
        )

    @staticmethod
    def _run(name: str, source: Callable[[], Any]) -> Any:
        """A failing source leaves its figure out (logged), never the whole page."""
        try:
            return source()
        except LakemeshError:
            log.warning("metric source for %s failed", name, exc_info=True)
            return None


def _ratio(facts: CatalogFacts, metric: str, base: tuple[float, float], *, percent: bool = False) -> float | None:
    part, whole = base
    for extra_part, extra_whole in facts.ratios.get(metric, []):
        part, whole = part + extra_part, whole + extra_whole
    if not whole:
        return None
    return round(part / whole * (100 if percent else 1), 1)
