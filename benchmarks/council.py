"""Council speed against issue 23's target: the dry-run impact of a GLOBAL policy proposal over 10k tables /
100k columns in < 2 s, reusing the governance snapshot. It reuses the governance benchmark's catalog.

Measured, best of --runs, CPU (this process, plus the PostgreSQL server's backends) next to wall time:
- the first dry-run in a process, and one after a domain change: both load the whole governance snapshot, as a
  scheduled evaluation after a restart does (cold);
- a dry-run after a column's label is set through the service (a table event: its domain is loaded again);
- a dry-run with nothing changed since the last one (reusing the snapshot);
- the scheduled evaluation of the applied policies after a label change, and right after a dry-run.
The dry-run proposes the pii-classification policy (a column rule over 100k columns) with another enforcement,
so the proposed and the current rule are both evaluated. `--baseline SRC` runs the same measurement with the
code of another source tree (e.g. an older checkout's src/) in turn with this one, on the same catalog.
Run:
    python3 benchmarks/council.py [--tables 10000] [--postgres] [--baseline /path/to/old/src]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import drop_pg_database, new_pg_database  # type: ignore[import-not-found]
from governance import build_catalog  # type: ignore[import-not-found]
from sqlalchemy import create_engine, text

from lakemesh.core.settings import Settings
from lakemesh.demo.governance import GLOBAL_POLICIES
from lakemesh.governance.models import PolicyDocument
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

APPLIED = copy.deepcopy(GLOBAL_POLICIES[:2])  # pii-classification (100k columns), retention-minimum (10k tables)
for _document in APPLIED:
    _document["enforcement"] = "warn"
PROPOSED = {**APPLIED[0], "enforcement": "block"}
Figure = tuple[float, float]  # wall seconds, CPU seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="processes per source tree, taken in turn")
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL catalog (LAKEMESH_BENCH_PG_URL)")
    parser.add_argument("--baseline", help="another source tree's src/ to measure in turn with this one")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure the catalog of this home
    parser.add_argument("--catalog-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.catalog_url, args.runs)))
        return
    catalog_url = new_pg_database() if args.postgres else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            platform, mesh = build_catalog(args.tables, home, {"catalog_url": catalog_url})
            for document in APPLIED:
                mesh.put_policy(document)
            platform.close()
            trees = {"this": str(Path(__file__).resolve().parents[1] / "src")}
            if args.baseline:
                trees["baseline"] = str(Path(args.baseline).resolve())
            results: dict[str, dict[str, Figure]] = {}
            for _ in range(args.rounds):  # in turn, so both see the same machine load
                for name, src in trees.items():
                    figures = _child(src, home, catalog_url, args.runs)
                    best = results.setdefault(name, figures)
                    results[name] = {k: min(best[k], figures[k]) for k in figures}
            _print(args, catalog_url, results)
    finally:
        if catalog_url:
            drop_pg_database(catalog_url)


def _child(src: str, home: Path, catalog_url: str | None, runs: int) -> dict[str, Figure]:
    """One measurement in a fresh process running the code of `src` (nothing cached from a previous run)."""
    here = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, here])}
    command = [sys.executable, __file__, "--measure", str(home), "--runs", str(runs)]
    if catalog_url:
        command += ["--catalog-url", catalog_url]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return {k: (v[0], v[1]) for k, v in json.loads(out.splitlines()[-1]).items()}


def measure(home: Path, catalog_url: str | None, runs: int) -> dict[str, Figure]:
    from lakemesh.council.impact import policy_impact
    from lakemesh.governance.rules import compile_policy

    platform = Platform(Settings(home=home, catalog_url=catalog_url))
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    compliance = platform.governance.compliance
    document = PolicyDocument.model_validate(PROPOSED)
    server = _server_cpu(catalog_url)
    figures: dict[str, Figure] = {}
    figures["parser"] = _timed(lambda: compile_policy(document.rule, language=document.language), server)

    def dry_run() -> None:
        with platform.catalog.read() as session:
            impact = policy_impact(session, compliance, document, document.name, now=platform.clock.now())
        assert impact.checked > 0 and impact.newly_violating == 0, impact

    changes = iter(range(1_000_000))

    def label_change() -> None:  # a table event: its domain is loaded again
        label = ("Confidential", "Highly Confidential")[next(changes) % 2]
        mesh.update_table("D0", "lh_D0", "bronze_t0", columns={"email": {"sensitivity_label": label}})
        compliance.catch_up()

    def domain_change() -> None:  # a domain event: the whole mesh is loaded again
        mesh.update_domain("D1", display_name=f"Domain 1 ({next(changes)})")
        compliance.catch_up()

    compliance.catch_up()  # the consumer catches up with the catalog's creation first
    figures["first"] = _timed(dry_run, server)
    phases = [
        ("cold", domain_change, dry_run),
        ("changed", label_change, dry_run),
        ("warm", dry_run, dry_run),
        ("evaluate", label_change, compliance.evaluate_all),
        ("evaluate-shared", dry_run, compliance.evaluate_all),
    ]
    for name, before, work in phases:
        best = (float("inf"), float("inf"))
        for _ in range(runs):
            before()
            best = min(best, _timed(work, server))
        figures[name] = best
    platform.close()
    return figures


def _timed(work: Callable[[], Any], server: Callable[[], float]) -> Figure:
    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), server()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu + server() - server_cpu


def _server_cpu(catalog_url: str | None) -> Callable[[], float]:
    """CPU seconds of the PostgreSQL backends serving this catalog (the server runs on this machine)."""
    if catalog_url is None:
        return lambda: 0.0
    engine = create_engine(catalog_url)
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        with engine.connect() as connection:
            pids = connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).all()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / ticks

    return seconds


def _print(args: argparse.Namespace, catalog_url: str | None, results: dict[str, dict[str, Figure]]) -> None:
    backend = "PostgreSQL" if catalog_url else "SQLite"
    print(f"{args.tables:,} tables / {args.tables * 10:,} columns on {backend}, best of {args.runs} (target: < 2 s)")
    rows = [
        ("first", "dry-run, first in a process (of --rounds)"),
        ("cold", "dry-run after a domain change (all)"),
        ("changed", "dry-run after a label change"),
        ("warm", "dry-run, nothing changed"),
        ("evaluate", "scheduled evaluation after a label change"),
        ("evaluate-shared", "scheduled evaluation after a dry-run"),
        ("parser", "first rule parse in a process"),
    ]
    for key, label in rows:
        line = f"  {label:<42}"
        for name, figures in results.items():
            wall, cpu = figures[key]
            line += f"  {name}: {wall:6.3f} s wall {cpu:6.3f} s CPU ({wall / 2:.2f}x target)"
        if "baseline" in results:
            line += f"  this/baseline CPU {results['this'][key][1] / max(results['baseline'][key][1], 1e-9):.2f}x"
        print(line)


if __name__ == "__main__":
    main()
