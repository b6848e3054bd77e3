"""`connect_from_env()`: the one rule for which Lakemesh a script or a command talks to, from the environment.

LAKEMESH_URL set: the server there, with LAKEMESH_TOKEN or else the token `lakemesh login` stored for that
URL (neither is an error, never a silent fall-back to the local home). Unset: the local home in-process, as
LAKEMESH_TOKEN's principal if given.
Used by the CLI and by `lakemesh.self_serve`, so both answer alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh


def connect_from_env() -> Mesh | RemoteMesh:
    url, token = os.environ.get("LAKEMESH_URL"), os.environ.get("LAKEMESH_TOKEN")
    if url:
        from lakemesh.core.errors import Unauthorized
        from lakemesh.sdk import credentials
        from lakemesh.sdk.client import RemoteMesh

        token = token or credentials.access_token(url)
        if not token:
            raise Unauthorized(
                "LAKEMESH_URL is set but LAKEMESH_TOKEN is not; export the token to use, or run `lakemesh login`"
            )
        return RemoteMesh(url, token)
    from lakemesh.mesh import Mesh

    return Mesh.open(token=token)
