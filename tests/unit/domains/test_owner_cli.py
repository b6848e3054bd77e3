"""`lakemesh domain create/update --owner` says whether the owner became an Admin member."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.mesh import Mesh


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    with Mesh.open(home) as mesh:
        mesh.create_principal("lead@company.com", email="lead@company.com")
    return home


def test_the_cli_says_the_owner_is_an_admin_member_or_how_to_make_them_one(home: Path) -> None:
    made = CliRunner().invoke(app, ["domain", "create", "Finance", "--owner", "lead@company.com"])
    assert made.exit_code == 0, made.output
    assert "Owner lead@company.com is an Admin member of Finance." in made.output
    later = CliRunner().invoke(app, ["domain", "update", "Finance", "--owner", "new-hire@company.com"])
    assert later.exit_code == 0, later.output
    assert "No principal has the email new-hire@company.com yet" in later.output
    assert "lakemesh domain member add Finance new-hire@company.com Admin" in " ".join(later.output.split())
