"""The access world (Sales owner, Marketing analyst, the seed product) for the policy and masking tests."""

from tests.unit.access.conftest import world  # noqa: F401
