"""Lakemesh: a self-hosted data mesh platform on an open lakehouse.

`lakemesh.Mesh.open(home)` works in-process; `lakemesh.connect(url, token)` talks to a server.
Both expose the same methods. Imports are lazy so `lakemesh --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh

__all__ = ["Mesh", "RemoteMesh", "connect"]
__version__ = "0.1.0"


def connect(url: str, token: str, **options: Any) -> RemoteMesh:
    """A client of a Lakemesh server, with the same methods as the in-process `Mesh`."""
    from lakemesh.sdk.client import RemoteMesh

    return RemoteMesh(url, token, **options)


def __getattr__(name: str) -> Any:
    if name == "Mesh":
        from lakemesh.mesh import Mesh

        return Mesh
    if name == "RemoteMesh":
        from lakemesh.sdk.client import RemoteMesh

        return RemoteMesh
    raise AttributeError(name)
