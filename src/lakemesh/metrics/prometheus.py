"""Operator metrics in the Prometheus text format: request counts and latencies per route, scheduled job runs.

One registry per Platform (not the process-global default), so several apps in one process never mix figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Latency buckets around the 200 ms page budget.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0)


class JobStats(Protocol):
    name: str
    runs: int
    failures: int


class _JobCollector(Collector):
    """Reads the scheduler's own counters at scrape time, so there is nothing to keep in step."""

    def __init__(self, jobs: Callable[[], Iterable[JobStats]]) -> None:
        self._jobs = jobs

    def collect(self) -> Iterator[Metric]:
        runs = CounterMetricFamily("lakemesh_job_runs", "Scheduled job runs that succeeded.", labels=["job"])
        failures = CounterMetricFamily("lakemesh_job_failures", "Scheduled job runs that failed.", labels=["job"])
        for job in self._jobs():
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
        yield runs
        yield failures


class Replica(Protocol):
    replica_id: str

    @property
    def is_leader(self) -> bool: ...


class ServerMetrics:
    def __init__(self, *, jobs: Callable[[], Iterable[JobStats]] = list) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "lakemesh_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "lakemesh_http_request_duration_seconds",
            "Server time per request, by method and route template.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge("lakemesh_http_requests_in_flight", "Requests being served.", registry=self.registry)
        self.registry.register(_JobCollector(jobs))

    def watch_leadership(self, replica: Replica) -> None:
        """`lakemesh_leader{replica=...}` is 1 on the replica running the scheduled jobs, 0 on the others."""
        leader = Gauge("lakemesh_leader", "1 while this replica leads.", ["replica"], registry=self.registry)
        leader.labels(replica.replica_id).set_function(lambda: 1.0 if replica.is_leader else 0.0)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """ASGI middleware: labels by the matched route's template (`/api/v1/products/{domain}/{product}`), never the
    raw path, so label cardinality stays bounded whatever clients send."""

    def __init__(self, app: ASGIApp, *, recorder: ServerMetrics) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.recorder.in_flight.inc()
        try:
            await self.app(scope, receive, sending)
        finally:
            self.recorder.in_flight.dec()
            self.recorder.observe(scope["method"], _route(scope), status, time.perf_counter() - started)


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"
