"""Fixtures shared by every test directory: a private PostgreSQL server, started once per
session on first use (tests that never ask for it never start it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowstate.postgres_server import TemporaryPostgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """A throwaway PostgreSQL server (fsync off); tests isolate themselves by schema."""
    with TemporaryPostgres() as server:
        yield server
