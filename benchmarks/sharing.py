"""Sharing benchmarks: 1M rows through a shortcut vs the target directly (goal ≤1.05x), and `delta-sharing`
`load_as_pandas` from a running Lakemesh vs `DeltaTable(...).to_pandas()` locally (goal ≤2x), in the response
format the client negotiates by default (delta) and in the parquet format. Prints figures."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import delta_sharing
import httpx
import numpy as np
import pyarrow as pa
from deltalake import DeltaTable

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

ROWS = 1_000_000


def best(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(readers: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Best of `runs` for each reader, taking turns so a busy machine slows every reader alike."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(runs):
        for name, read in readers.items():
            start = time.perf_counter()
            read()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def main() -> None:
    home = Path(tempfile.mkdtemp()) / "home"
    platform = Platform(Settings(home=home, data_root=None))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_domain("Sales")
    mesh.create_domain("Marketing")
    mesh.create_lakehouse("Sales", "lh")
    mesh.create_lakehouse("Marketing", "lh")
    rng = np.random.default_rng(7)
    data = pa.table({"id": np.arange(ROWS), "value": rng.random(ROWS), "segment": rng.choice(["a", "b", "c"], ROWS)})
    mesh.write_table("Sales", "lh", "big", data)
    mesh.create_shortcut("Marketing", "lh", "Tables/big", {"domain": "Sales", "lakehouse": "lh", "table": "big"})
    direct = best(lambda: mesh.read_table("Sales", "lh", "big"))
    through = best(lambda: mesh.read_table("Marketing", "lh", "big"))
    print(f"read {ROWS:,} rows: target {direct:.3f}s, shortcut {through:.3f}s, ratio {through / direct:.3f}x")

    mesh.create_share("bench", "Sales")
    mesh.add_share_table("bench", "lh", "big")
    secret = platform.principals.bootstrap_admin  # the server below creates its own admin on the same home
    del secret
    platform.close()
    port = 18000 + int(time.time()) % 1000
    env = {"LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "lakemesh.cli.main", "serve"], env={**__import__("os").environ, **env}
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = (home / "admin.token").read_text().strip()
        issued = httpx.post(
            f"{url}/api/v1/shares/bench/recipients", json={"name": "r"}, headers={"Authorization": f"Bearer {token}"}
        ).json()
        profile = home / "r.share"
        profile.write_text(json.dumps(issued["profile"]))
        uri = platform.data_root.table_uri("sales", "lh", "big")
        table = f"{profile}#bench.lh.big"
        readers: dict[str, Callable[[], object]] = {
            "DeltaTable.to_pandas (local baseline)": lambda: DeltaTable(uri).to_pandas(),
            "load_as_pandas (default: negotiates the delta format)": lambda: delta_sharing.load_as_pandas(table),
            "load_as_pandas(use_delta_format=False) (parquet format)": lambda: delta_sharing.load_as_pandas(
                table, use_delta_format=False
            ),
        }
        for name, read in readers.items():
            frame = read()
            assert len(frame) == ROWS, f"{name} read {len(frame)} rows"  # type: ignore[arg-type]
        figures = interleaved(readers, runs=7)
        local = figures.pop("DeltaTable.to_pandas (local baseline)")
        print(f"load {ROWS:,} rows: DeltaTable.to_pandas (local baseline) {local:.3f}s")
        for name, seconds in figures.items():
            print(f"  delta-sharing {name}: {seconds:.3f}s, ratio {seconds / local:.2f}x (goal <= 2x)")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
