"""`lakemesh.self_serve.create_domain_lakehouse(domain_name, steward_email, capacity_id)`: the seed's call, as written.

It uses the `mesh` you pass (a `lakemesh.Mesh` or `lakemesh.connect(...)` client); without one it connects like the
CLI does (`lakemesh.connection.connect_from_env`): the server at `LAKEMESH_URL` with `LAKEMESH_TOKEN` (a URL without
a token is an error), else the local home in-process. The capability itself lives in `lakemesh.selfserve`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.connection import connect_from_env

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
    opened = connect_from_env()
    try:
        return opened.create_domain_lakehouse(domain_name, steward_email, capacity_id, **options)
    finally:
        opened.close()
