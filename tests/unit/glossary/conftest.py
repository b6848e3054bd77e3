"""The access tests' small mesh: Sales owns Customer 360 with labelled columns, Marketing and an outsider."""

from tests.unit.access.conftest import world  # noqa: F401 (a fixture)
