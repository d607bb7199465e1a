"""The collections Marsad writes (schema: README.md, "Stored documents")."""
from __future__ import annotations

ARTICLES = "articles"
DROPS = "drops"
RAW_PAGES = "raw_pages"
REVISIONS = "article_revisions"
FETCH_STATE = "fetch_state"
RUNS = "crawl_runs"
META = "marsad_meta"

# The server's error code for a write that breaks a unique index.
DUPLICATE_KEY = 11000
