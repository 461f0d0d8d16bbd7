"""Shared fixtures: one model store per test session, so each net trains once."""

import pytest


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    from circuitnn.store import ModelStore

    root = tmp_path_factory.getbasetemp() / "circuitnn-store"
    root.mkdir(exist_ok=True)
    return ModelStore(root)
