"""Marsad's local fixture news sites: realistic Arabic sites served on 127.0.0.1.

``FixtureServer`` serves them; ``catalogue(base_urls)`` is the ground truth of every
page a crawl can meet, built from the same data files as the pages.
"""
from .catalogue import catalogue
from .server import FixtureServer

__all__ = ["FixtureServer", "catalogue"]
