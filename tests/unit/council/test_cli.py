"""`lakemesh council` as a facilitator and a representative would type it: seats, propose, vote, decide, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app

POLICY = """name: retention-minimum
description: Data must be retained for compliance
scope: GLOBAL
rule: tables must have retention_days >= 7
enforcement: warn
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL", "LAKEMESH_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


def cli(*args: str, ok: bool = True) -> str:
    done = CliRunner().invoke(app, list(args))
    assert (done.exit_code == 0) == ok, done.output
    # `lakemesh` prints a failure's exception as one `error:` line; the runner hands the exception back instead
    return done.output + (str(done.exception) if done.exception else "")


def test_the_council_from_the_command_line(home: Path, tmp_path: Path) -> None:
    cli("domain", "create", "Sales")
    shown = cli("council", "set", "sales", "admin")
    assert "sales" in shown and "admin" in shown and "Voting rule v0" in shown
    document = tmp_path / "retention.yaml"
    document.write_text(POLICY)
    proposed = cli("council", "propose", "--title", "Adopt retention-minimum", "-f", str(document))
    assert '+ policy "retention-minimum"' in proposed and "Impact: 0 subject(s)" in proposed
    [proposal] = json.loads(cli("council", "proposals", "--state", "open", "--json"))
    voted = cli("council", "vote", proposal["id"], "approve", "--comment", "ok")
    assert "passed" in voted  # the only domain with a representative approved
    assert "voting is closed" in cli("council", "vote", proposal["id"], "approve", ok=False)
    assert "retention-minimum" in cli("policy", "show", "retention-minimum")
    case = json.loads(cli("council", "open-case", "--title", "Who owns it?", "--domain", "sales", "--json"))
    decided = json.loads(
        cli("council", "decide", case["id"], "--decision", "Sales does", "--fix", "sales@2030-01-31:docs", "--json")
    )
    assert decided["state"] == "decided" and decided["actions"][0]["domain"] == "sales"
    assert "Who owns it?" in cli("council", "decisions", "-q", "owns")
    assert "not a principal" in cli("council", "set", "sales", "ghost@company.com", ok=False)


def test_a_global_glossary_term_is_approved_by_a_proposal_from_the_command_line(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEMESH_GOVERNANCE_MODE", "council")
    cli("domain", "create", "Sales")
    cli("council", "set", "sales", "admin")
    draft = tmp_path / "customer.yaml"
    draft.write_text("name: Customer\ndomain: GLOBAL\ndefinition: A party that buys from us.\n")
    cli("glossary", "apply", "-f", str(draft))
    approved = tmp_path / "approved.yaml"
    approved.write_text(draft.read_text() + "status: approved\n")
    assert "kind glossary-term" in cli("glossary", "apply", "-f", str(approved), ok=False)
    proposed = json.loads(
        cli("council", "propose", "--kind", "glossary-term", "--title", "Approve", "-f", str(approved), "--json")
    )
    assert proposed["kind"] == "glossary-term" and '"draft" -> "approved"' in proposed["plan"]
    assert "passed" in cli("council", "vote", proposed["id"], "approve")
    assert json.loads(cli("glossary", "show", "Customer", "--json"))["status"] == "approved"
