"""One rule for which Lakemesh to talk to: the CLI and `lakemesh.self_serve` refuse a URL without a token alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.core.errors import Unauthorized
from lakemesh.self_serve import create_domain_lakehouse


def test_a_url_without_a_token_is_the_same_error_in_the_cli_and_in_self_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEMESH_HOME", str(tmp_path))
    monkeypatch.setenv("LAKEMESH_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("LAKEMESH_TOKEN", raising=False)
    from_cli = CliRunner().invoke(app, ["domain", "list"]).exception  # a command opens its Mesh
    with pytest.raises(Unauthorized) as from_script:
        create_domain_lakehouse("Sales", "sales-steward@company.com", "capacity-id")
    assert isinstance(from_cli, Unauthorized)
    assert str(from_script.value) == str(from_cli)
    assert "LAKEMESH_TOKEN" in str(from_cli)
    assert not any(tmp_path.iterdir()), "the local home was never opened"
