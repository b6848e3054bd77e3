"""Every declared operation, gathered once: `Mesh` runs them in-process, `RemoteMesh` over REST."""

from __future__ import annotations

from lakemesh.facade.domains import DomainMethods
from lakemesh.facade.products import ProductMethods


class MeshMethods(
    DomainMethods,
    ProductMethods,
    # capability declarations: one line each
):
    """The operations both faces share; a capability adds its declaration class here and nowhere else."""
