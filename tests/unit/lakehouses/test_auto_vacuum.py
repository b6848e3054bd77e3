"""The scheduler vacuums lakehouses that ask for it, at their retention; one broken table does not stop it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pyarrow as pa

from lakemesh.mesh import Mesh


def test_scheduled_auto_vacuum(admin: Mesh) -> None:
    admin.create_domain("Ops")
    admin.create_lakehouse("Ops", "auto", retention_days=0, auto_vacuum=True)
    admin.create_lakehouse("Ops", "manual", retention_days=0, auto_vacuum=False)
    for lakehouse in ("auto", "manual"):
        admin.write_table("Ops", lakehouse, "bronze_a", pa.table({"n": [1]}))
        admin.write_table("Ops", lakehouse, "bronze_a", pa.table({"n": [2]}), mode="overwrite")
    admin.write_table("Ops", "auto", "bronze_broken", pa.table({"n": [1]}))
    shutil.rmtree(Path(admin.get_lakehouse("Ops", "auto").location) / "Tables" / "bronze_broken" / "_delta_log")

    ran = admin.platform.scheduler.run_due(now=time.monotonic() + 365 * 86400)

    assert "auto-vacuum" in ran
    auto_files = list((Path(admin.get_lakehouse("Ops", "auto").location) / "Tables" / "bronze_a").glob("*.parquet"))
    manual = Path(admin.get_lakehouse("Ops", "manual").location) / "Tables" / "bronze_a"
    assert len(auto_files) == 1
    assert len(list(manual.glob("*.parquet"))) == 2
    assert admin.read_table("Ops", "auto", "bronze_a").to_pydict() == {"n": [2]}
    assert next(j for j in admin.platform.scheduler.jobs if j.name == "auto-vacuum").failures == 0
