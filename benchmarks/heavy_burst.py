"""One Viewer's burst of heavy queries against another user's metadata reads (issue 25.4).

40 parallel governed queries by one Viewer, while another user reads `GET /api/v1/me` in a loop; prints that
user's latency (p50/p99/max) and /readyz's worst answer with no slot pool (every heavy request runs at once) and
with the default pool (CPU count, 2 per principal; the rest get 429 + Retry-After, which the client honours and
retries, so all 40 queries finish in both runs). Target: p99 < 200 ms.
Run: python benchmarks/heavy_burst.py [--queries 40] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyarrow as pa
import pyarrow.ipc as ipc
from _harness import start_server

HEAVY_SQL = (
    "SELECT a.k, count(*) AS n, sum(a.v * b.v) AS s FROM bench.lh.big a JOIN bench.lh.big b "
    "ON a.k = b.k AND a.id < b.id + 3 AND a.id > b.id - 3 GROUP BY a.k ORDER BY s DESC"
)


def setup(url: str, token: str, rows: int) -> tuple[str, str]:
    """A domain with one big table; returns tokens of a Viewer and of another user."""
    admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    admin.post("/api/v1/domains", json={"name": "bench"}).raise_for_status()
    admin.post("/api/v1/domains/bench/lakehouses", json={"name": "lh"}).raise_for_status()
    table = pa.table(
        {
            "id": pa.array(range(rows)),
            "k": pa.array([i % 1000 for i in range(rows)]),
            "v": pa.array([float(i % 97) for i in range(rows)]),
        }
    )
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    admin.post(
        "/api/v1/domains/bench/lakehouses/lh/tables/big/data",
        content=sink.getvalue(),
        headers={"content-type": "application/vnd.apache.arrow.stream"},
    ).raise_for_status()
    tokens = []
    for name, role in (("viewer@bench.io", "Viewer"), ("other@bench.io", None)):
        admin.post("/api/v1/principals", json={"name": name}).raise_for_status()
        if role:
            admin.post("/api/v1/domains/bench/members", json={"principal": name, "role": role}).raise_for_status()
        tokens.append(admin.post("/api/v1/tokens", json={"principal": name}).json()["secret"])
    return tokens[0], tokens[1]


def burst(url: str, token: str, other: str, queries: int) -> dict[str, float]:
    viewer = httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=600,
        limits=httpx.Limits(max_connections=queries),
    )
    reader = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {other}"}, timeout=600)
    latencies: list[float] = []
    ready: list[float] = []
    done = threading.Event()

    def read_loop() -> None:
        while not done.is_set():
            started = time.perf_counter()
            reader.get("/api/v1/me").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            httpx.get(f"{url}/readyz", timeout=600).raise_for_status()
            ready.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)

    statuses: list[int] = []

    def heavy() -> None:
        """One query, retried after `Retry-After` while the server answers 429, as a well-behaved client does."""
        while True:
            response = viewer.post("/api/v1/query", json={"sql": HEAVY_SQL})
            statuses.append(response.status_code)
            if response.status_code != 429:
                return
            time.sleep(float(response.headers["Retry-After"]))

    loop = threading.Thread(target=read_loop)
    started = time.perf_counter()
    loop.start()
    with ThreadPoolExecutor(queries) as pool:
        list(pool.map(lambda _: heavy(), range(queries)))
    done.set()
    loop.join()
    ordered = sorted(latencies)
    return {
        "burst_s": time.perf_counter() - started,
        "reads": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "readyz_max": max(ready),
        "ok": statuses.count(200),
        "429s": statuses.count(429),
        "failed": len([s for s in statuses if s not in (200, 429)]),
    }


def run(queries: int, rows: int, unbounded: bool) -> dict[str, float]:
    if unbounded:
        os.environ["LAKEMESH_HEAVY_SLOTS"] = "10000"
        os.environ["LAKEMESH_HEAVY_SLOTS_PER_PRINCIPAL"] = "10000"
    else:
        os.environ.pop("LAKEMESH_HEAVY_SLOTS", None)
        os.environ.pop("LAKEMESH_HEAVY_SLOTS_PER_PRINCIPAL", None)
    server = start_server()
    try:
        viewer, other = setup(server.url, server.token, rows)
        return burst(server.url, viewer, other, queries)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    baseline = run(args.queries, args.rows, unbounded=True)
    slots = run(args.queries, args.rows, unbounded=False)
    print(f"{args.queries} heavy queries by one Viewer; another user's GET /api/v1/me meanwhile (ms)")
    print(f"{'':24}{'no slot pool':>14}{'slot pool':>14}")
    for key in ("reads", "p50", "p99", "max", "readyz_max", "burst_s", "ok", "429s", "failed"):
        print(f"{key:24}{baseline[key]:>14.1f}{slots[key]:>14.1f}")
    print(f"p99 ratio (no pool / pool): {baseline['p99'] / slots['p99']:.1f}x; target p99 < 200 ms")


if __name__ == "__main__":
    main()
