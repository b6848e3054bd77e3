"""The SQL endpoint (PostgreSQL wire) vs REST Arrow vs raw DuckDB, side by side in one run (issue 18).

1. A 1M-row result: psycopg over the wire (binary and text) vs `POST /api/v1/query` as Arrow vs raw DuckDB in
   process over the same Parquet files, and the same rows served by a real PostgreSQL (`--pg`, default the local
   one): what psycopg reaches against PostgreSQL itself. Goal: wire transfer >= 100 MB/s on loopback (MB = Arrow
   bytes).
2. A point lookup by customer_id through a psycopg prepared statement: p50/p99 (goal p99 < 20 ms), REST beside it.
3. An aggregate over the orders (10M rows): wire vs `mesh.sql` in process. Goal: <= 1.2x + 20 ms.

    python benchmarks/sql_endpoint.py [--rows 10000000] [--customers 1000000] [--lookups 300]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import numpy as np
import psycopg
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import cpu_seconds, free_port

from lakemesh.core.settings import Settings
from lakemesh.domains.models import DomainCreate
from lakemesh.lakehouses.models import LakehouseCreate
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

AGGREGATE = "SELECT status, count(*) AS n, sum(amount) AS s FROM {orders} GROUP BY status ORDER BY status"


def customers(n: int) -> pa.Table:
    rng = np.random.default_rng(7)
    cents = rng.integers(0, 10_000_000, n)
    ltv = duckdb.from_arrow(pa.table({"c": cents})).project("CAST(c / 100 AS DECIMAL(18, 2)) AS v")
    return pa.table(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "segment": np.array(["Enterprise", "SMB", "Consumer"])[np.arange(n) % 3],
            "lifetime_value": ltv.to_arrow_table().column("v"),
            "churn_risk": rng.random(n),
            "active": rng.random(n) > 0.2,
            "last_updated": pa.array([datetime(2026, 1, 1, tzinfo=UTC)] * n, pa.timestamp("us", tz="UTC")),
        }
    )


def orders(n: int, customer_count: int) -> pa.Table:
    rng = np.random.default_rng(1)
    return pa.table(
        {
            "order_id": np.arange(n, dtype=np.int64),
            "customer_id": rng.integers(0, customer_count, n, dtype=np.int64),
            "status": np.array(["shipped", "pending", "returned", "cancelled"])[rng.integers(0, 4, n)],
            "amount": rng.gamma(2.0, 50.0, n),
        }
    )


def setup(home: Path, rows: int, customer_count: int) -> None:
    platform = Platform(Settings(home=home, catalog_url=None, data_root=None, scheduler=False))
    platform.initialize()
    admin = platform.principals.bootstrap_admin()
    platform.domains.create(admin, DomainCreate(name="Sales"))
    platform.lakehouses.create(admin, "Sales", LakehouseCreate(name="sales_lakehouse"))
    started = time.perf_counter()
    platform.table_data.write(admin, "Sales", "sales_lakehouse", "gold_customers", customers(customer_count))
    big = orders(rows, customer_count).to_reader(max_chunksize=1 << 20)
    platform.table_data.write(admin, "Sales", "sales_lakehouse", "silver_orders", big)
    print(f"wrote {rows:,} orders and {customer_count:,} customers in {time.perf_counter() - started:.1f}s")
    platform.close()


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str, int, str]:
    port, sql_port = free_port(), free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port), "LAKEMESH_SQL_PORT": str(sql_port),
           "LAKEMESH_SQL_ALLOW_CLEARTEXT_LOOPBACK": "true", "LAKEMESH_SCHEDULER": "false"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "lakemesh", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return process, url, sql_port, (home / "admin.token").read_text().strip()


def raw_fetch(
    port: int, user: str, token: str | None, sql: str, *, binary: bool = False, database: str = "lakemesh"
) -> int:
    """Bytes of a result read off the socket undecoded: the server's side of the transfer. Text: a simple query;
    binary: Parse/Bind (all results binary)/Execute/Sync, as drivers ask for binary results. `token` None: the
    server trusts the user (the local PostgreSQL)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        body = b"user\x00" + user.encode() + b"\x00database\x00" + database.encode() + b"\x00\x00"
        sock.sendall(struct.pack("!ii", len(body) + 8, 196608) + body)
        if token is not None:
            sock.recv(9)
            password = token.encode() + b"\x00"
            sock.sendall(b"p" + struct.pack("!i", len(password) + 4) + password)
        received = b""
        while not received.endswith(b"Z\x00\x00\x00\x05I"):
            received += sock.recv(65536)
        query = sql.encode() + b"\x00"
        if binary:
            parse = b"\x00" + query + struct.pack("!h", 0)
            bind = b"\x00\x00" + struct.pack("!hhhh", 0, 0, 1, 1)
            execute = b"\x00" + struct.pack("!i", 0)
            messages = ((b"P", parse), (b"B", bind), (b"E", execute), (b"S", b""))
            sock.sendall(b"".join(kind + struct.pack("!i", len(p) + 4) + p for kind, p in messages))
        else:
            sock.sendall(b"Q" + struct.pack("!i", len(query) + 4) + query)
        total, tail = 0, b""
        while not tail.endswith(b"Z\x00\x00\x00\x05I"):
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            tail = (tail + chunk)[-6:]
        return total


def load_postgres(url: str, rows: pa.Table) -> str:
    """The same customers in a table of a real PostgreSQL (COPY, binary); returns its name."""
    name = "lakemesh_bench_customers"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {name}")
        connection.execute(
            f"CREATE TABLE {name} (customer_id text, segment text, lifetime_value numeric(18, 2), "
            "churn_risk float8, active boolean, last_updated timestamptz)"
        )
        with connection.cursor().copy(f"COPY {name} FROM STDIN") as copy:
            for row in rows.to_pylist():
                copy.write_row(tuple(row.values()))
    return name


def timed(run: Callable[[], object], repeat: int, pid: int | None = None) -> tuple[float, object, float, float]:
    """Best wall time of `repeat` runs, the last result, and the CPU seconds per run of the server (`pid`) and of
    this process (the client's decoding): figures the machine's other load does not inflate."""
    best, result, server, client = float("inf"), None, 0.0, 0.0
    for _ in range(repeat):
        server_before, client_before = cpu_seconds(pid) if pid else 0.0, time.process_time()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
        server += (cpu_seconds(pid) if pid else 0.0) - server_before
        client += time.process_time() - client_before
    return best, result, server / repeat, client / repeat


def raw_duckdb(home: Path) -> duckdb.DuckDBPyConnection:
    platform = Platform(Settings(home=home, catalog_url=None, data_root=None, scheduler=False))
    connection = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "2GB"})
    for name in ("gold_customers", "silver_orders"):
        uri = platform.data_root.table_uri("sales", "sales_lakehouse", name)
        files = ", ".join(f"'{f.removeprefix('file://')}'" for f in platform.delta.open(uri).file_uris())
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
    platform.close()
    return connection


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fetch-only", action="store_true", help="only part 1 (the 1M-row fetch)")
    parser.add_argument("--lookups-only", action="store_true", help="skip the 1M-row fetch and the aggregate")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="'' to skip")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lakemesh-sqlwire-")) / "home"
    setup(home, args.rows, args.customers)
    process, url, sql_port, token = serve(home)
    dsn = f"host=127.0.0.1 port={sql_port} user=admin dbname=lakemesh password={token} sslmode=disable"
    raw = raw_duckdb(home)
    try:
        wire = psycopg.connect(dsn, autocommit=True)
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        limit = min(args.customers, 1_000_000)
        fetch = f"SELECT * FROM sales.sales_lakehouse.gold_customers LIMIT {limit}"

        def rest_arrow(sql: str = fetch) -> pa.Table:
            response = http.post("/api/v1/query", json={"sql": sql, "format": "arrow", "limit": limit})
            response.raise_for_status()
            return pa.ipc.open_stream(response.content).read_all()

        if not args.lookups_only:
            reference = rest_arrow()
            megabytes = reference.nbytes / 1e6
            postgres = psycopg.connect(args.pg, autocommit=True) if args.pg else None
            pg_table = load_postgres(args.pg, reference) if args.pg else ""
            print(f"\n1. fetch {limit:,} rows ({megabytes:.0f} MB as Arrow), best of {args.repeat}; CPU s per run")
            rows = {
                "wire, psycopg binary": lambda: wire.cursor(binary=True).execute(fetch).fetchall(),
                "wire, psycopg text": lambda: wire.cursor().execute(fetch).fetchall(),
                "wire, undecoded (text)": lambda: raw_fetch(sql_port, "admin", token, fetch),
                "wire, undecoded (binary)": lambda: raw_fetch(sql_port, "admin", token, fetch, binary=True),
                "REST, Arrow stream": rest_arrow,
                "raw DuckDB in process": lambda: raw.sql(
                    f"SELECT * FROM gold_customers LIMIT {limit}"
                ).to_arrow_table(),
            }
            if postgres is not None:
                pg_fetch = f"SELECT * FROM {pg_table} LIMIT {limit}"
                rows["PostgreSQL 15, psycopg binary"] = lambda: (
                    postgres.cursor(binary=True).execute(pg_fetch).fetchall()
                )
                rows["PostgreSQL 15, psycopg text"] = lambda: postgres.cursor().execute(pg_fetch).fetchall()
                pg_port, pg_user = postgres.info.port, postgres.info.user
                rows["PostgreSQL 15, undecoded (bin)"] = lambda: raw_fetch(
                    pg_port, pg_user, None, pg_fetch, binary=True, database=postgres.info.dbname
                )
            base = None
            for name, run in rows.items():
                # the server: Lakemesh's process, PostgreSQL's backend of psycopg's connection (the undecoded fetch
                # has a backend of its own, not measured), none for DuckDB in process
                pid = None if name.startswith("raw") else process.pid
                if name.startswith("PostgreSQL") and postgres is not None:
                    pid = postgres.info.backend_pid if "psycopg" in name else None
                seconds, _, server, client = timed(run, args.repeat, pid)
                base = base or seconds
                rate = megabytes / seconds
                print(
                    f"   {name:30s} {seconds:7.2f} s  {rate:7.1f} MB/s  {seconds / base:5.2f}x wire-binary"
                    f"   server CPU {server:5.2f} s  client CPU {client:5.2f} s"
                )
            if args.fetch_only:
                return

        print(f"\n2. point lookup by customer_id, {args.lookups} lookups (prepared statement)")
        ids = [f"C{i:07d}" for i in np.random.default_rng(3).integers(0, args.customers, args.lookups)]
        lookup = "SELECT * FROM sales_sales_lakehouse.gold_customers WHERE customer_id = %s"
        for customer in ids[:20]:  # warm-up: the first statements prepare, open the engine database, read footers
            wire.execute(lookup, (customer,), prepare=True).fetchall()
        samples = []
        cpu = cpu_seconds(process.pid)
        for customer in ids:
            start = time.perf_counter()
            wire.execute(lookup, (customer,), prepare=True).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        wire_cpu = (cpu_seconds(process.pid) - cpu) * 1000 / len(ids)
        rest_samples = []
        rest_ids = ids[: max(1, args.lookups // 3)]
        cpu = cpu_seconds(process.pid)
        for customer in rest_ids:
            sql = f"SELECT * FROM sales.sales_lakehouse.gold_customers WHERE customer_id = '{customer}'"
            start = time.perf_counter()
            http.post("/api/v1/query", json={"sql": sql}).raise_for_status()
            rest_samples.append((time.perf_counter() - start) * 1000)
        rest_cpu = (cpu_seconds(process.pid) - cpu) * 1000 / len(rest_ids)
        print(f"   (load average {os.getloadavg()[0]:.1f}; server CPU per lookup, user + system, all its threads)")
        for name, values, used in (("wire (prepared)", samples, wire_cpu), ("REST json", rest_samples, rest_cpu)):
            p99 = statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]
            print(f"   {name:24s} p50 {statistics.median(values):6.1f} ms   p99 {p99:6.1f} ms   (goal p99 < 20 ms)"
                  f"   server CPU {used:5.1f} ms")  # fmt: skip

        if not args.lookups_only:
            print(f"\n3. aggregate over {args.rows:,} orders, best of {args.repeat}")
            mesh = Mesh.open(home)
            sql = AGGREGATE.format(orders="sales.sales_lakehouse.silver_orders")
            in_process = timed(lambda: mesh.sql(sql), args.repeat)[0]
            over_wire = timed(lambda: wire.execute(sql).fetchall(), args.repeat)[0]
            direct = timed(lambda: raw.sql(AGGREGATE.format(orders="silver_orders")).fetchall(), args.repeat)[0]
            goal = in_process * 1.2 + 0.020
            print(f"   mesh.sql in process      {in_process * 1000:7.1f} ms")
            print(f"   wire                     {over_wire * 1000:7.1f} ms  {over_wire / in_process:5.2f}x mesh.sql "
                  f"(goal <= {goal * 1000:.1f} ms: {'met' if over_wire <= goal else 'NOT met'})")  # fmt: skip
            print(f"   raw DuckDB               {direct * 1000:7.1f} ms")
            mesh.close()
        wire.close()
        http.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
