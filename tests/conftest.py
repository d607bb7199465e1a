"""Shared pytest fixtures: one real MongoDB-compatible server for the whole session.

- ``mongo_server``: the URI of a SecantusDB server started once per session on a
  temporary directory (port 0), or of ``MONGO_URI`` when that is set (to run the suite
  against a real mongod).
- ``mongo_client``: a session-wide pymongo client on it.
- ``mongo_db``: a fresh, uniquely named database per test, dropped afterwards.

The project's packages come from the checkout (``pythonpath`` in pyproject.toml). Tests
that start real crawls, crawler processes or servers are marked ``slow``; ``pytest -m
"not slow"`` runs the rest (README, "Tests").
"""
from __future__ import annotations

import os
import uuid

import pymongo
import pytest

from pipelines.storage import EmbeddedServer


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory) -> str:
    uri = os.environ.get("MONGO_URI")
    if uri:
        yield uri
        return
    server = EmbeddedServer(tmp_path_factory.mktemp("secantus-data")).start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_server):
    client = pymongo.MongoClient(mongo_server, tz_aware=True, serverSelectionTimeoutMS=10_000)
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)
