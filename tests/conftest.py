"""Shared pytest fixtures: one real MongoDB-compatible server for the whole session.

- ``mongo_server``: the URI of a SecantusDB server started once per session on a
  temporary directory (port 0), or of ``MONGO_URI`` when that is set (to run the suite
  against a real mongod).
- ``mongo_client``: a session-wide pymongo client on it.
- ``mongo_db``: a fresh, uniquely named database per test, dropped afterwards.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests import the project's packages (pipelines, crawler, fixturesite) from the checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory) -> str:
    uri = os.environ.get("MONGO_URI")
    if uri:
        yield uri
        return
    from pipelines.storage import EmbeddedServer

    server = EmbeddedServer(tmp_path_factory.mktemp("secantus-data")).start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_server):
    import pymongo

    client = pymongo.MongoClient(mongo_server, tz_aware=True, serverSelectionTimeoutMS=10_000)
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)
