"""Real dlt sources for the destination's tests: a SQLite file, a PostgreSQL database, a local JSON API."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

PG_URL = os.environ.get("LAKEMESH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def sqlite_customers(path: Path, rows: list[tuple[int, str, float]]) -> str:
    """A SQLite file with one `customers` table holding `rows`; returns its SQLAlchemy URL."""
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, amount DOUBLE)")
        con.execute("DELETE FROM customers")
        con.executemany("INSERT INTO customers VALUES (?, ?, ?)", rows)
    return f"sqlite:///{path}"


def postgres_customers(url: str, rows: list[tuple[int, str, float]]) -> None:
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(text("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, amount FLOAT8)"))
        con.execute(text("DELETE FROM customers"))
        for row in rows:
            con.execute(
                text("INSERT INTO customers VALUES (:id, :name, :amount)"),
                dict(zip(("id", "name", "amount"), row, strict=True)),
            )
    engine.dispose()


@contextmanager
def json_api(pages: dict[str, Any]) -> Iterator[str]:
    """A local HTTP server answering GET <path> with the JSON in `pages`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            body = json.dumps(pages.get(path, {"error": "not found"})).encode()
            self.send_response(200 if path in pages else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
