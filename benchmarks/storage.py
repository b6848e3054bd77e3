"""Lakehouse storage against raw delta-rs, measured side by side in one run.

Targets (Lakehouses and Delta tables issue):
1. append 1M Customer 360 rows through `Mesh.write_table` <= 1.3x raw `deltalake.write_deltalake`;
2. read 1M rows as Arrow over REST (`lakemesh serve`) <= 2x local `DeltaTable(...).to_pyarrow_table()`;
3. peak server RSS growth during a ~1 GB Parquet upload < 2x the file's largest row group (uncompressed).
Run: python3 benchmarks/storage.py [--rows 1000000] [--upload-mb 1024] [--repeats 5] [--row-group-mb 96]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _harness import RunningServer, free_port
from deltalake import DeltaTable, write_deltalake

from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh

DOMAIN, LAKEHOUSE, TABLE = "Sales", "sales_lakehouse", "gold_customer_360"
TABLES_URL = "/api/v1/domains/sales/lakehouses/sales_lakehouse/tables"
PARQUET = "application/vnd.apache.parquet"
MB = 1024 * 1024
NOW = datetime(2025, 1, 15, 12, tzinfo=UTC)


@dataclass
class Row:
    """One line of the summary: lower is better for every metric here."""

    metric: str
    lakemesh: float
    baseline: float
    unit: str
    target: float
    strict: bool = False  # `<` instead of `<=`

    @property
    def ratio(self) -> float:
        return self.lakemesh / self.baseline if self.baseline else float("inf")

    @property
    def passed(self) -> bool:
        return self.ratio < self.target if self.strict else self.ratio <= self.target


def serve(home: Path, log: Path) -> RunningServer:
    """Like `_harness.start_server`, but on a given home so the in-process Mesh and the server share the catalog."""
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port)}
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "lakemesh", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 60:
            process.kill()
            raise RuntimeError(f"server did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.02)
    token = (home / "admin.token").read_text().strip()
    return RunningServer(process, url, token, time.perf_counter() - started)


def timed(action: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def describe(label: str, lakemesh: list[float], baseline: list[float]) -> None:
    print(
        f"  {label}: lakemesh best {min(lakemesh):.3f} s, median {statistics.median(lakemesh):.3f} s | "
        f"baseline best {min(baseline):.3f} s, median {statistics.median(baseline):.3f} s | runs "
        + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(lakemesh, baseline, strict=True))
    )


def both(label: str, unit: str, target: float, lakemesh: list[float], baseline: list[float]) -> list[Row]:
    return [
        Row(f"{label} (best)", min(lakemesh), min(baseline), unit, target),
        Row(f"{label} (median)", statistics.median(lakemesh), statistics.median(baseline), unit, target),
    ]


# -- 1. append ----------------------------------------------------------------------------------------------
def bench_append(mesh: Mesh, data: pa.Table, raw_root: Path, repeats: int) -> list[Row]:
    """Each run writes a new table; the first run's table is the one read back over REST."""
    warm = data.slice(0, 10_000)
    mesh.write_table(DOMAIN, LAKEHOUSE, "warmup", warm)
    write_deltalake(str(raw_root / "warmup"), warm)
    facade: list[float] = []
    raw: list[float] = []
    for run in range(repeats):
        name = TABLE if run == 0 else f"{TABLE}_run{run + 1}"

        def lakemesh_write(name: str = name) -> None:
            result = mesh.write_table(DOMAIN, LAKEHOUSE, name, data)
            assert result.rows_written == data.num_rows, result

        def raw_write(run: int = run) -> None:
            write_deltalake(str(raw_root / f"run{run}"), data)

        # Alternate the order so neither side always gets the warmer page cache.
        if run % 2:
            raw.append(timed(raw_write))
            facade.append(timed(lakemesh_write))
        else:
            facade.append(timed(lakemesh_write))
            raw.append(timed(raw_write))
    label = f"append {data.num_rows:,} rows"
    describe(label, facade, raw)
    return both(label, "s", 1.3, facade, raw)


# -- 2. read ------------------------------------------------------------------------------------------------
def bench_read(server: RunningServer, table_path: Path, rows: int, repeats: int) -> list[Row]:
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:

        def rest_read() -> None:
            response = http.get(f"{TABLES_URL}/{TABLE}/data", params={"format": "arrow"})
            response.raise_for_status()
            got = pa.ipc.open_stream(response.content).read_all()
            assert got.num_rows == rows, got.num_rows

        def local_read() -> None:
            got = DeltaTable(str(table_path)).to_pyarrow_table()
            assert got.num_rows == rows, got.num_rows

        rest_read()  # warm-up: first request pays for lazy imports and the thread pool
        local_read()
        rest: list[float] = []
        local: list[float] = []
        for run in range(repeats):
            pair = [(rest, rest_read), (local, local_read)]
            for times, action in pair if run % 2 == 0 else reversed(pair):
                times.append(timed(action))
    label = f"read {rows:,} rows as Arrow"
    describe(label, rest, local)
    if shutil.which("curl"):
        print(
            f"  for context, the same GET with curl to /dev/null (no Python client): best {curl_seconds(server):.3f} s"
        )
    return both(label, "s", 2.0, rest, local)


def curl_seconds(server: RunningServer, runs: int = 3) -> float:
    """Separates the server's share from httpx's: curl's total time for the same response, discarded."""
    url = f"{server.url}{TABLES_URL}/{TABLE}/data?format=arrow"
    command = ["curl", "-sf", "-o", "/dev/null", "-w", "%{time_total}", "-H", f"Authorization: Bearer {server.token}"]
    return min(
        float(subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout) for _ in range(runs)
    )


# -- 3. upload memory ---------------------------------------------------------------------------------------
def hex_strings(rng: np.random.Generator, count: int, width: int) -> pa.Array:
    """Random hex text built straight into Arrow buffers: fast, and barely compressible like real IDs."""
    alphabet = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    data = alphabet[rng.integers(0, 16, count * width, dtype=np.uint8)]
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


def upload_chunk(rng: np.random.Generator, start: int, count: int) -> pa.Table:
    segments = pa.array(["Enterprise", "SMB", "Consumer"])
    ages = rng.integers(0, 86_400 * 365, count).astype("timedelta64[s]")
    stamps = np.datetime64(NOW.replace(tzinfo=None), "us") - ages
    return pa.table(
        {
            "row_id": pa.array(np.arange(start, start + count, dtype=np.int64)),
            "customer_id": hex_strings(rng, count, 16),
            "segment": pa.DictionaryArray.from_arrays(rng.integers(0, 3, count, dtype=np.int8), segments).cast(
                pa.string()
            ),
            "amount": pa.array(np.round(rng.lognormal(4.0, 1.0, count), 2)),
            "last_updated": pa.array(stamps, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
            "notes": hex_strings(rng, count, 64),
        }
    )


def write_upload_file(path: Path, target_mb: int, row_group_mb: int) -> tuple[int, int, int]:
    """A Parquet file of about `target_mb`, one generated row group at a time; (bytes, row groups, largest RG)."""
    rng = np.random.default_rng(1024)
    per_row = upload_chunk(rng, 0, 10_000).nbytes / 10_000
    group_rows = max(1_000, int(row_group_mb * MB / per_row))
    written = 0
    with pa.OSFile(str(path), "wb") as sink:
        writer: pq.ParquetWriter | None = None
        while sink.tell() < target_mb * MB:
            chunk = upload_chunk(rng, written, group_rows)
            writer = writer or pq.ParquetWriter(sink, chunk.schema)
            writer.write_table(chunk, row_group_size=chunk.num_rows)
            written += chunk.num_rows
            del chunk
        if writer is not None:
            writer.close()
    meta = pq.ParquetFile(str(path)).metadata
    largest = max(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return path.stat().st_size, meta.num_row_groups, largest


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM and friends of a process, in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def reset_peak(pid: int) -> bool:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0); not every sandbox allows it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler(threading.Thread):
    """Polls VmRSS while the upload runs: a cross-check of VmHWM that works even without clear_refs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, proc_status(self.pid)["VmRSS"])
            time.sleep(0.01)


def bench_upload(server: RunningServer, path: Path, largest_group: int) -> list[Row]:
    pid = server.process.pid
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": PARQUET}
    url = f"{TABLES_URL}/upload_big/data"
    with httpx.Client(base_url=server.url, headers=headers, timeout=3600) as http:
        # Warm-up with a small body of the same schema, so loading code is not counted as upload memory.
        small = pa.BufferOutputStream()
        pq.write_table(pq.ParquetFile(str(path)).read_row_group(0).slice(0, 1000), small)
        http.post(f"{TABLES_URL}/upload_warmup/data", content=small.getvalue().to_pybytes()).raise_for_status()
        time.sleep(0.5)
        before = proc_status(pid)
        reset = reset_peak(pid)
        sampler = RssSampler(pid)
        sampler.start()
        started = time.perf_counter()
        with path.open("rb") as body:
            response = http.post(url, content=body)
        elapsed = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        response.raise_for_status()
        after = proc_status(pid)
    hwm = after["VmHWM"]
    growth = max(hwm, sampler.peak) - before["VmRSS"]
    size = path.stat().st_size
    print(
        f"  upload {size / MB:,.0f} MB Parquet in {elapsed:.1f} s ({size / MB / elapsed:,.0f} MB/s), "
        f"{response.json()['rows_written']:,} rows; server RSS before {before['VmRSS'] / MB:,.0f} MB "
        f"(VmHWM before {before['VmHWM'] / MB:,.0f} MB, reset with clear_refs: {'yes' if reset else 'NO'}), "
        f"VmHWM after {hwm / MB:,.0f} MB, sampled peak {sampler.peak / MB:,.0f} MB, "
        f"RSS after {after['VmRSS'] / MB:,.0f} MB"
    )
    if not reset:
        print("  (clear_refs not permitted: VmHWM may include the start-up peak; the sampled peak is the cross-check)")
    return [Row("upload peak RSS growth / largest row group", growth / MB, largest_group / MB, "MB", 2.0, strict=True)]


def raw_write_growth(path: Path, folder: Path) -> int:
    """For context: peak RSS growth of plain write_deltalake streaming the same file, in a fresh process."""
    probe = subprocess.run(
        [sys.executable, __file__, "--probe-raw-write", str(path), str(folder)],
        capture_output=True,
        check=False,
        text=True,
    )
    if probe.returncode != 0:
        raise RuntimeError(f"the raw write probe failed:\n{probe.stderr[-2000:]}")
    return int(probe.stdout.split()[-1])


def probe_raw_write(path: Path, folder: Path) -> None:
    """Runs in the child of `raw_write_growth`: the server's read path (iter_batches) into delta-rs, nothing else."""
    parquet = pq.ParquetFile(str(path))
    write_deltalake(str(folder / "probe_warmup"), next(parquet.iter_batches(batch_size=1000)))
    gc.collect()
    pid = os.getpid()
    before = proc_status(pid)["VmRSS"]
    if not reset_peak(pid):
        before = proc_status(pid)["VmHWM"]  # growth then counts from the warm-up's peak: an underestimate
    reader = pa.RecordBatchReader.from_batches(parquet.schema_arrow, parquet.iter_batches(batch_size=65536))
    write_deltalake(str(folder / "probe_upload"), reader)
    print(proc_status(pid)["VmHWM"] - before)


# -- main ---------------------------------------------------------------------------------------------------
def print_summary(rows: list[Row]) -> None:
    header = f"{'metric':48s} {'lakemesh':>12s} {'baseline':>12s} {'ratio':>7s} {'target':>8s}  verdict"
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        target = f"{'<' if row.strict else '<='} {row.target:g}x"
        digits = 3 if row.unit == "s" else 0
        print(
            f"{row.metric:48s} {row.lakemesh:9.{digits}f} {row.unit:2s} {row.baseline:9.{digits}f} {row.unit:2s} "
            f"{row.ratio:6.2f}x {target:>8s}  {'PASS' if row.passed else 'MISS'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Customer 360 rows to append and read")
    parser.add_argument("--upload-mb", type=int, default=1024, help="size of the Parquet file to upload")
    parser.add_argument("--row-group-mb", type=int, default=96, help="uncompressed size of its row groups")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--probe-raw-write", nargs=2, type=Path, metavar=("PARQUET", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_raw_write:
        probe_raw_write(*args.probe_raw_write)
        return
    root = Path(tempfile.mkdtemp(prefix="lakemesh-bench-storage-"))
    home, raw_root, log = root / "home", root / "raw", root / "server.log"
    server: RunningServer | None = None
    try:
        print(f"building {args.rows:,} Customer 360 rows ...", flush=True)
        data = customer_360(args.rows, now=NOW)
        print(f"[1] append ({data.nbytes / MB:,.0f} MB in Arrow) — Mesh.write_table vs write_deltalake", flush=True)
        with Mesh.open(home) as mesh:
            mesh.create_domain(DOMAIN)
            mesh.create_lakehouse(DOMAIN, LAKEHOUSE)
            rows = bench_append(mesh, data, raw_root, args.repeats)
        del data
        table_path = next(home.glob(f"data/**/Tables/{TABLE}"))
        print("[2] read — GET .../data?format=arrow on `lakemesh serve` vs DeltaTable.to_pyarrow_table()", flush=True)
        server = serve(home, log)
        print(f"  server ready in {server.ready_seconds:.2f} s", flush=True)
        rows += bench_read(server, table_path, args.rows, args.repeats)
        server.stop()
        server = None
        print(f"[3] upload — writing a ~{args.upload_mb:,} MB Parquet file ...", flush=True)
        upload = root / "upload.parquet"
        size, groups, largest = write_upload_file(upload, args.upload_mb, args.row_group_mb)
        print(f"  {size / MB:,.0f} MB, {groups} row groups, largest {largest / MB:,.1f} MB uncompressed", flush=True)
        server = serve(home, log)  # a fresh process, so memory kept from the reads does not hide the upload's
        rows += bench_upload(server, upload, largest)
        server.stop()
        server = None
        raw = raw_write_growth(upload, raw_root)
        print(
            f"  for context, raw write_deltalake of the same file in a fresh process: peak RSS growth "
            f"{raw / MB:,.0f} MB = {raw / largest:.2f}x the largest row group"
        )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print_summary(rows)


if __name__ == "__main__":
    main()
