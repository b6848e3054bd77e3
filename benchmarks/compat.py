"""Compatible calls cost what the native ones cost: Fabric, Purview and Power BI beside `/api/v1`, one run.

Baseline (issue 16): each compatible operation within 1.2x of its native endpoint. Also measured: a Fabric table
load of a 10k-row CSV from Files/ (vs the native write of the same CSV body) and a Purview policy-store PUT (vs the
native policy PUT). One `lakemesh serve --demo`
(the seed's Sales domain, 100k-row Customer 360 and the Customer Analytics model); each pair alternates
native/compatible calls so both see the same server state, and prints the median latency of each and the ratio.

    python benchmarks/compat.py [--rounds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import start_server

from lakemesh.core.ids import uuid_of

DAX = "EVALUATE SUMMARIZE(Customers, Customers[Segment])"
CSV = ("customer_id,segment,lifetime_value\n" + "".join(f"c{i},SMB,{i * 0.5}\n" for i in range(10_000))).encode()


def timed(call: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    server = start_server(None, "--demo")
    try:
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=60)
        sales = http.get("/api/v1/domains/sales").json()
        model = http.get("/api/v1/domains/sales/semantic-models/customer-analytics").json()
        group, dataset = uuid_of(sales["id"]), uuid_of(model["id"])
        lakehouse = http.post("/api/v1/domains/sales/lakehouses", json={"name": "bench_raw"}).json()
        http.put("/api/v1/domains/sales/lakehouses/bench_raw/files/raw/customers.csv", content=CSV).raise_for_status()
        load = f"/fabric/v1/workspaces/{group}/lakehouses/{uuid_of(lakehouse['id'])}/tables/loaded/load"
        native_write = "/api/v1/domains/sales/lakehouses/bench_raw/tables/written/data"
        policy = {"name": "bench-policy", "description": "x", "decisionRules": [{"effect": "warn"}]}
        pairs: dict[str, tuple[Callable[[], httpx.Response], Callable[[], httpx.Response]]] = {
            "create workspace": (
                lambda: http.post("/api/v1/domains", json={"name": f"N{uuid.uuid4().hex[:10]}"}),
                lambda: http.post("/fabric/v1/workspaces", json={"displayName": f"F{uuid.uuid4().hex[:10]}"}),
            ),
            "list workspaces": (
                lambda: http.get("/api/v1/domains"),
                lambda: http.get("/fabric/v1/workspaces"),
            ),
            "search": (
                lambda: http.get("/api/v1/search", params={"q": "customer", "kind": "product", "limit": 25}),
                lambda: http.post(
                    "/purview/catalog/api/search/query",
                    json={"keywords": "customer", "filter": {"typeName": "DataProduct"}, "limit": 25},
                ),
            ),
            "executeQueries": (
                lambda: http.post("/api/v1/domains/sales/semantic-models/customer-analytics/query", json={"dax": DAX}),
                lambda: http.post(
                    f"/powerbi/v1.0/myorg/groups/{group}/datasets/{dataset}/executeQueries",
                    json={"queries": [{"query": DAX}]},
                ),
            ),
            "load table (10k)": (
                lambda: http.post(
                    native_write, params={"mode": "overwrite"}, content=CSV, headers={"Content-Type": "text/csv"}
                ),
                lambda: http.post(load, json={"relativePath": "Files/raw/customers.csv", "mode": "Overwrite"}),
            ),
            "put policy": (
                lambda: http.put("/api/v1/policies/bench-native", json={"name": "bench-native", "enforcement": "warn"}),
                lambda: http.put("/purview/policystore/policies/bench-policy", json=policy),
            ),
        }
        print(f"{'operation':<18}{'native p50':>12}{'compat p50':>12}{'ratio':>8}   (rounds: {args.rounds}, SQLite)")
        for name, (native, compat) in pairs.items():
            for call in (native, compat):  # warm both paths
                timed(call)
            native_times, compat_times = [], []
            for _ in range(args.rounds):
                native_times.append(timed(native))
                compat_times.append(timed(compat))
            n, c = statistics.median(native_times) * 1000, statistics.median(compat_times) * 1000
            print(f"{name:<18}{n:>10.2f}ms{c:>10.2f}ms{c / n:>7.2f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
