"""Build this dbt project on a fresh Lakemesh home (docs/dbt.md): sources read through Lakemesh, models written back.

pip install "lakemesh[dbt]" && python examples/dbt_customer360/build_on_lakemesh.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from lakemesh.dbt.build import build
from lakemesh.mesh import Mesh


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lakemesh-dbt-"))
    project = Path(shutil.copytree(Path(__file__).parent, folder / "project"))
    home = folder / "home"
    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        customers = {"customer_id": ["C1", "C2", "C3"], "full_name": ["Ada", "Grace", "Linus"]}
        customers["email"] = ["ada@example.com", "grace@example.com", "linus@example.com"]
        mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", pa.table(customers))
        orders = {"order_id": ["O1", "O2", "O3"], "customer_id": ["C1", "C1", "C2"], "amount": [10.0, 20.0, 5.0]}
        mesh.write_table("Sales", "sales_lakehouse", "silver_orders", pa.table(orders))

        result = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        for name, written in result.written.items():
            print(f"{name}: {written.mode} {written.rows_written} rows -> {written.table} v{written.version}")
        print(mesh.read_table("Sales", "sales_lakehouse", "customer_summary").to_pylist())
        graph = mesh.lineage_graph("table:sales.sales_lakehouse.customer_summary", direction="upstream", depth=5)
        print([e.source + " -> " + e.target for e in graph.edges])


if __name__ == "__main__":
    main()
