"""Dates: Arabic date expressions and the publication date of an article page.

- :func:`normalise_date` reads one date expression («السبت 9 أيار / مايو 2015
  10:40 صباحاً», «منذ 4 ساعات», «3 رمضان 1440 هـ») against a reference moment.
- :func:`find_publication_date` picks an article's publication and modified dates from
  JSON-LD, meta tags, ``<time>``, the feed/sitemap hint, the visible dateline and the URL.
"""
from .normalise import normalise_date
from .publication import find_publication_date

__all__ = ["normalise_date", "find_publication_date"]
