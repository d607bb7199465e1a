"""The embedded server's options: a bounded cache, and no per-write bookkeeping that grows
with the run (standalone server, no retryable writes)."""
from __future__ import annotations

import pytest
from pymongo import UpdateOne

from pipelines import config
from pipelines.storage import EmbeddedServer, open_database


def _configured_cache(conn) -> str:
    # What the server handed WiredTiger (SecantusDB keeps it on its storage engine).
    return conn.embedded._server.storage.cache_size


def test_cache_size_comes_from_the_argument_or_the_environment(tmp_path, monkeypatch):
    with open_database(None, "t", str(tmp_path / "a"), cache_mb=64) as conn:
        assert _configured_cache(conn) == "64M"
    monkeypatch.setenv("MARSAD_EMBEDDED_CACHE_MB", "96")
    with open_database(None, "t", str(tmp_path / "b")) as conn:
        assert _configured_cache(conn) == "96M"
    monkeypatch.delenv("MARSAD_EMBEDDED_CACHE_MB")
    assert EmbeddedServer(tmp_path / "c").cache_mb == config.DEFAULT_EMBEDDED_CACHE_MB <= 512


def test_a_cache_size_that_is_not_a_number_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="MARSAD_EMBEDDED_CACHE_MB must be a whole number"):
        config.embedded_cache_mb({"MARSAD_EMBEDDED_CACHE_MB": "lots"})
    assert config.embedded_cache_mb({"MARSAD_EMBEDDED_CACHE_MB": "1"}) == 16


def test_embedded_server_is_standalone_and_clients_make_no_retryable_writes(tmp_path):
    with open_database(None, "t", str(tmp_path)) as conn:
        hello = conn.client.admin.command("hello")
        assert hello.get("setName") is None and hello["isWritablePrimary"]
        assert conn.client.topology_description.topology_type_name == "Single"
        assert conn.client.options.retry_writes is False
        assert "retryWrites=false" in conn.uri
        # Writes still work, with upserts idempotent as the store relies on.
        ops = [UpdateOne({"url": "u"}, {"$inc": {"n": 1}}, upsert=True)]
        conn.db.c.bulk_write(ops, ordered=False)
        conn.db.c.bulk_write(ops, ordered=False)
        assert conn.db.c.find_one({"url": "u"})["n"] == 2
        # The plain server URI (for other clients and the workbench) has no options.
        assert conn.embedded.uri.endswith("/")
