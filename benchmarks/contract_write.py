"""Append 1M rows to a contract-bound table through Lakemesh vs raw `write_deltalake` to an unbound table.

Target: <= 1.5x with not-null, enum and type checks on (Data products issue). Run:
    python3 benchmarks/contract_write.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from deltalake import write_deltalake

from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh

PRODUCT = {
    "name": "Customer 360",
    "domain": "Sales",
    "owner": "admin",
    "contract": {
        "schema": {
            "customer_id": {"type": "string", "required": True},
            "customer_name": {"type": "string", "required": True},
            "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"], "required": True},
            "lifetime_value": {"type": "decimal"},
            "churn_risk": {"type": "decimal"},
            "last_updated": {"type": "timestamp", "required": True},
        }
    },
    "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = customer_360(args.rows, now=datetime.now(UTC))
    with tempfile.TemporaryDirectory() as folder:
        mesh = Mesh.open(Path(folder) / "home")
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", data.slice(0, 10))
        mesh.create_product(PRODUCT)
        mesh.publish_product("Sales", "customer-360")
        lakemesh, raw = [], []
        for attempt in range(args.repeat):
            start = time.perf_counter()
            mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", data)
            lakemesh.append(time.perf_counter() - start)
            start = time.perf_counter()
            write_deltalake(str(Path(folder) / f"raw_{attempt}"), data, mode="append")
            raw.append(time.perf_counter() - start)
        mesh.close()
    best_l, best_r = min(lakemesh), min(raw)
    print(f"rows per append: {args.rows:,}  (repeats: {args.repeat}, alternating)")
    print(f"{'':28}{'best s':>10}{'median s':>10}")
    print(f"{'lakemesh (contract-bound)':28}{best_l:>10.3f}{statistics.median(lakemesh):>10.3f}")
    print(f"{'raw write_deltalake':28}{best_r:>10.3f}{statistics.median(raw):>10.3f}")
    ratio = best_l / best_r
    print(f"ratio (best): {ratio:.2f}x  target <= 1.5x  {'PASS' if ratio <= 1.5 else 'MISS'}")
    print(f"ratio (median): {statistics.median(lakemesh) / statistics.median(raw):.2f}x")


if __name__ == "__main__":
    main()
