"""`lakemesh dbt import-manifest` records a project's lineage; a manifest of another dbt version is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.mesh import Mesh
from tests.unit.dbt.test_manifest import document


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
    return home


def test_import_manifest_records_lineage(home: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(document({"orders_daily": {"parents": ["source.shop.sales.orders"]}})))
    args = ["dbt", "import-manifest", str(manifest), "--domain", "Sales", "--lakehouse", "sales_lakehouse"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 lineage event(s) recorded" in result.output
    with Mesh.open(home) as mesh:
        assert mesh.lineage_graph("job:sales/dbt.shop.orders_daily").edges


def test_a_manifest_of_another_version_is_refused(home: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(document({"orders_daily": {}}, version="v5")))
    args = ["dbt", "import-manifest", str(manifest), "--domain", "Sales", "--lakehouse", "sales_lakehouse"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "is dbt manifest schema v5" in str(result.exception)
