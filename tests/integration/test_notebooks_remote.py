"""The seed's notebook blocks against a real server (LAKEMESH_URL + token), with only their imports changed."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import lakemesh.fabric
from lakemesh.core.errors import NotFound
from lakemesh.core.settings import Settings
from lakemesh.demo import load_demo
from lakemesh.platform import Platform
from lakemesh.sdk.client import RemoteMesh
from lakemesh.spark import SparkSession, active_session
from tests.integration.conftest import Server, start_server
from tests.unit.notebooks.conftest import NULL_IDS, ROWS, customers_with_bad_rows
from tests.unit.notebooks.test_seed_quality_block import quality_block
from tests.unit.notebooks.test_semantic_link import evaluate_dax_block


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a home holding the demo (Sales-Domain, Customer Analytics) and a `lakehouse` lakehouse."""
    home = tmp_path_factory.mktemp("notebooks-remote") / "home"
    platform = Platform(Settings(home=home, data_root=None))
    platform.initialize()
    load_demo(platform, say=lambda _: None)
    platform.close()
    process, running = start_server(home, None)
    admin = RemoteMesh(running.url, running.token)
    admin.create_lakehouse("Sales", "lakehouse")
    admin.write_table("Sales", "lakehouse", "gold_customer_360", customers_with_bad_rows(datetime.now(UTC)))
    yield running
    process.terminate()
    process.wait(timeout=20)


def stop_active() -> None:
    active = active_session()
    if active is not None:
        active.stop()


@pytest.fixture
def remote_env(demo_server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[RemoteMesh]:
    monkeypatch.setenv("LAKEMESH_URL", demo_server.url)
    monkeypatch.setenv("LAKEMESH_TOKEN", demo_server.token)
    monkeypatch.setenv("LAKEMESH_DOMAIN", "Sales")
    stop_active()
    lakemesh.fabric.connect(None)
    yield RemoteMesh(demo_server.url, demo_server.token)
    stop_active()
    lakemesh.fabric.connect(None)


def test_the_seed_quality_block_runs_remotely(remote_env: RemoteMesh) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(quality_block(), "seed-quality-monitoring", "exec"), {"__name__": "notebook"})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "Overall Quality Score: 25.0%"
    assert f"  customer_id_not_null: FAIL ({round((ROWS - NULL_IDS) / ROWS * 100, 2)}%)" in lines
    metrics = remote_env.read_table("Sales", "lakehouse", "data_quality_metrics")
    assert metrics.column("score").to_pylist() == [25.0]


def test_the_seeds_evaluate_dax_runs_remotely(remote_env: RemoteMesh) -> None:
    scope: dict[str, Any] = {}
    exec(compile(evaluate_dax_block(), "seed-semantic-link", "exec"), scope)
    assert sorted(scope["df"]["Customers[Segment]"]) == ["Consumer", "Enterprise", "SMB"]


def test_a_remote_stranger_gets_not_found(remote_env: RemoteMesh, demo_server: Server) -> None:
    remote_env.create_principal("remote-stranger@company.com")
    token = remote_env.create_token(principal="remote-stranger@company.com").secret
    stranger = SparkSession.builder.connect(RemoteMesh(demo_server.url, token)).getOrCreate()
    with pytest.raises(NotFound):
        stranger.read.table("lakehouse.gold_customer_360")
