"""Load with dlt into Lakemesh: `dlt.pipeline(destination=lakemesh.dlt.destination(domain=..., lakehouse=...))`.

Every batch goes through Lakemesh's own write path (schema checks, product contracts, policies), never around it.
"""

from lakemesh.dlt.destination import destination

__all__ = ["destination"]
