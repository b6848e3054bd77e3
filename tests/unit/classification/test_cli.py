"""`lakemesh table classify`, `suggestion accept|reject`, `classifier apply -f` in-process on a home directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.mesh import Mesh

from .test_scans import contacts

TABLE = "sales.sales_lakehouse.crm_contacts"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        mesh.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    return home


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_classify_review_and_label_from_the_cli(home: Path) -> None:
    assert "email" in run("table", "classify", TABLE)
    suggestions = json.loads(run("table", "suggestions", TABLE, "--json"))
    contact = next(s for s in suggestions if s["column"] == "contact")
    assert "@" not in json.dumps(suggestions)
    run("suggestion", "accept", contact["id"])
    shown = json.loads(run("table", "show", TABLE, "--json"))
    column = next(c for c in shown["columns"] if c["name"] == "contact")
    assert (column["sensitivity_label"], column["classifications"]) == ("Confidential", ["email"])
    phone = next(s for s in suggestions if s["column"] == "phone")
    assert "rejected" in run("suggestion", "reject", phone["id"])


def test_classifier_apply_from_a_file_and_a_refused_pattern(home: Path, tmp_path: Path) -> None:
    good = tmp_path / "classifiers.yaml"
    good.write_text("classifiers:\n  - name: customer_ref\n    pattern: '1\\d{9}'\n    name_hints: [id]\n")
    assert "customer_ref" in run("classifier", "apply", "-f", str(good))
    assert "customer_ref" in run("classifier", "list")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: backref\npattern: '(a)\\1'\n")
    result = CliRunner().invoke(app, ["classifier", "apply", "-f", str(bad)])
    assert result.exit_code == 1 and "RE2" in str(result.exception or result.output)
