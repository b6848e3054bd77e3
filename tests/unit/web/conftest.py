"""Web UI tests run on the metrics tests' small mesh (Sales with Customer 360, Marketing, a few people)."""

from tests.unit.metrics.conftest import clock, mesh, platform

__all__ = ["clock", "mesh", "platform"]
