"""Uploads stop at the per-request and per-lakehouse limits while they stream: 413 problem, nothing kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh

FILES = "/api/v1/domains/sales/lakehouses/sales_lakehouse/files"
LIMIT = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": LIMIT})


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    """A body without Content-Length (chunked transfer): only a streaming check can stop it."""
    for _ in range(total // size):
        yield b"x" * size


def test_the_default_upload_limit_is_256_mib() -> None:
    assert Settings().max_upload_bytes == 256 * 1024 * 1024 and Settings().max_lakehouse_bytes is None


def test_a_chunked_file_upload_past_the_limit_is_413_and_nothing_is_kept(client: TestClient, mesh: Mesh) -> None:
    response = client.put(f"{FILES}/big.bin", content=chunks(4 * LIMIT))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "LAKEMESH_MAX_UPLOAD_BYTES" in response.json()["detail"]
    assert client.get(FILES).json()["items"] == []
    assert client.get(f"{FILES}/big.bin").status_code == 404
    assert client.put(f"{FILES}/small.bin", content=b"x" * (LIMIT // 2)).status_code == 201


def test_table_data_past_the_limit_is_413_and_no_table_is_created(client: TestClient) -> None:
    header = b"id,name\n"
    body = iter([header, *chunks(2 * LIMIT)])
    response = client.post(
        "/api/v1/domains/sales/lakehouses/sales_lakehouse/tables/bronze_big/data",
        content=body,
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 413
    assert client.get("/api/v1/domains/sales/lakehouses/sales_lakehouse/tables").json()["items"] == []


class TestLakehouseLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"max_upload_bytes": LIMIT, "max_lakehouse_bytes": LIMIT})

    def test_uploads_stop_when_the_lakehouse_is_full(self, client: TestClient) -> None:
        assert client.put(f"{FILES}/a.bin", content=b"x" * (LIMIT - 1000)).status_code == 201
        response = client.put(f"{FILES}/b.bin", content=chunks(16 * 1024))
        assert response.status_code == 413 and "LAKEMESH_MAX_LAKEHOUSE_BYTES" in response.json()["detail"]
        assert [f["path"] for f in client.get(FILES).json()["items"]] == ["a.bin"]
        assert client.put(f"{FILES}/c.bin", content=b"x" * 500).status_code == 201
