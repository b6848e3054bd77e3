"""Sharing benchmarks: 1M rows through a shortcut vs the target directly (goal ≤1.05x), and `delta-sharing`
`load_as_pandas` from a running Lakemesh vs `DeltaTable(...).to_pandas()` locally (goal ≤2x). Prints figures."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
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
        local = best(lambda: DeltaTable(uri).to_pandas())
        remote = best(lambda: delta_sharing.load_as_pandas(f"{profile}#bench.lh.big"))
        print(
            f"load {ROWS:,} rows: DeltaTable.to_pandas {local:.3f}s, delta-sharing {remote:.3f}s, "
            f"ratio {remote / local:.2f}x"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
