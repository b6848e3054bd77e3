"""The access world: Sales owns the published Customer 360, Marketing's analyst consumes it."""

from tests.unit.access.conftest import world

__all__ = ["world"]
