"""Quality scan of the Customer 360 product on the Ray executor (Daft in a Ray task) vs the local executor.

Both scans run side by side in one process over the same Delta table (N rows, ~1% violations per rule, the
seed's four rules): (a) the local executor, DuckDB's native Parquet reader in the server process (baseline);
(b) the Ray executor on a local Ray instance with `--workers` CPUs, one retried task per scan running Daft.
Ray's first scan (worker start, Daft import) is reported apart from the steady-state scans. On one 2-core
machine Ray cannot win; the point is identical results and the overhead ratio (goal: (b) <= 2x (a)).
Run:  python3 benchmarks/scale_ray.py [--rows 50000000] [--repeat 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import generate  # the Customer 360 data and rules of benchmarks/quality.py

PRODUCT = ("Sales", "customer-360")
GOAL = 2.0


def counting_executor() -> Any:
    from lakemesh.executors.ray import RayExecutor

    class CountingRayExecutor(RayExecutor):
        """Counts the tasks it submits, to show the scans really ran on Ray."""

        tasks = 0

        def submit(self, name: str, function: Any, *args: Any) -> Any:
            self.tasks += 1
            return super().submit(name, function, *args)

    return CountingRayExecutor


def figures(run: Any) -> tuple[Any, ...]:
    return run.status, run.total_rows, run.score, run.weighted_score, [(r.failed_rows, r.passed) for r in run.rules]


def timed(mesh: Any, repeat: int) -> tuple[list[float], Any]:
    times, run = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        run = mesh.run_quality(*PRODUCT, mode="full", sample_limit=0)
        times.append(time.perf_counter() - started)
        assert run.status != "errored", run.error
    return times, run


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray instance")
    args = parser.parse_args(argv)

    import ray

    from lakemesh.mesh import Mesh
    from lakemesh.quality.checks import DistributedScans

    home = Path(tempfile.mkdtemp(prefix="lakemesh-bench-scale-ray-")) / "home"
    try:
        print(f"[ray] generating {args.rows:,} Customer 360 rows (~1% violations per rule) ...")
        started = time.perf_counter()
        generate(home, args.rows, datetime.now(UTC))
        print(f"[ray]   done in {time.perf_counter() - started:.1f}s")
        with Mesh.open(home) as mesh:
            platform = mesh.platform
            size = platform.delta.snapshot(
                platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
            ).size_bytes
            print(f"[ray]   table: {size / 1024**2:,.0f} MiB of Parquet")
            local_times, local = timed(mesh, args.repeat)

            started = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            ray_start = time.perf_counter() - started
            executor = counting_executor()(min_bytes=0)
            platform.quality.distributed = DistributedScans(executor, platform.data_root.storage_options)
            first, _ = timed(mesh, 1)
            ray_times, remote = timed(mesh, args.repeat)
            ray.shutdown()
            platform.quality.distributed = None
            local_after, _ = timed(mesh, args.repeat)  # the baseline again, so load changes show
            local_times += local_after

        best_local, best_ray = min(local_times), min(ray_times)
        print(f"\n[ray] {'quality scan, ' + format(args.rows, ',') + ' rows':<44}{'best s':>9}{'runs':>30}")
        print(f"[ray] {'(a) local executor (DuckDB, baseline)':<44}{best_local:>9.2f}   {_list(local_times):>27}")
        label = f"(b) Ray executor, {args.workers} local CPUs (Daft)"
        print(f"[ray] {label:<44}{best_ray:>9.2f}   {_list(ray_times):>27}")
        print(f"[ray]   Ray start-up {ray_start:.1f}s and first scan {first[0]:.2f}s (worker start, Daft import)")
        print(f"[ray]   same results on both executors: {figures(remote) == figures(local)}")
        print(f"[ray]   Ray tasks run: {executor.tasks} (one per scan; local runs before and after the Ray runs)")
        print(f"[ray]   failed rows per rule: {[r.failed_rows for r in remote.rules]} of {remote.total_rows:,}")
        ratio = best_ray / best_local
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(f"[ray] Ray / local: {ratio:.2f}x  (goal <= {GOAL:.0f}x: {verdict})")
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main(sys.argv[1:])
