"""The HTTP app in-process (no server), over a platform with a Sales lakehouse."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.mesh import Mesh


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    return admin


@pytest.fixture
def client(mesh: Mesh) -> TestClient:
    client = TestClient(create_app(mesh.platform))
    client.headers["Authorization"] = f"Bearer {mesh.create_token().secret}"
    return client
