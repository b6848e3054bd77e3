"""Which Lakemesh a command talks to: a server when LAKEMESH_URL is set, otherwise the local home in-process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh


def open_mesh() -> Mesh | RemoteMesh:
    url = os.environ.get("LAKEMESH_URL")
    token = os.environ.get("LAKEMESH_TOKEN")
    if url:
        from lakemesh.core.errors import Unauthorized
        from lakemesh.sdk.client import RemoteMesh

        if not token:
            raise Unauthorized("LAKEMESH_URL is set but LAKEMESH_TOKEN is not; export the token to use")
        return RemoteMesh(url, token)
    from lakemesh.mesh import Mesh

    return Mesh.open(token=token)


def settings() -> Any:
    from lakemesh.core.settings import Settings

    return Settings()
