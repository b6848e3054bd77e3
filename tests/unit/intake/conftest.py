"""The quality fixtures: Sales with the seed's Customer 360 (draft) over 200 clean rows."""

from tests.unit.quality_runs.conftest import clock, mesh, platform

__all__ = ["clock", "mesh", "platform"]
