"""Load a SQLite database and a JSON API into a Lakemesh home with dlt, then merge an update (docs/dlt.md)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dlt
from dlt.sources.rest_api import rest_api_source
from dlt.sources.sql_database import sql_database

import lakemesh.dlt
from lakemesh.mesh import Mesh

ORDERS = [{"order_id": 1, "customer_id": 1, "total": 9.5}, {"order_id": 2, "customer_id": 2, "total": 12.0}]


class Orders(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(ORDERS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lakemesh-dlt-"))
    database = folder / "crm.db"
    with sqlite3.connect(database) as con:
        con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        con.executemany("INSERT INTO customers VALUES (?, ?)", [(1, "Ada"), (2, "Grace")])
    mesh = Mesh.open(folder / "home")
    mesh.create_domain("Sales")
    mesh.create_lakehouse("Sales", "raw")
    pipeline = dlt.pipeline(
        "crm",
        destination=lakemesh.dlt.destination(domain="Sales", lakehouse="raw", mesh=mesh),
        pipelines_dir=str(folder / "dlt"),
    )

    pipeline.run(sql_database(f"sqlite:///{database}", backend="pyarrow"))
    with sqlite3.connect(database) as con:
        con.execute("UPDATE customers SET name = 'Grace Hopper' WHERE id = 2")
    source = sql_database(f"sqlite:///{database}", backend="pyarrow")
    source.customers.apply_hints(write_disposition="merge", primary_key="id")
    pipeline.run(source)
    print(mesh.read_table("Sales", "raw", "customers").to_pylist())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Orders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api: Any = {
        "client": {"base_url": f"http://127.0.0.1:{server.server_address[1]}", "paginator": "single_page"},
        "resources": [{"name": "orders", "endpoint": {"path": "orders"}, "primary_key": "order_id"}],
    }
    pipeline.run(rest_api_source(api))
    server.shutdown()
    print(mesh.read_table("Sales", "raw", "orders").to_pylist())
    for commit in mesh.table_history("Sales", "raw", "customers"):
        print(commit.version, commit.operation, commit.metadata)
    print([n.id for n in mesh.lineage_graph("job:sales/dlt.crm").nodes])
    mesh.close()


if __name__ == "__main__":
    main()
