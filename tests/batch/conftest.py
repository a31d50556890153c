"""Batch test set-up: the ``dask`` marker (until pyproject.toml lists it)."""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dask: starts a local Dask cluster on loopback (needs distributed)")
