"""The configuration reference comes from `Settings`; docs/operations.md must show exactly that table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakemesh.core.settings import Settings
from lakemesh.core.settings_reference import embedded_table, env_vars, markdown_table, with_table

OPERATIONS = Path(__file__).parents[3] / "docs" / "operations.md"


def test_docs_table_is_the_generated_table() -> None:
    assert embedded_table(OPERATIONS.read_text()) == markdown_table(), (
        "docs/operations.md is out of date: run `lakemesh config reference --update docs/operations.md`"
    )


def test_every_setting_has_a_row_with_a_description() -> None:
    rows = markdown_table().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} needs a description for the reference"
        assert any(row.startswith(f"| `LAKEMESH_{name.upper()}` |") for row in rows)
    assert {"LAKEMESH_EXECUTOR", "LAKEMESH_RAY_ADDRESS", "LAKEMESH_CATALOG_URL"} <= env_vars()
    executor = next(row for row in rows if "LAKEMESH_EXECUTOR" in row)
    assert "| `local` |" in executor
    home = next(row for row in rows if "LAKEMESH_HOME" in row)
    assert "`~/.lakemesh`" in home and str(Path.home()) not in home  # no machine-specific default


def test_update_rewrites_only_the_marked_section(tmp_path: Path) -> None:
    page = tmp_path / "ops.md"
    page.write_text(
        "# Ops\nintro\n<!-- settings-reference:start -->\n| old |\n<!-- settings-reference:end -->\noutro\n"
    )
    assert with_table(page.read_text()).startswith("# Ops\nintro\n<!-- settings-reference:start -->\n| variable |")
    result = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "config", "reference", "--update", str(page)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert embedded_table(text) == markdown_table()
    assert text.startswith("# Ops\nintro\n") and text.endswith("<!-- settings-reference:end -->\noutro\n")
    assert "| old |" not in text


@pytest.mark.parametrize("content", ["# no markers here\n", None])
def test_update_of_a_page_without_markers_is_one_line(tmp_path: Path, content: str | None) -> None:
    page = tmp_path / "page.md"
    if content is not None:
        page.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "config", "reference", "--update", str(page)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    if content is not None:
        assert page.read_text() == content


def test_cli_prints_the_generated_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "config", "reference"], capture_output=True, text=True, check=True
    )
    assert result.stdout == markdown_table()
