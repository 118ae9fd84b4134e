"""The CLI tests reuse the small worlds of the library tests."""

from tests.unit.habitat.conftest import legend, world  # noqa: F401  (fixtures)
