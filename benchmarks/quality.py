"""Quality checks over 10M Customer 360 rows (~1% violations per rule), side by side in one run:

  (a) Lakemesh: `run_quality` on the product (all rules fused into one DuckDB scan of the Delta table),
  (b) the seed's `run_quality_checks` reproduced with PySpark in local mode (total `count()` plus one
      `df.filter(condition).count()` per rule) over the same Parquet files,
  (c) one hand-written DuckDB query over the same files, and (c') the same plus a hand-written query for up to
      10 failing sample rows per failed rule (what `run_quality` returns by default).

PySpark is measured twice (issue 19): cold, a new Spark application per check (a new process: JVM and session
start included, as a scheduled check runs), and warm (one session, best of the repeats).
Goals: (a) >= 10x faster than cold (b); (a) <= 1.2x (c') with samples; warm Spark / (a) reported next to the
engine floor's own ratio, warm Spark / (c'). Peak memory of (a) < 1 GB. Install Spark with the `bench` extra.
Each measurement runs in its own process so its peak RSS is its own. Run:
    python3 benchmarks/quality.py [--rows 10000000] [--repeat 3] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK = 500_000
VIOLATION = 0.01
TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


def seed_rules(now: datetime) -> list[dict[str, Any]]:
    """The seed's `quality_rules` list for `run_quality_checks`, exactly as written there."""
    return [
        {"name": "customer_id_not_null", "condition": "customer_id IS NOT NULL", "threshold": 100},
        {"name": "lifetime_value_positive", "condition": "lifetime_value >= 0", "threshold": 100},
        {"name": "churn_risk_valid", "condition": "churn_risk BETWEEN 0 AND 1", "threshold": 100},
        {
            "name": "freshness_check",
            "condition": f"last_updated > '{(now - timedelta(hours=25)).replace(tzinfo=None).isoformat()}'",
            "threshold": 95,
        },
    ]


def chunk(start: int, rows: int, now: datetime) -> pa.Table:
    """Customer 360 rows with ~1% violations of each rule, on distinct rows per rule."""
    from lakemesh.demo.data import customer_360

    table = customer_360(rows, now=now, seed=start)
    rng = np.random.default_rng(start)
    bad = rng.random(rows)
    ids = pa.array([None if b < VIOLATION else f"C{start + i:09d}" for i, b in enumerate(bad)], pa.string())
    ltv = table.column("lifetime_value")
    negative = pc.negate(ltv)
    ltv = pc.if_else(pa.array((bad >= VIOLATION) & (bad < 2 * VIOLATION)), negative, ltv)
    churn = pc.if_else(
        pa.array((bad >= 2 * VIOLATION) & (bad < 3 * VIOLATION)), pa.scalar(1.5, pa.float64()), table["churn_risk"]
    ).cast(table.schema.field("churn_risk").type)
    stale = pa.scalar(now - timedelta(hours=48), pa.timestamp("us", tz="UTC"))
    updated = pc.if_else(pa.array((bad >= 3 * VIOLATION) & (bad < 4 * VIOLATION)), stale, table["last_updated"])
    return pa.table(
        {
            "customer_id": ids,
            "customer_name": table["customer_name"],
            "segment": table["segment"],
            "lifetime_value": ltv,
            "churn_risk": churn,
            "last_updated": updated,
        }
    )


def generate(home: Path, rows: int, now: datetime) -> str:
    from lakemesh.mesh import Mesh

    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        for start in range(0, rows, CHUNK):
            mesh.write_table(*TABLE, chunk(start, min(CHUNK, rows - start), now))
        mesh.create_product(
            {
                "name": "Customer 360",
                "domain": "Sales",
                "owner": "admin",
                "contract": {
                    "schema": {
                        "customer_id": {"type": "string"},
                        "customer_name": {"type": "string"},
                        "segment": {"type": "string"},
                        "lifetime_value": {"type": "decimal(18,2)"},
                        "churn_risk": {"type": "decimal(18,4)"},
                        "last_updated": {"type": "timestamp"},
                    },
                    "sla": {"freshness": "24h", "availability": "99.9%", "quality_score": "95%"},
                },
                "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"},
                "quality_rules": seed_rules(now),
            }
        )
        return mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")


def measure_lakemesh(home: Path, repeat: int, samples: int) -> dict[str, Any]:
    from lakemesh.mesh import Mesh

    with Mesh.open(home) as mesh:
        times, cpu, run = [], [], None
        for _ in range(repeat):
            started, used = time.perf_counter(), time.process_time()
            run = mesh.run_quality("Sales", "customer-360", mode="full", sample_limit=samples)
            times.append(time.perf_counter() - started)
            # The metrics-table append runs after run_quality returns: its CPU counts, its wall time does not.
            mesh.platform.quality.metrics_table.flush()
            cpu.append(time.process_time() - used)
        assert run is not None and run.status != "errored", run
        failed = {r.name: r.failed_rows for r in run.rules}
        return {"seconds": times, "cpu": cpu, "failed": failed, "total": run.total_rows, "score": run.score}


def measure_spark(files: str, repeat: int, now: datetime) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("seed-quality")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    startup = time.perf_counter() - started
    times, failed, total = [], {}, 0
    for _ in range(repeat):
        started = time.perf_counter()
        df = spark.read.parquet(files)  # the seed: df = spark.read.table(table_name)
        total = df.count()
        for rule in seed_rules(now):
            passing = df.filter(rule["condition"]).count()
            failed[rule["name"]] = total - passing
        times.append(time.perf_counter() - started)
    jvm_peak = _peak_rss_mb(spark.sparkContext._gateway.proc.pid)  # type: ignore[attr-defined]
    spark.stop()
    return {"seconds": times, "startup": startup, "failed": failed, "total": total, "jvm_peak_rss_mb": jvm_peak}


def _peak_rss_mb(pid: int) -> float | None:
    """Peak RSS of another process (the Spark JVM), from /proc; None where that is not available."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def measure_duckdb(files: str, repeat: int, now: datetime) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    connection.execute("SET TimeZone = 'UTC'")
    figures = ", ".join(
        f"COUNT(*) FILTER (WHERE ({rule['condition']}) IS NOT TRUE) AS {rule['name']}" for rule in seed_rules(now)
    )
    source = f"read_parquet('{files}/*.parquet')"
    sql = f"SELECT COUNT(*) AS total, {figures} FROM {source}"
    samples = " UNION ALL ".join(
        f"(SELECT {index} AS rule, * FROM {source} WHERE ({rule['condition']}) IS NOT TRUE LIMIT 10)"
        for index, rule in enumerate(seed_rules(now))
    )
    times, with_samples, cpu, cpu_samples, row = [], [], [], [], None
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        row = connection.sql(sql).to_arrow_table().to_pylist()[0]
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        connection.sql(samples).to_arrow_table()
        with_samples.append(time.perf_counter() - started)
        cpu_samples.append(time.process_time() - used)
    assert row is not None
    return {
        "seconds": times,
        "with_samples": with_samples,
        "cpu": cpu,
        "cpu_samples": cpu_samples,
        "total": row.pop("total"),
        "failed": row,
    }


def child(args: argparse.Namespace) -> None:
    """One measurement in this process; prints its result and its own peak RSS as JSON."""
    now = datetime.fromisoformat(args.now)
    if args.phase == "generate":
        result: dict[str, Any] = {"uri": generate(Path(args.home), args.rows, now)}
    elif args.phase == "lakemesh":
        result = measure_lakemesh(Path(args.home), args.repeat, args.samples)
    elif args.phase == "spark":
        result = measure_spark(args.files, args.repeat, now)
    else:
        result = measure_duckdb(args.files, args.repeat, now)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result, default=str))


def spawn(phase: str, args: argparse.Namespace, *, script: str = __file__, **extra: Any) -> dict[str, Any] | None:
    """Run one phase of `script` in a fresh process (each engine starts cold) and return what it printed."""
    command = [sys.executable, script, "--phase", phase, "--rows", str(args.rows), "--repeat", str(args.repeat)]
    command += ["--now", args.now, "--home", args.home]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        print(f"  {phase} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return None
    return dict(json.loads(lines[-1][len("RESULT ") :]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true", help="Skip the PySpark baseline.")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--now", default=datetime.now(UTC).isoformat(), help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    args.home = str(Path(tempfile.mkdtemp(prefix="lakemesh-bench-quality-")) / "home")
    print(f"Generating {args.rows:,} Customer 360 rows with ~1% violations per rule ...")
    started = time.perf_counter()
    generated = spawn("generate", args)
    if generated is None:
        sys.exit(1)
    files = generated["uri"]
    print(f"  done in {time.perf_counter() - started:.1f}s: {files}")

    results: dict[str, dict[str, Any] | None] = {
        "lakemesh": spawn("lakemesh", args),
        "lakemesh_no_samples": spawn("lakemesh", args, samples=0),
        "duckdb": spawn("duckdb", args, files=files),
        "spark": None,
        "spark_cold": None,
    }
    if args.no_spark:
        print("  PySpark baseline skipped (--no-spark)")
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            print("  PySpark is not installed (pip install pyspark); its baseline is skipped")
        else:
            results["spark"] = spawn("spark", args, files=files)
            cold = [spawn("spark", args, files=files, repeat=1) for _ in range(args.repeat)]
            if all(c is not None for c in cold):
                results["spark_cold"] = {
                    "seconds": [c["startup"] + c["seconds"][0] for c in cold if c is not None],
                    "peak_rss_mb": max(c["peak_rss_mb"] for c in cold if c is not None),
                    "failed": cold[0]["failed"] if cold[0] else {},
                    "total": cold[0]["total"] if cold[0] else 0,
                }

    print(f"\n{'approach':<34}{'best s':>9}{'median s':>10}{'peak RSS MB':>13}{'best CPU s':>12}")
    labels = {
        "lakemesh": "(a) Lakemesh run_quality",
        "lakemesh_no_samples": "(a') Lakemesh, sample_limit=0",
        "spark_cold": "(b) seed: PySpark, new app per check",
        "spark": "(b') seed: PySpark warm, N+1 counts",
        "duckdb": "(c) hand-written DuckDB query",
    }
    for key, label in labels.items():
        result = results[key]
        if result is not None:
            times = result["seconds"]
            used = f"{min(result['cpu']):>12.3f}" if result.get("cpu") else ""
            print(f"{label:<34}{min(times):>9.3f}{statistics.median(times):>10.3f}{result['peak_rss_mb']:>13.0f}{used}")
    spark, lakemesh, duck = results["spark"], results["lakemesh"], results["duckdb"]
    cold = results["spark_cold"]
    if duck is not None:
        duck_samples = min(duck["with_samples"])
        label = "(c') hand-written + samples query"
        median = statistics.median(duck["with_samples"])
        print(f"{label:<34}{duck_samples:>9.3f}{median:>10.3f}{'':>13}{min(duck['cpu_samples']):>12.3f}")
    if spark is not None:
        print(f"  PySpark session start-up (not counted above): {spark['startup']:.1f}s")
        if spark.get("jvm_peak_rss_mb"):
            print(f"  PySpark peak RSS above is the Python driver; its JVM peaked at {spark['jvm_peak_rss_mb']:.0f} MB")
    if lakemesh is not None:
        print(f"\nfailed rows per rule (Lakemesh): {lakemesh['failed']} of {lakemesh['total']:,}")
        for name, other in (("PySpark", spark), ("DuckDB", duck)):
            if other is not None:
                same = other["failed"] == lakemesh["failed"] and other["total"] == lakemesh["total"]
                print(f"  same counts as {name}: {same}" + ("" if same else f" ({other['failed']})"))
        best = min(lakemesh["seconds"])
        if cold is not None:
            print(f"PySpark cold / Lakemesh: {min(cold['seconds']) / best:.1f}x  (goal >= 10x)")
        if spark is not None:
            print(f"PySpark warm / Lakemesh: {min(spark['seconds']) / best:.1f}x", end="")
            if duck is not None:
                print(
                    f"  (engine floor: warm Spark / hand-written DuckDB = {min(spark['seconds']) / duck_samples:.1f}x)"
                )
            else:
                print()
        if duck is not None:
            print(f"Lakemesh / DuckDB fused scan:      {best / min(duck['seconds']):.2f}x")
            print(f"Lakemesh / DuckDB scan + samples:  {best / duck_samples:.2f}x  (goal <= 1.2x)")
            cpu_ratio = min(lakemesh["cpu"]) / min(duck["cpu_samples"])
            print(f"  in CPU seconds (load-independent; Lakemesh's includes its metrics append): {cpu_ratio:.2f}x")
        print(f"Lakemesh peak RSS:  {lakemesh['peak_rss_mb']:.0f} MB  (goal < 1024 MB)")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
