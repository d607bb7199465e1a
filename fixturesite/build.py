"""Build every fixture site for a set of base URLs: routes to serve and ground truth."""
from __future__ import annotations

from .data import all_sites
from .site_base import SiteBuilder, UrlBook
from .site_maghreb import MaghrebSite
from .site_portal import PortalSite
from .site_wp import WordPressSite

BUILDERS: dict[str, type[SiteBuilder]] = {
    "wp": WordPressSite, "portal": PortalSite, "maghreb": MaghrebSite,
}


def build_sites(base_urls: dict[str, str]) -> dict[str, SiteBuilder]:
    """Plan every site's URLs first (sites link to and copy each other), then render."""
    book = UrlBook()
    data = all_sites()
    sites = {key: cls(data[key], base_urls[key], book) for key, cls in BUILDERS.items()
             if key in base_urls}
    for site in sites.values():
        site.build()
    return sites
