"""Ground truth for every page a crawl of the fixture sites can meet."""
from __future__ import annotations

from .build import build_sites
from .generated import GeneratedSite


def catalogue(base_urls: dict[str, str], generated: int = 0) -> list[dict]:
    """Catalogue entries for the sites in `base_urls` (wp, portal, maghreb, gen).

    Needs no running server: the entries come from the same data files and code that
    produce the pages. `generated` is the gen site's article count (0: no gen entries).
    """
    out: list[dict] = []
    for site in build_sites(base_urls).values():
        out.extend(site.entries)
    if generated and "gen" in base_urls:
        out.extend(GeneratedSite(base_urls["gen"], generated).entries())
    return out
