"""Which Lakemesh a command talks to: a server when LAKEMESH_URL is set (with LAKEMESH_TOKEN), else the local home."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh


def open_mesh() -> Mesh | RemoteMesh:
    """The same rule as `lakemesh.self_serve`: see `lakemesh.connection.connect_from_env`."""
    from lakemesh.connection import connect_from_env

    return connect_from_env()


def settings() -> Any:
    from lakemesh.core.settings import Settings

    return Settings()
