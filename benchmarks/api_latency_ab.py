"""A/B request latency of `lakemesh serve` for two source trees, alternated in one run, best of N.

On a shared, noisy machine one run per tree says little; this alternates the trees round by round and keeps the
best of each, with the server's own CPU time per request (from /proc) beside wrk's req/s and p50/p99.
Run: python benchmarks/api_latency_ab.py OLD_SRC NEW_SRC [rounds] [seconds]
(e.g. OLD_SRC from `git worktree add /tmp/old <commit>` + `/tmp/old/src`).
"""

from __future__ import annotations

import os
import sys

import httpx
from _harness import cpu_seconds, drop_pg_database, new_pg_database, postgres_available, start_server, wrk

Sample = tuple[float, float, float, float]  # req/s, p50 ms, p99 ms, server CPU ms per request


def one(src: str, catalog_url: str | None, seconds: int) -> dict[str, Sample]:
    os.environ["PYTHONPATH"] = src  # the server process imports lakemesh from this tree
    server = start_server(catalog_url)
    results = {}
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as http:
            for index in range(20):
                http.post("/api/v1/domains", json={"name": f"Domain {index}"}).raise_for_status()
        for label, path in (("GET domain", "/api/v1/domains/domain-7"), ("list domains", "/api/v1/domains")):
            wrk(server.url + path, server.token, 1)  # warm-up
            before = cpu_seconds(server.process.pid, children=True)
            run = wrk(server.url + path, server.token, seconds)
            spent = cpu_seconds(server.process.pid, children=True) - before
            results[label] = (run.rps, run.p50_ms, run.p99_ms, spent * 1000 / run.requests)
    finally:
        server.stop()
    return results


def line(sample: Sample) -> str:
    rps, p50, p99, cpu = sample
    return f"{rps:7.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  server CPU {cpu:5.3f} ms/req"


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    backends = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    best: dict[tuple[str, str, str], Sample] = {}
    for r in range(rounds):
        order = (("old", old), ("new", new)) if r % 2 == 0 else (("new", new), ("old", old))
        for name, src in order:
            for backend in backends:
                url = new_pg_database() if backend == "postgresql" else None
                try:
                    res = one(src, url, seconds)
                except RuntimeError as exc:  # a server that did not start on a loaded machine: skip the sample
                    print(f"round {r} {name} {backend} skipped: {exc}", flush=True)
                    continue
                finally:
                    if url:
                        drop_pg_database(url)
                for label, sample in res.items():
                    print(f"round {r} {name} {backend:10s} {label:12s} {line(sample)}", flush=True)
                    cur = best.get((backend, label, name))
                    best[(backend, label, name)] = (
                        (max(cur[0], sample[0]), min(cur[1], sample[1]), min(cur[2], sample[2]), min(cur[3], sample[3]))
                        if cur
                        else sample
                    )
    print(f"\nbest of {rounds}")
    for (backend, label, name), sample in sorted(best.items()):
        print(f"{backend:10s} {label:12s} {name}: {line(sample)}")


if __name__ == "__main__":
    main()
