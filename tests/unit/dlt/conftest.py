from __future__ import annotations

from pathlib import Path

import pytest

from lakemesh.mesh import Mesh


@pytest.fixture(autouse=True)
def dlt_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """dlt keeps its pipelines' working folders and config here, not in the user's ~/.dlt; no telemetry."""
    folder = tmp_path / "dlt"
    monkeypatch.setenv("DLT_DATA_DIR", str(folder))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.setenv("LOAD__RAISE_ON_MAX_RETRIES", "1")
    return folder


@pytest.fixture
def sales(admin: Mesh) -> Mesh:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "raw")
    return admin
