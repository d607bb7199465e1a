"""Log lines that name the page, not the whole item.

Page items carry the raw HTML; Scrapy's default formatter would print it in every
drop and pipeline-error line.
"""
from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter


def _describe(item: Any) -> str:
    if isinstance(item, dict):
        record = item.get("record") if isinstance(item.get("record"), dict) else item
        return str(record.get("final_url") or record.get("url") or "<no url>")
    return type(item).__name__


class QuietLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> dict:
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> dict:
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing %(item)s"
        entry["args"] = {"item": _describe(item)}
        return entry

    def scraped(self, item: Any, response: Any, spider: Any = None) -> dict:
        entry = super().scraped(item, response, spider)
        entry["args"] = {**entry.get("args", {}), "item": _describe(item)}
        return entry
