"""The access tests' small mesh, shared with the hostile-query suite."""

from tests.unit.access.conftest import world

__all__ = ["world"]
