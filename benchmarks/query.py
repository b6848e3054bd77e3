"""Governed SQL vs raw DuckDB over the same Parquet files, per query shape (issue 19's engine floor).

Raw DuckDB reads each Delta table with `read_parquet` over its current file list, in one warm connection.
Lakemesh runs the same SQL through `QueryService` (gate, authorization, masks, audit row): the unmasked
shapes as the tables' owner (no masks apply), the masked ones as a reader from another domain holding a
grant, with a masked column in the select list (raw DuckDB then runs the same SQL without masks).
Goal: every shape <= 1.2x raw + 20 ms; a full count <= 20 ms. Best of `--repeat` runs, interleaved.

    python benchmarks/query.py [--rows 10000000] [--customers 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
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


def setup(platform: Platform, rows: int, customers: int) -> tuple[Principal, Principal]:
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
    owner = _principal(platform, admin, "sales-owner@company.com")
    analyst = _principal(platform, admin, "analyst@company.com")
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
    return owner, analyst


def _principal(platform: Platform, admin: Principal, name: str) -> Principal:
    return platform.principals.authenticate(platform.principals.create_token(admin, TokenCreate(principal=name)).secret)


def raw_connection(platform: Platform) -> duckdb.DuckDBPyConnection:
    """Plain DuckDB with a view per table over `read_parquet` of the table's current files."""
    connection = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "2GB"})
    for name in ("silver_orders", "gold_customers"):
        uri = platform.data_root.table_uri("sales", "sales_lakehouse", name)
        files = ", ".join(f"'{f.removeprefix('file://')}'" for f in platform.delta.open(uri).file_uris())
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
    return connection


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        platform = Platform(Settings(home=Path(home), catalog_url=None, data_root=None, scheduler=False))
        platform.initialize()
        owner, analyst = setup(platform, args.rows, args.customers)
        raw = raw_connection(platform)
        print(
            f"{'shape':28} {'raw ms':>9} {'lakemesh ms':>12} {'ratio':>7} {'budget':>8}  verdict  "
            f"{'raw cpu':>8} {'lm cpu':>8}"
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
            print(f"{shape:28} {r:9.1f} {g:12.1f} {g / r:6.2f}x {budget:8.1f}  {verdict:7}  {rc:8.1f} {gc:8.1f}")
        raw.close()
        platform.close()


if __name__ == "__main__":
    main()
