"""The access tests' small mesh (Sales owns Customer 360, Marketing wants it), reused for sharing."""

from tests.unit.access.conftest import World, grant_to, world  # noqa: F401
