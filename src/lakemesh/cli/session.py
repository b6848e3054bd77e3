"""Which Lakemesh a command talks to: a server when LAKEMESH_URL is set (with LAKEMESH_TOKEN), else the local home."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh

_KEY = "lakemesh.mesh"


def open_mesh() -> Mesh | RemoteMesh:
    """The command's Mesh (the rule of `lakemesh.connection.connect_from_env`), opened on first use and closed when
    the command ends, also when it fails: the invocation's click context holds it as a resource (a context manager),
    so no command can leave it open."""
    from lakemesh.connection import connect_from_env

    context = _current_context().find_root()
    if _KEY not in context.meta:
        context.meta[_KEY] = context.with_resource(connect_from_env())
    opened: Mesh | RemoteMesh = context.meta[_KEY]
    return opened


def _current_context() -> Any:
    from typer._click.globals import get_current_context  # typer >= 0.29 carries its own copy of click

    return get_current_context()


def settings() -> Any:
    from lakemesh.core.settings import Settings

    return Settings()
