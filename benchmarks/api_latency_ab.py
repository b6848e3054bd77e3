"""A/B request latency of `lakemesh serve` for two source trees, alternated in one run, best of N.

On a shared, noisy machine one run per tree says little; this alternates the trees round by round and keeps the
best of each, with the server's own CPU time per request (from /proc) beside wrk's req/s and p50/p99.
Run: python benchmarks/api_latency_ab.py OLD_SRC NEW_SRC [rounds] [seconds]
(e.g. OLD_SRC from `git worktree add /tmp/old <commit>` + `/tmp/old/src`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from _harness import drop_pg_database, new_pg_database, postgres_available, start_server

TICK = os.sysconf("SC_CLK_TCK")
Sample = tuple[float, float, float, float]  # req/s, p50 ms, p99 ms, server CPU ms per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its waited-for children (fields 14-17 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICK


def wrk(url: str, token: str, seconds: int) -> tuple[float, float, float, int]:
    out = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(out)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    count = re.search(r"(\d+) requests in", out)
    assert rps and p50 and p99 and count, out
    ms50, ms99 = float(p50.group(1)) * unit[p50.group(2)], float(p99.group(1)) * unit[p99.group(2)]
    return float(rps.group(1)), ms50, ms99, int(count.group(1))


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
            before = cpu_seconds(server.process.pid)
            rps, p50, p99, n = wrk(server.url + path, server.token, seconds)
            results[label] = (rps, p50, p99, (cpu_seconds(server.process.pid) - before) * 1000 / n)
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
