"""The collections Marsad writes (schema: README.md, "Stored documents")."""
from __future__ import annotations

ARTICLES = "articles"
DROPS = "drops"
RAW_PAGES = "raw_pages"
REVISIONS = "article_revisions"
FETCH_STATE = "fetch_state"
RUNS = "crawl_runs"
META = "marsad_meta"
