"""Which Lakemesh the dbt plugin and the build talk to: `url`+`token`, a `home`, or the environment's rule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh


def connect(config: dict[str, Any]) -> Mesh | RemoteMesh:
    url, token, home = config.get("url"), config.get("token"), config.get("home")
    if url:
        from lakemesh.sdk.client import RemoteMesh

        if not token:
            raise ValueError("the lakemesh dbt plugin: url needs token (a Lakemesh API token)")
        return RemoteMesh(str(url), str(token))
    if home:
        from lakemesh.mesh import Mesh

        return Mesh.open(Path(str(home)), token=str(token) if token else None)
    from lakemesh.connection import connect_from_env

    return connect_from_env()
