"""Client-side cost of a remote call: the twin generated from an operation's declaration against the hand-written
call the SDK used before (Transport + model_validate), over the same in-memory HTTP answer, so the network and the
server (measured by api_throughput.py) are out of the figure.
Run: python benchmarks/sdk_overhead.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from lakemesh.domains.models import Domain
from lakemesh.sdk.client import RemoteMesh

NOW = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
DOMAIN = {
    "id": "dom_01",
    "name": "Sales",
    "slug": "sales",
    "display_name": "Sales-Domain",
    "description": "",
    "owner": None,
    "steward": None,
    "tags": ["crm"],
    "created_at": NOW,
    "updated_at": NOW,
    "etag": '"1"',
}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=DOMAIN)


def best_of(runs: int, calls: int, function: Callable[[], Any]) -> float:
    """Microseconds per call, the best of `runs` timings of `calls` calls."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - started) / calls * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    options = parser.parse_args()
    client = httpx.Client(base_url="http://lakemesh.test", transport=httpx.MockTransport(answer))
    mesh = RemoteMesh("http://lakemesh.test", "token", client=client)
    http = mesh._http

    def hand_written_get() -> Domain:
        return Domain.model_validate(http.json("GET", "/api/v1/domains/sales"))

    def hand_written_update() -> Domain:
        headers = {"If-Match": '"1"'}
        return Domain.model_validate(
            http.json("PATCH", "/api/v1/domains/sales", json={"description": "x"}, headers=headers)
        )

    rows = [
        ("get_domain", hand_written_get, lambda: mesh.get_domain("sales")),
        ("update_domain", hand_written_update, lambda: mesh.update_domain("sales", if_match='"1"', description="x")),
    ]
    for name, baseline, declared in rows:
        before = best_of(5, options.calls, baseline)
        after = best_of(5, options.calls, declared)
        print(
            f"{name:14} hand-written {before:7.1f} us/call  declared {after:7.1f} us/call  ratio {after / before:.2f}x"
        )


if __name__ == "__main__":
    main()
