"""dlt pipelines load into a real `lakemesh serve` (url= and token=): the same scenarios as into a home."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import lakemesh.dlt
from lakemesh.core.errors import Conflict
from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server
from tests.unit.dlt import scenarios
from tests.unit.dlt.sources import sqlite_customers


@pytest.fixture(autouse=True)
def dlt_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dlt"
    monkeypatch.setenv("DLT_DATA_DIR", str(folder))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.setenv("LOAD__RAISE_ON_MAX_RETRIES", "1")
    return folder


@pytest.fixture
def remote(server: Server) -> Iterator[RemoteMesh]:
    """A Sales domain with an empty `raw` lakehouse (the session's server is shared: its tables go afterwards)."""
    mesh = RemoteMesh(server.url, server.token)
    with contextlib.suppress(Conflict):
        mesh.create_domain("Sales")
    with contextlib.suppress(Conflict):
        mesh.create_lakehouse("Sales", "raw")
    yield mesh
    for product in mesh.list_products(domain="Sales"):
        if product.name == scenarios.CONTRACT_PRODUCT["name"]:
            mesh.deprecate_product("Sales", product.name, sunset_date=date.today())
            mesh.retire_product("Sales", product.name)
            mesh.delete_product("Sales", product.name)
    for table in mesh.list_tables("Sales", "raw"):
        mesh.delete_table("Sales", "raw", table.name)


def destination(server: Server) -> Any:
    return lakemesh.dlt.destination(domain="Sales", lakehouse="raw", url=server.url, token=server.token)


def test_sqlite_then_merge_over_rest(remote: RemoteMesh, server: Server, tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    scenarios.sql_then_merge(remote, destination(server), f"sqlite:///{db}", lambda rows: sqlite_customers(db, rows))


def test_rest_api_source_over_rest(remote: RemoteMesh, server: Server) -> None:
    scenarios.rest_api_with_new_column(remote, destination(server))


def test_contract_breaking_batch_over_rest(remote: RemoteMesh, server: Server, tmp_path: Path) -> None:
    scenarios.contract_breaking_batch_fails(remote, destination(server), tmp_path)


def test_path_like_resource_over_rest(remote: RemoteMesh, server: Server) -> None:
    scenarios.path_like_resource_is_refused(remote, destination(server))
