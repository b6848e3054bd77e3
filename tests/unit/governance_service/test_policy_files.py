"""Policies as code: files and folders, the plan `policy apply` prints, and the CLI end to end."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.core.errors import InvalidInput
from lakemesh.governance.policy_files import load_policy_documents, plan
from tests.unit.governance_service.conftest import SEED_POLICIES


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_file_may_hold_a_list_a_policies_key_or_several_documents(tmp_path: Path) -> None:
    listed = write(tmp_path / "a.yaml", copy.deepcopy(SEED_POLICIES))
    assert [d["name"] for d in load_policy_documents(listed)] == [p["name"] for p in SEED_POLICIES]
    keyed = write(tmp_path / "b.yaml", {"policies": copy.deepcopy(SEED_POLICIES[:1])})
    assert [d["name"] for d in load_policy_documents(keyed)] == ["pii-classification"]
    multi = tmp_path / "c.yml"
    multi.write_text(yaml.safe_dump(SEED_POLICIES[1]) + "---\n" + yaml.safe_dump(SEED_POLICIES[2]))
    assert len(load_policy_documents(multi)) == 2


def test_a_folder_is_every_policy_file_in_it_and_duplicates_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    write(folder / "global.yaml", copy.deepcopy(SEED_POLICIES[:2]))
    write(folder / "sales.yaml", copy.deepcopy(SEED_POLICIES[2:]))
    (folder / "README.md").write_text("not a policy")
    assert len(load_policy_documents(folder)) == 3
    write(folder / "again.yaml", copy.deepcopy(SEED_POLICIES[:1]))
    with pytest.raises(InvalidInput, match="twice"):
        load_policy_documents(folder)
    with pytest.raises(InvalidInput):
        load_policy_documents(tmp_path / "missing.yaml")


def test_plan_shows_additions_changes_and_unchanged_policies() -> None:
    current = [{**SEED_POLICIES[0], "domain": None}, {**SEED_POLICIES[1], "domain": None}]
    wanted = copy.deepcopy(SEED_POLICIES)
    wanted[1]["enforcement"] = "block"
    wanted[0]["rule"] = " ".join(wanted[0]["rule"].split())  # re-wrapping is not a change
    planned = plan(current, wanted)
    assert [(i.action, i.name) for i in planned.items] == [
        ("unchanged", "pii-classification"),
        ("update", "retention-minimum"),
        ("create", "sales-data-freshness"),
    ]
    text = planned.render()
    assert '~ policy "retention-minimum"' in text and '~ enforcement: "warn" -> "block"' in text
    assert '+ policy "sales-data-freshness" (WORKSPACE Sales-Domain, alert)' in text
    assert text.endswith("Plan: 1 to add, 1 to change, 1 unchanged.")


def test_policy_apply_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEMESH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LAKEMESH_URL", raising=False)
    monkeypatch.delenv("LAKEMESH_TOKEN", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["domain", "create", "Sales"]).exit_code == 0
    file = write(tmp_path / "policies.yaml", copy.deepcopy(SEED_POLICIES))
    dry = runner.invoke(app, ["policy", "apply", "-f", str(file), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Plan: 3 to add, 0 to change, 0 unchanged." in dry.output and "nothing was applied" in dry.output
    listed = runner.invoke(app, ["policy", "list", "--json"])
    assert listed.exit_code == 0 and yaml.safe_load(listed.output) == []
    applied = runner.invoke(app, ["policy", "apply", "-f", str(file)])
    assert applied.exit_code == 0 and "Applied: 3 added, 0 changed." in applied.output
    again = runner.invoke(app, ["policy", "apply", "-f", str(file)])
    assert "Plan: 0 to add, 0 to change, 3 unchanged." in again.output
    report = runner.invoke(app, ["governance", "report", "--format", "csv"])
    assert report.exit_code == 0 and report.output.startswith("domain,policy,enforcement")


def test_a_bad_rule_in_a_file_applies_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEMESH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LAKEMESH_URL", raising=False)
    broken = [*copy.deepcopy(SEED_POLICIES[:2]), {"name": "bad", "rule": "tables should have x", "enforcement": "warn"}]
    file = write(tmp_path / "policies.yaml", broken)
    result = CliRunner().invoke(app, ["policy", "apply", "-f", str(file)])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput) and "line 1, column 8" in str(result.exception)
    listed = CliRunner().invoke(app, ["policy", "list", "--json"])
    assert yaml.safe_load(listed.output) == []
