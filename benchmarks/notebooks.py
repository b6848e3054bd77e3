"""The seed's PySpark quality block through `lakemesh.spark`, side by side with `Mesh.run_quality`, in one run.

  (a) `lakemesh.spark`: the seed's `run_quality_checks` (a total `count()` plus one `df.filter(condition).count()`
      per rule), each count one governed query (gate, grants, masks, audit) over the Delta table;
      session start (`SparkSession.builder.getOrCreate()`) reported separately and included in "end to end",
  (b) `Mesh.run_quality` on the same product (all rules fused into one scan),
  (c) real PySpark in local mode, a new Spark application (JVM start included), when `pyspark` is importable.
Goals: (a) end to end >= 10x faster than (c) including its session start; (a) <= 2x (b).
Each measurement runs in its own process. Run:
    python3 benchmarks/notebooks.py [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # the Customer 360 generator and the seed's rules, shared with benchmarks/quality.py


def measure_notebook(home: Path, repeat: int, now: datetime) -> dict[str, Any]:
    from lakemesh.mesh import Mesh
    from lakemesh.spark import SparkSession

    with Mesh.open(home) as mesh:
        started = time.perf_counter()
        spark = SparkSession.builder.connect(mesh).config("lakemesh.domain", "Sales").getOrCreate()
        startup = time.perf_counter() - started
        times, failed, total, read = [], {}, 0, []
        for _ in range(repeat):
            started = time.perf_counter()
            df = spark.read.table("sales_lakehouse.gold_customer_360")
            read.append(time.perf_counter() - started)
            total = df.count()
            for rule in quality.seed_rules(now):
                failed[rule["name"]] = total - df.filter(rule["condition"]).count()
            times.append(time.perf_counter() - started)
        spark.stop()
    return {"seconds": times, "startup": startup, "read_table": read, "failed": failed, "total": total}


def child(args: argparse.Namespace) -> None:
    now = datetime.fromisoformat(args.now)
    home = Path(args.home)
    if args.phase == "generate":
        result: dict[str, Any] = {"uri": quality.generate(home, args.rows, now)}
    elif args.phase == "notebook":
        result = measure_notebook(home, args.repeat, now)
    elif args.phase == "run_quality":
        result = quality.measure_lakemesh(home, args.repeat, 0)
    else:
        result = quality.measure_spark(args.files, 1, now)
    print("RESULT " + json.dumps(result, default=str))


def spawn(phase: str, args: argparse.Namespace, **extra: Any) -> dict[str, Any] | None:
    return quality.spawn(phase, args, script=__file__, **extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--now", default=datetime.now(UTC).isoformat(), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    args.home = str(Path(tempfile.mkdtemp(prefix="lakemesh-bench-notebooks-")) / "home")
    print(f"Generating {args.rows:,} Customer 360 rows with ~1% violations per rule ...")
    generated = spawn("generate", args)
    if generated is None:
        sys.exit(1)
    notebook, fused = spawn("notebook", args), spawn("run_quality", args)
    spark = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("  PySpark is not installed (pip install pyspark); its baseline is skipped")
    else:
        spark = spawn("spark", args, files=generated["uri"])
    if notebook is None or fused is None:
        sys.exit(1)
    assert notebook["failed"] == fused["failed"], (notebook["failed"], fused["failed"])
    best, fused_best = min(notebook["seconds"]), min(fused["seconds"])
    print(f"\n{'approach':<44}{'best s':>9}{'median s':>10}")
    rows = [
        ("(a) lakemesh.spark, seed block (5 counts)", notebook["seconds"]),
        ("(b) Mesh.run_quality (one fused scan)", fused["seconds"]),
    ]
    for label, times in rows:
        print(f"{label:<44}{min(times):>9.3f}{statistics.median(times):>10.3f}")
    print(
        f"  lakemesh.spark session start: {notebook['startup']:.3f}s; read.table (gate + schema): "
        f"{min(notebook['read_table']):.3f}s; end to end (start + best run): {notebook['startup'] + best:.3f}s"
    )
    print(f"  (a) / (b): {best / fused_best:.2f}x (goal <= 2x)")
    if spark is not None:
        cold = spark["startup"] + spark["seconds"][0]
        print(f"(c) PySpark local, new application        {cold:>9.3f}  (session start {spark['startup']:.1f}s)")
        print(f"  (c) / (a) end to end: {cold / (notebook['startup'] + best):.1f}x (goal >= 10x)")
    print(f"failed rows per rule: {notebook['failed']} of {notebook['total']:,}")


if __name__ == "__main__":
    main()
