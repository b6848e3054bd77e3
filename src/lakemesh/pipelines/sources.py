"""Where ingest steps read: lakehouse files, URLs on the allow-list, SQL databases on the allow-list.

Outgoing connections are refused unless their host is on `LAKEMESH_PIPELINE_URL_ALLOWLIST`, so a pipeline
cannot be used to reach the platform's own network (SSRF) or local files (`file://`, SQLite paths).
"""

from __future__ import annotations

import fnmatch
import posixpath
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyarrow as pa

from lakemesh.core.errors import Forbidden, InvalidInput, invalid
from lakemesh.storage.arrowio import open_reader

FORMATS = {".csv": "csv", ".json": "ndjson", ".jsonl": "ndjson", ".ndjson": "ndjson", ".parquet": "parquet"}
_GLOB = set("*?[")
MAX_REDIRECTS = 3
DB_BATCH_ROWS = 50_000


class UrlAllowList:
    """Hosts pipelines may connect to: `data.example.com`, `*.example.com` or `host:port`; empty = nothing."""

    def __init__(self, entries: list[str]) -> None:
        self.entries = [e.strip().lower() for e in entries if e.strip()]

    @classmethod
    def parse(cls, text: str | None) -> UrlAllowList:
        return cls((text or "").replace(";", ",").split(","))

    def allows_host(self, host: str, port: int | None) -> bool:
        host = host.lower().strip("[]")
        for entry in self.entries:
            name, _, wanted_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
            if wanted_port and str(port) != wanted_port:
                continue
            if name == host or (name.startswith("*.") and host.endswith(name[1:])):
                return True
        return False

    def check_url(self, url: str, field: tuple[str | int, ...]) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise invalid(field, f"only http and https URLs can be read, not {parts.scheme or 'a bare path'}")
        if not parts.hostname or not self.allows_host(parts.hostname, parts.port):
            raise Forbidden(
                f"{parts.hostname or url!r} is not on the pipeline URL allow-list (LAKEMESH_PIPELINE_URL_ALLOWLIST)"
            )
        return url

    def check_database(self, url: str, field: tuple[str | int, ...]) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except ArgumentError:
            raise invalid(field, "is not a SQLAlchemy database URL") from None
        if parsed.get_backend_name() == "sqlite" or not parsed.host:
            raise Forbidden("file-based databases cannot be read by pipelines; use a database server on the allow-list")
        if not self.allows_host(parsed.host, parsed.port):
            raise Forbidden(f"{parsed.host!r} is not on the pipeline URL allow-list (LAKEMESH_PIPELINE_URL_ALLOWLIST)")
        return url


def format_of(name: str, given: str | None) -> str:
    if given:
        return "ndjson" if given == "json" else given
    suffix = Path(urlsplit(name).path).suffix.lower()
    if suffix not in FORMATS:
        raise invalid("format", f"cannot tell the format of {name!r}; set format: csv, json or parquet")
    return FORMATS[suffix]


def is_glob(path: str) -> bool:
    return any(ch in _GLOB for ch in path)


def match_files(pattern: str, available: list[str]) -> list[str]:
    if not is_glob(pattern):
        return [pattern]
    return sorted(p for p in available if fnmatch.fnmatchcase(p, pattern))


def glob_prefix(pattern: str) -> str:
    """The folder to list for a glob: everything before the first segment with a wildcard."""
    head: list[str] = []
    for part in pattern.split("/"):
        if is_glob(part):
            break
        head.append(part)
    return posixpath.join(*head) if head and is_glob(pattern) else ""


def spooled_reader(chunks_of: list[Callable[[], Iterator[bytes]]], fmt: str) -> pa.RecordBatchReader:
    """Files (as byte-chunk streams) copied to a temp folder and read as one stream; the folder goes afterwards."""
    stack = ExitStack()
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lakemesh-ingest-")))
    try:
        paths = []
        for index, chunks in enumerate(chunks_of):
            path = folder / f"part-{index}"
            with path.open("wb") as out:
                for chunk in chunks():
                    out.write(chunk)
            paths.append(path)
        first = open_reader(paths[0], fmt)
    except BaseException:
        stack.close()
        raise
    return pa.RecordBatchReader.from_batches(first.schema, _all_batches(first, paths[1:], fmt, stack))


def _all_batches(first: pa.RecordBatchReader, rest: list[Path], fmt: str, stack: ExitStack) -> Iterator[pa.RecordBatch]:
    with stack:
        yield from first
        for path in rest:
            reader = open_reader(path, fmt)
            if not reader.schema.equals(first.schema):
                raise InvalidInput(f"{path.name}: its columns differ from the first file's; ingest them separately")
            yield from reader


def download(url: str, allow: UrlAllowList, limit: int, field: tuple[str | int, ...]) -> Callable[[], Iterator[bytes]]:
    """The body of `url`; redirects are followed only to hosts that are allowed too."""

    def chunks() -> Iterator[bytes]:
        import httpx  # loaded when a URL is ingested, not at server start

        current = allow.check_url(url, field)
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        current = allow.check_url(urljoin(current, response.headers.get("location", "")), field)
                        continue
                    if response.status_code != 200:
                        raise ConnectionError(f"GET {url} answered {response.status_code}")
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise invalid(field, f"the download is larger than {limit} bytes")
                        yield chunk
                    return
        raise invalid(field, "too many redirects")

    return chunks


def database_reader(url: str, query: str) -> pa.RecordBatchReader:
    """Rows of `query` on an external database, in batches."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    connection = engine.connect()
    result = connection.execution_options(stream_results=True).exec_driver_sql(query)
    names = list(result.keys())
    first = result.fetchmany(DB_BATCH_ROWS)
    head = pa.RecordBatch.from_pylist([dict(zip(names, row, strict=True)) for row in first])
    if head.num_columns == 0:
        head = pa.RecordBatch.from_pylist([], schema=pa.schema([pa.field(n, pa.string()) for n in names]))

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield head
            while rows := result.fetchmany(DB_BATCH_ROWS):
                records: list[dict[str, Any]] = [dict(zip(names, row, strict=True)) for row in rows]
                yield pa.RecordBatch.from_pylist(records, schema=head.schema)
        finally:
            connection.close()
            engine.dispose()

    return pa.RecordBatchReader.from_batches(head.schema, batches())
