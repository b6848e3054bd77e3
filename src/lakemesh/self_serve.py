"""`lakemesh.self_serve.create_domain_lakehouse(domain_name, steward_email, capacity_id)`: the seed's call, as written.

It uses the `mesh` you pass (a `lakemesh.Mesh` or `lakemesh.connect(...)` client); without one it talks to
the server at `LAKEMESH_URL` with `LAKEMESH_TOKEN` when set, else opens the local home in-process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakemesh.mesh import Mesh
    from lakemesh.sdk.client import RemoteMesh
    from lakemesh.selfserve.models import DomainLakehouse


def create_domain_lakehouse(
    domain_name: str,
    steward_email: str,
    capacity_id: str | None = None,
    *,
    mesh: Mesh | RemoteMesh | None = None,
    **options: Any,
) -> DomainLakehouse:
    """Create (or complete) the `<Name>-Domain` domain, its steward as Member and `<name>_lakehouse`."""
    if mesh is not None:
        return mesh.create_domain_lakehouse(domain_name, steward_email, capacity_id, **options)
    opened = _open()
    try:
        return opened.create_domain_lakehouse(domain_name, steward_email, capacity_id, **options)
    finally:
        opened.close()


def _open() -> Mesh | RemoteMesh:
    url, token = os.environ.get("LAKEMESH_URL"), os.environ.get("LAKEMESH_TOKEN")
    if url and token:
        from lakemesh.sdk.client import RemoteMesh

        return RemoteMesh(url, token)
    from lakemesh.mesh import Mesh

    return Mesh.open(token=token)
