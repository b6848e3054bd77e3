"""A writer killed mid-write (kill -9) leaves the table readable at its last committed version."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyarrow as pa
    from lakemesh.core.settings import Settings
    from lakemesh.mesh import Mesh
    from lakemesh.platform import Platform

    marker = Path(sys.argv[1])
    platform = Platform(Settings())
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    schema = pa.schema([("id", pa.int64())])

    def batches():
        for i in range(10_000):
            yield pa.record_batch({"id": list(range(i * 1000, (i + 1) * 1000))}, schema=schema)
            marker.touch()
            time.sleep(0.01)

    mesh.write_table("Sales", "sales_lakehouse", "bronze_stream", pa.RecordBatchReader.from_batches(schema, batches()))
    """
)


def test_killed_writer_leaves_last_version_readable(sales: Mesh, settings: Settings, tmp_path: Path) -> None:
    sales.write_table("Sales", "sales_lakehouse", "bronze_stream", pa.table({"id": [1, 2, 3]}))
    marker = tmp_path / "writing"
    env = {**os.environ, "LAKEMESH_HOME": str(settings.home)}
    if settings.catalog_url:
        env["LAKEMESH_CATALOG_URL"] = settings.catalog_url
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(marker)], env=env)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # let it write some data files
    assert process.poll() is None, "the writer finished or failed before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    info = sales.get_table("Sales", "sales_lakehouse", "bronze_stream")
    assert info.version == 0
    assert sales.read_table("Sales", "sales_lakehouse", "bronze_stream").num_rows == 3
    sales.write_table("Sales", "sales_lakehouse", "bronze_stream", pa.table({"id": [4]}))
    assert sales.read_table("Sales", "sales_lakehouse", "bronze_stream").num_rows == 4
