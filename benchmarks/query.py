"""Governed SQL vs raw DuckDB over the same Parquet files, per query shape (issue 19's engine floor).

Raw DuckDB reads each Delta table with `read_parquet` over its current file list, in one warm connection.
Lakemesh runs the same SQL through `QueryService` (gate, authorization, masks, audit row): the unmasked
shapes as the tables' owner (no masks apply), the masked ones as a reader from another domain holding a
grant, with a masked column in the select list (raw DuckDB then runs the same SQL without masks).
Goal: every shape <= 1.2x raw + 20 ms; a full count <= 20 ms. Best of `--repeat` runs, interleaved.

Peak memory (on unless `--no-memory`): each shape runs once more, governed and raw, each in a process of its
own, after a warm-up query over each table that reads no rows (so lazy imports and DuckDB's start-up are not
counted); the figure is the query's peak resident memory above what the process held before it (VmHWM after
resetting it through /proc/self/clear_refs, minus VmRSS), next to the process's peak. Goal: governed <= 1.5x raw.

    python benchmarks/query.py [--rows 10000000] [--customers 100000] [--repeat 3] [--no-memory]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakemesh.access.models import AccessDecision, AccessRequestCreate
from lakemesh.auth.models import Principal, PrincipalCreate, TokenCreate
from lakemesh.core.settings import Settings
from lakemesh.domains.models import DomainCreate, MemberAdd
from lakemesh.lakehouses.models import LakehouseCreate
from lakemesh.platform import Platform
from lakemesh.products.models import parse_product

ORDERS = "sales.sales_lakehouse.silver_orders"
CUSTOMERS = "sales.sales_lakehouse.gold_customers"
SHAPES: dict[str, str] = {
    "full count": f"SELECT count(*) AS n FROM {ORDERS}",
    "filtered count": f"SELECT count(*) AS n FROM {ORDERS} WHERE amount > 150",
    "group by string": f"SELECT status, count(*) AS n FROM {ORDERS} GROUP BY status ORDER BY status",
    "decimal sum/avg, filter": (
        f"SELECT region, sum(amount) AS s, avg(amount) AS a FROM {ORDERS} "
        "WHERE order_date >= DATE '2024-07-01' AND amount > 20 GROUP BY region ORDER BY region"
    ),
    "join dimension": (
        f"SELECT c.segment, count(*) AS n, sum(o.amount) AS s FROM {ORDERS} o "
        f"JOIN {CUSTOMERS} c ON c.customer_id = o.customer_id "
        "WHERE o.status = 'shipped' GROUP BY c.segment ORDER BY c.segment"
    ),
    "top-N": f"SELECT order_id, amount FROM {ORDERS} ORDER BY amount DESC, order_id LIMIT 10",
    "point lookup": f"SELECT * FROM {ORDERS} WHERE order_id = 7654321",
    "3 of 6 columns, LIMIT": f"SELECT order_id, status, amount FROM {ORDERS} LIMIT 100",
    "min/max": f"SELECT min(order_id) AS lo, max(order_id) AS hi FROM {ORDERS}",
}
MASKED: dict[str, str] = {
    "masked: group by": (
        f"SELECT customer_email, count(*) AS n FROM {ORDERS} GROUP BY customer_email ORDER BY n DESC, 1 LIMIT 5"
    ),
    "masked: top-N": f"SELECT order_id, customer_email, amount FROM {ORDERS} ORDER BY amount DESC, order_id LIMIT 10",
    "masked: point lookup": f"SELECT order_id, customer_email FROM {ORDERS} WHERE order_id = 7654321",
    "masked: projection": f"SELECT order_id, customer_email, amount FROM {ORDERS} LIMIT 100",
    "masked: join": (
        f"SELECT c.customer_name, sum(o.amount) AS s FROM {ORDERS} o "
        f"JOIN {CUSTOMERS} c ON c.customer_id = o.customer_id "
        "WHERE o.status = 'shipped' GROUP BY c.customer_name ORDER BY s DESC LIMIT 5"
    ),
}


def order_table(rows: int, customers: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, customers, rows, dtype=np.int64)
    emails = pa.array([f"user{i}@example.com" for i in range(customers)])
    cents = np.round(rng.gamma(2.0, 50.0, rows) * 100).astype(np.int64)
    amount = duckdb.from_arrow(pa.table({"cents": cents})).project("CAST(cents / 100 AS DECIMAL(18, 2)) AS a")
    amount = amount.to_arrow_table().column("a")
    return pa.table(
        {
            "order_id": np.arange(rows, dtype=np.int64),
            "customer_id": customer,
            "customer_email": emails.take(pa.array(customer)),
            "status": np.array(["shipped", "pending", "returned", "cancelled"])[rng.integers(0, 4, rows)],
            "region": np.array(["EU", "NA", "APAC", "LATAM", "MEA"])[rng.integers(0, 5, rows)],
            "amount": amount,
            "order_date": pa.array(np.datetime64("2024-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")),
        }
    )


def customer_table(customers: int) -> pa.Table:
    segments = np.array(["Enterprise", "SMB", "Consumer"])
    return pa.table(
        {
            "customer_id": np.arange(customers, dtype=np.int64),
            "customer_name": [f"Customer {i}" for i in range(customers)],
            "segment": segments[np.arange(customers) % 3],
        }
    )


def setup(platform: Platform, rows: int, customers: int) -> tuple[Principal, Principal, dict[str, str]]:
    """Sales owns both tables; Marketing's analyst holds grants on both products."""
    admin = platform.principals.bootstrap_admin()
    for name in ("sales-owner@company.com", "analyst@company.com"):
        platform.principals.create_principal(admin, PrincipalCreate(name=name))
    for domain in ("Sales", "Marketing"):
        platform.domains.create(admin, DomainCreate(name=domain))
    platform.domains.add_member(admin, "Sales", MemberAdd(principal="sales-owner@company.com", role="Admin"))
    platform.domains.add_member(admin, "Marketing", MemberAdd(principal="analyst@company.com", role="Member"))
    platform.lakehouses.create(admin, "Sales", LakehouseCreate(name="sales_lakehouse"))
    started = time.perf_counter()
    platform.table_data.write(admin, "Sales", "sales_lakehouse", "gold_customers", customer_table(customers))
    big = order_table(rows, customers)
    platform.table_data.write(admin, "Sales", "sales_lakehouse", "silver_orders", big.to_reader(max_chunksize=1 << 20))
    print(f"wrote {rows:,} orders and {customers:,} customers in {time.perf_counter() - started:.1f}s")
    contracts = {
        "gold_customers": {
            "customer_id": {"type": "long"},
            "customer_name": {"type": "string", "sensitivity_label": "Highly Confidential"},
            "segment": {"type": "string"},
        },
        "silver_orders": {
            "order_id": {"type": "long"},
            "customer_id": {"type": "long"},
            "customer_email": {"type": "string", "sensitivity_label": "Confidential"},
            "status": {"type": "string"},
            "region": {"type": "string"},
            "amount": {"type": "decimal(18,2)"},
            "order_date": {"type": "date"},
        },
    }
    owner, owner_secret = _principal(platform, admin, "sales-owner@company.com")
    analyst, analyst_secret = _principal(platform, admin, "analyst@company.com")
    for name, table in (("Customers", "gold_customers"), ("Orders", "silver_orders")):
        document = {
            "name": name,
            "domain": "Sales",
            "owner": "sales-owner@company.com",
            "contract": {"schema": contracts[table]},
            "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": table},
        }
        platform.products.create(admin, parse_product(document))
        platform.products.publish(admin, "Sales", name)
        request = platform.access.request(analyst, AccessRequestCreate(product=f"sales/{name}", purpose="benchmark"))
        platform.access.approve(admin, request.id, AccessDecision())
    return owner, analyst, {"owner": owner_secret, "analyst": analyst_secret}


def _principal(platform: Platform, admin: Principal, name: str) -> tuple[Principal, str]:
    secret = platform.principals.create_token(admin, TokenCreate(principal=name)).secret
    return platform.principals.authenticate(secret), secret


def table_files(platform: Platform) -> dict[str, list[str]]:
    """Each table's current Parquet files, as raw DuckDB reads them."""
    files = {}
    for name in ("silver_orders", "gold_customers"):
        uri = platform.data_root.table_uri("sales", "sales_lakehouse", name)
        files[name] = [f.removeprefix("file://") for f in platform.delta.open(uri).file_uris()]
    return files


def raw_connection(files: dict[str, list[str]]) -> duckdb.DuckDBPyConnection:
    """Plain DuckDB with a view per table over `read_parquet` of the table's current files."""
    connection = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "2GB"})
    for name, paths in files.items():
        listed = ", ".join(f"'{path}'" for path in paths)
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}])")
    return connection


def _status_kb(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


# Reading no rows of the measured table; the dimension's count is answered from its Delta log (a path whose first
# use in a process costs ~35 MB of one-time set-up, which a server pays once, not per query).
WARM_UP = (
    "SELECT * FROM {p}silver_orders WHERE order_id = -1",
    "SELECT * FROM {p}gold_customers WHERE customer_id = -1",
    "SELECT count(*) AS n FROM {p}gold_customers",
)


def memory_child(state_path: str, kind: str, shape: str) -> None:
    """Run one shape once, governed or raw, and print its peak memory above the process's resident memory.

    Both first run another query over each table (reading no rows), so what is measured is the query and not
    the process's first-query costs (lazy imports, DuckDB's start-up, a pool's spare connections).
    """
    state = json.loads(Path(state_path).read_text())
    sql = {**SHAPES, **MASKED}[shape]
    close: Callable[[], None]
    if kind == "raw":
        raw = raw_connection(state["files"])
        close = raw.close

        def run(sql: str) -> object:
            return raw.sql(sql.replace("sales.sales_lakehouse.", "")).to_arrow_table()
    else:
        settings = Settings(home=Path(state["home"]), catalog_url=None, data_root=None, scheduler=False)
        platform = Platform(settings)
        close = platform.close
        reader = platform.principals.authenticate(state["analyst" if shape.startswith("masked") else "owner"])

        def run(sql: str) -> object:
            return platform.query.run(reader, sql, limit=1000).table

    for warm_up in WARM_UP:
        run(warm_up.format(p="sales.sales_lakehouse."))
    time.sleep(0.5)  # let a pool's background thread finish opening its spares
    setup_kb, before = _status_kb("VmHWM"), _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    run(sql)
    peak = _status_kb("VmHWM")
    close()
    print(json.dumps({"query_kb": peak - before, "process_kb": max(setup_kb, peak)}))


def peak_memory(state_path: str, kind: str, shape: str) -> tuple[float, float]:
    """(the query's peak MB above the process's resident memory, the whole process's peak MB), in a new process."""
    command = [sys.executable, __file__, "--child", kind, "--shape", shape, "--state", state_path]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {shape}: the measuring process failed: {done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return measured["query_kb"] / 1024, measured["process_kb"] / 1024


def best(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall and best CPU milliseconds (CPU: this process, DuckDB's threads included; both run in-process)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the peak-memory processes")
    parser.add_argument("--child", choices=("raw", "governed"), help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        memory_child(args.state, args.child, args.shape)
        return
    with tempfile.TemporaryDirectory() as home:
        platform = Platform(Settings(home=Path(home), catalog_url=None, data_root=None, scheduler=False))
        platform.initialize()
        owner, analyst, secrets = setup(platform, args.rows, args.customers)
        files = table_files(platform)
        state = Path(home) / "benchmark-state.json"
        state.write_text(json.dumps({"home": home, "files": files, **secrets}))
        raw = raw_connection(files)
        print(
            f"{'shape':28} {'raw ms':>9} {'lakemesh ms':>12} {'ratio':>7} {'budget':>8}  verdict  "
            f"{'raw cpu':>8} {'lm cpu':>8}"
            + (f"  {'raw MB':>7} {'lm MB':>7} {'mem':>6}  {'raw proc':>8} {'lm proc':>8}" if args.memory else "")
        )
        for shape, sql in {**SHAPES, **MASKED}.items():
            reader = analyst if shape.startswith("masked") else owner
            raw_sql = sql.replace("sales.sales_lakehouse.", "")

            def governed(sql: str = sql, reader: Principal = reader) -> object:
                return platform.query.run(reader, sql, limit=1000).table

            def direct(raw_sql: str = raw_sql) -> object:
                return raw.sql(raw_sql).to_arrow_table()

            if not shape.startswith("masked"):
                assert governed().to_pylist() == direct().to_pylist(), f"{shape}: results differ"  # type: ignore[attr-defined]
            best(direct, 1), best(governed, 1)  # warm-up, then interleaved best-of
            (r, rc), (g, gc) = best(direct, args.repeat), best(governed, args.repeat)
            budget = 1.2 * r + 20
            verdict = "OK" if g <= budget and (shape != "full count" or g <= 20) else "MISSED"
            line = f"{shape:28} {r:9.1f} {g:12.1f} {g / r:6.2f}x {budget:8.1f}  {verdict:7}  {rc:8.1f} {gc:8.1f}"
            if args.memory:
                (rq, rp), (gq, gp) = peak_memory(str(state), "raw", shape), peak_memory(str(state), "governed", shape)
                ratio = f"{gq / rq:5.2f}x" if rq >= 1 else "   n/a"
                line += f"  {rq:7.1f} {gq:7.1f} {ratio}  {rp:8.1f} {gp:8.1f}"
            print(line, flush=True)
        raw.close()
        platform.close()


if __name__ == "__main__":
    main()
