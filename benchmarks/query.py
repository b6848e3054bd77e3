"""Governed SQL vs raw DuckDB on the same Delta tables: an aggregate over 10M rows joined to a 100k-row table.

Baseline (issue 7): governed <= 1.2x raw + 50 ms. The governed run goes through QueryService as a
consumer from another domain holding a grant (so the gate, authorization, a masked view and the audit
row are all in the path); the raw run registers the same pyarrow datasets in a plain DuckDB connection.

    python benchmarks/query.py [--rows 10000000] [--customers 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakemesh.access.models import AccessDecision, AccessRequestCreate
from lakemesh.auth.models import PrincipalCreate
from lakemesh.core.settings import Settings
from lakemesh.domains.models import DomainCreate, MemberAdd
from lakemesh.lakehouses.models import LakehouseCreate
from lakemesh.platform import Platform
from lakemesh.products.models import parse_product

GOVERNED_SQL = """
SELECT c.segment, count(*) AS orders, sum(o.amount) AS revenue, avg(o.amount) AS avg_amount
FROM sales.sales_lakehouse.silver_orders o
JOIN sales.sales_lakehouse.gold_customers c ON c.customer_id = o.customer_id
GROUP BY c.segment ORDER BY revenue DESC
"""
RAW_SQL = GOVERNED_SQL.replace("sales.sales_lakehouse.", "")


def orders(rows: int, customers: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "order_id": np.arange(rows, dtype=np.int64),
            "customer_id": rng.integers(0, customers, rows, dtype=np.int64),
            "amount": rng.gamma(2.0, 50.0, rows),
        }
    )


def customer_table(customers: int) -> pa.Table:
    segments = np.array(["Enterprise", "SMB", "Consumer"])
    return pa.table(
        {
            "customer_id": np.arange(customers, dtype=np.int64),
            "email": [f"user{i}@example.com" for i in range(customers)],
            "segment": segments[np.arange(customers) % 3],
        }
    )


def setup(platform: Platform, rows: int, customers: int) -> object:
    admin = platform.principals.bootstrap_admin()
    for name in ("sales-owner@company.com", "analyst@company.com"):
        platform.principals.create_principal(admin, PrincipalCreate(name=name))
    for domain in ("Sales", "Marketing"):
        platform.domains.create(admin, DomainCreate(name=domain))
    platform.domains.add_member(admin, "Marketing", MemberAdd(principal="analyst@company.com", role="Member"))
    platform.lakehouses.create(admin, "Sales", LakehouseCreate(name="sales_lakehouse"))
    started = time.perf_counter()
    platform.table_data.write(admin, "Sales", "sales_lakehouse", "gold_customers", customer_table(customers))
    big = orders(rows, customers)
    platform.table_data.write(
        admin, "Sales", "sales_lakehouse", "silver_orders", big.to_reader(max_chunksize=1_000_000)
    )
    print(f"wrote {rows:,} orders and {customers:,} customers in {time.perf_counter() - started:.1f}s")
    for name, table, labels in (
        ("Customers", "gold_customers", {"email": {"type": "string", "sensitivity_label": "Confidential"}}),
        ("Orders", "silver_orders", {}),
    ):
        schema = {"customer_id": {"type": "long"}, **labels}
        if table == "gold_customers":
            schema["segment"] = {"type": "string"}
        else:
            schema |= {"order_id": {"type": "long"}, "amount": {"type": "double"}}
        document = {
            "name": name,
            "domain": "Sales",
            "owner": "sales-owner@company.com",
            "contract": {"schema": schema},
            "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": table},
        }
        platform.products.create(admin, parse_product(document))
        platform.products.publish(admin, "Sales", name)
        analyst = platform.principals.authenticate(
            platform.principals.create_token(admin, _token_for("analyst@company.com")).secret
        )
        request = platform.access.request(analyst, AccessRequestCreate(product=f"sales/{name}", purpose="benchmark"))
        platform.access.approve(admin, request.id, AccessDecision())
    return analyst


def _token_for(name: str) -> object:
    from lakemesh.auth.models import TokenCreate

    return TokenCreate(principal=name)


def timed(run: object, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        platform = Platform(Settings(home=Path(home), catalog_url=None, data_root=None, scheduler=False))
        platform.initialize()
        analyst = setup(platform, args.rows, args.customers)

        def governed() -> pa.Table:
            return platform.query.run(analyst, GOVERNED_SQL, limit=1000).table  # type: ignore[arg-type]

        def raw() -> pa.Table:
            connection = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "2GB"})
            for name in ("silver_orders", "gold_customers"):
                uri = platform.data_root.table_uri("sales", "sales_lakehouse", name)
                connection.register(name, platform.delta.open(uri).to_pyarrow_dataset())
            result = connection.sql(RAW_SQL).to_arrow_table()
            connection.close()
            return result

        same = [(r["segment"], r["orders"], round(r["revenue"], 0)) for r in governed().to_pylist()]
        assert same == [(r["segment"], r["orders"], round(r["revenue"], 0)) for r in raw().to_pylist()], (
            "results differ"
        )
        rounds_governed, rounds_raw = [], []
        for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
            rounds_raw.extend(timed(raw, 1))
            rounds_governed.extend(timed(governed, 1))
        platform.close()
    g, r = statistics.median(rounds_governed), statistics.median(rounds_raw)
    budget = 1.2 * r + 50
    print(f"raw DuckDB:     median {r:8.1f} ms  (samples {', '.join(f'{x:.0f}' for x in rounds_raw)})")
    print(f"governed query: median {g:8.1f} ms  (samples {', '.join(f'{x:.0f}' for x in rounds_governed)})")
    print(
        f"ratio {g / r:.2f}x, overhead {g - r:+.1f} ms; budget 1.2x raw + 50 ms = {budget:.1f} ms: "
        f"{'OK' if g <= budget else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
