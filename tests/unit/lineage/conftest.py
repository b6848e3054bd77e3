"""The access tests' small mesh, reused for consumers in lineage."""

from tests.unit.access.conftest import world  # noqa: F401
