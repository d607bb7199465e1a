"""AutoThrottle that keeps each source's crawl_delay as a floor.

Scrapy's AutoThrottle floors every slot at the global DOWNLOAD_DELAY, so a fast
server would pull a polite source's delay below what its registry entry asks for.
"""
from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle


class SourceAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        super()._adjust_delay(slot, latency, response)
        floors = self.crawler.settings.getdict("DOWNLOAD_SLOTS")
        request = getattr(response, "request", None)  # unset on some internal responses
        key = request.meta.get("download_slot") if request is not None else None
        floor = float(floors.get(key, {}).get("delay", 0) or 0) if key else 0.0
        if slot.delay < floor:
            slot.delay = floor
