"""The CLI closes the Mesh a command opens, and `--debug` / LAKEMESH_DEBUG show the traceback behind the one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.mesh import Mesh


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LAKEMESH_HOME", str(home))
    for name in ("LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_CATALOG_URL", "LAKEMESH_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[Mesh]:
    """Every Mesh whose close() ran (the real close runs too)."""
    seen: list[Mesh] = []
    real_close = Mesh.close

    def close(self: Mesh) -> None:
        seen.append(self)
        real_close(self)

    monkeypatch.setattr(Mesh, "close", close)
    return seen


def test_a_command_closes_the_mesh_it_opened_once(home: Path, closed: list[Mesh]) -> None:
    done = CliRunner().invoke(app, ["domain", "create", "Finance", "--json"])
    assert done.exit_code == 0, done.output
    assert len(closed) == 1


def test_a_failing_command_closes_its_mesh_too(home: Path, closed: list[Mesh]) -> None:
    done = CliRunner().invoke(app, ["domain", "show", "nowhere"])
    assert done.exit_code != 0
    assert len(closed) == 1


def run(home: Path, *args: str, debug_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LAKEMESH_URL", "LAKEMESH_TOKEN", "LAKEMESH_DEBUG"}}
    env["LAKEMESH_HOME"] = str(home)
    if debug_env is not None:
        env["LAKEMESH_DEBUG"] = debug_env
    return subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", *args], env=env, capture_output=True, text=True, check=False
    )


def test_an_error_is_one_line_without_debug(home: Path) -> None:
    done = run(home, "domain", "show", "nowhere")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["error: Domain 'nowhere' not found"]


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback_then_the_same_line(home: Path, how: str) -> None:
    if how == "flag":
        done = run(home, "--debug", "domain", "show", "nowhere")
    else:
        done = run(home, "domain", "show", "nowhere", debug_env="1")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "lakemesh.core.errors.NotFound: Domain 'nowhere' not found" in lines
    assert lines[-1] == "error: Domain 'nowhere' not found"


def test_debug_after_the_command_is_an_argument_not_the_flag(home: Path) -> None:
    """Only `lakemesh --debug <command>` turns it on; a value that happens to read `--debug` does not."""
    done = run(home, "domain", "show", "--", "--debug")
    assert "Traceback" not in done.stderr


def run_in_process(
    home: Path, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    """The real error boundary (`run()`), without a process start: what a user sees, and the exit status."""
    import io

    from lakemesh.cli.main import run as run_cli

    monkeypatch.setattr(sys, "argv", ["lakemesh", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as ended:
        run_cli()
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_usage_errors_show_usage_and_exit_2_not_a_class_name(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_in_process(home, [], monkeypatch, capsys)
    assert code == 2 and "COMMAND [ARGS]" in out + err and "NoArgsIsHelpError" not in out + err
    code, out, err = run_in_process(home, ["domain", "create"], monkeypatch, capsys)
    assert code == 2 and "Missing argument 'name'" in err and "MissingParameter" not in err
    code, out, err = run_in_process(home, ["--bogus"], monkeypatch, capsys)
    assert code == 2 and "No such option: --bogus" in err


def test_declining_a_confirmation_aborts_with_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Mesh.open(home).close()
    code, _, err = run_in_process(home, ["domain", "delete", "nowhere"], monkeypatch, capsys, stdin="n\n")
    assert code == 1 and err.strip().splitlines()[-1] == "error: aborted"
