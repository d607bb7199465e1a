"""Raw HTML kept compressed in ``raw_pages``, so any article can be re-extracted later.

One document per (article key, sha256 of the raw bytes): a re-fetch of identical bytes
adds nothing but a timestamp; a changed page adds a version, which the article points
to only when its extraction was stored (see store.py).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import zlib
from typing import Any

from bson.binary import Binary
from pymongo import DESCENDING, UpdateOne

from pipelines.urls import canonical_url

from .names import ARTICLES, RAW_PAGES

logger = logging.getLogger(__name__)

RAW_COLLECTION = RAW_PAGES
# BSON documents stop at 16 MiB; leave room for the other fields.
MAX_COMPRESSED = 15 * 1024 * 1024
COMPRESSION_LEVEL = 6


def compress(raw: bytes) -> bytes:
    return zlib.compress(raw, COMPRESSION_LEVEL)


def raw_page_update(
    key: str,
    raw: bytes,
    *,
    compressed: bytes,
    sha256: str,
    content_type: str | None,
    encoding: str | None,
    fetched_url: str | None,
    fetched_at: _dt.datetime,
) -> UpdateOne:
    """The idempotent upsert that stores one raw page version."""
    return UpdateOne(
        {"url": key, "sha256": sha256},
        {
            "$setOnInsert": _first_version(raw, compressed, content_type, encoding, fetched_url, fetched_at),
            "$max": {"last_fetched_at": fetched_at},
            "$inc": {"fetch_count": 1},
        },
        upsert=True,
    )


def raw_page_document(key: str, raw: bytes, *, compressed: bytes, sha256: str, content_type: str | None,
                      encoding: str | None, fetched_url: str | None, fetched_at: _dt.datetime) -> dict:
    """The document ``raw_page_update`` makes when no version (key, sha256) is stored: an
    insert when the store knows the article is new (a duplicate key falls back to the update)."""
    return {"url": key, "sha256": sha256,
            **_first_version(raw, compressed, content_type, encoding, fetched_url, fetched_at),
            "last_fetched_at": fetched_at, "fetch_count": 1}


def _first_version(raw: bytes, compressed: bytes, content_type: str | None, encoding: str | None,
                   fetched_url: str | None, fetched_at: _dt.datetime) -> dict[str, Any]:
    return {
        "data": Binary(compressed),
        "compression": "zlib",
        "size": len(raw),
        "compressed_size": len(compressed),
        "content_type": content_type,
        "encoding": encoding,
        "fetched_url": fetched_url,
        "first_fetched_at": fetched_at,
    }


def decompress(doc: dict[str, Any]) -> bytes | None:
    """The raw bytes of a ``raw_pages`` document, checked against its sha256."""
    data = doc.get("data")
    if data is None:
        return None
    try:
        raw = zlib.decompress(bytes(data)) if doc.get("compression", "zlib") == "zlib" else bytes(data)
    except zlib.error:
        logger.warning("raw page %s (%s) does not decompress", doc.get("url"), doc.get("sha256"))
        return None
    if doc.get("sha256") and hashlib.sha256(raw).hexdigest() != doc["sha256"]:
        logger.warning("raw page %s does not match its sha256 %s", doc.get("url"), doc.get("sha256"))
        return None
    return raw


def load_raw_html(db, url: str) -> bytes | None:
    """The raw HTML bytes behind the stored article for ``url`` (any URL variant that
    folds to its key), or the latest raw version of that URL; None when none is stored."""
    key = canonical_url(url)
    raw_pages = db[RAW_COLLECTION]
    article = db[ARTICLES].find_one({"url": key}, {"raw_sha256": 1})
    doc = None
    if article and article.get("raw_sha256"):
        doc = raw_pages.find_one({"url": key, "sha256": article["raw_sha256"]})
    if doc is None:
        doc = raw_pages.find_one({"url": key}, sort=[("last_fetched_at", DESCENDING)])
    return decompress(doc) if doc else None
