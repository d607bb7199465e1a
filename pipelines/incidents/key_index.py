"""The look-up keys of the archive's incidents held in memory, for a process that is
their only writer (as ``pipelines.stories.band_index`` does for story sketches).

Finding a report's candidate incidents in the store costs two or three indexed queries
per report, and a new incident's id one more (is it taken?); in a crawl on the embedded
server these were the most frequent commands (2,000 queries per 1,000 articles, 7 s of
server time: ``bench/command_times``). A crawl on the embedded server is the only writer
of its data directory, so it may keep each incident's family, governorate, days and
stories in memory: read once at the first batch, then kept in step with every write
``merge_reports`` makes. Only the candidates' reports are read, in one query.

Memory: a few short strings per incident and one set entry per (incident, day).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelines.storage.sole_writer import drop_member

INCIDENTS = "incidents"
NO_PLACE = "-"        # place_key of an incident whose reports have no place (indexable, unlike null)


class IncidentIndex:
    """Family, governorate, days and stories of every incident in one database."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next ``load`` reads the store again."""
        self.loaded = False
        self._keys: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {}
        self._by_place_day: dict[tuple[str, str, str], set[str]] = {}
        self._by_day: dict[tuple[str, str], set[str]] = {}
        self._by_story: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, iid: object) -> bool:
        return iid in self._keys

    def load(self, db: Any) -> None:
        """Read every stored incident's keys (once; later calls do nothing)."""
        if self.loaded:
            return
        for inc in db[INCIDENTS].find({}, {"family": 1, "place_key": 1, "days": 1, "story_ids": 1}):
            self.put(inc["_id"], inc.get("family") or "", inc.get("place_key") or NO_PLACE,
                     inc.get("days") or [], inc.get("story_ids") or [])
        self.loaded = True

    def put(self, iid: str, family: str, place_key: str, days: Iterable[str], stories: Iterable[str]) -> None:
        """The keys of incident ``iid`` as just written (replacing its earlier ones)."""
        self.drop(iid)
        keys = (family, place_key, tuple(sorted(set(days))), tuple(sorted(set(stories))))
        self._keys[iid] = keys
        for day in keys[2]:
            self._by_place_day.setdefault((family, place_key, day), set()).add(iid)
            self._by_day.setdefault((family, day), set()).add(iid)
        for story in keys[3]:
            self._by_story.setdefault(story, set()).add(iid)

    def drop(self, iid: str) -> None:
        """Incident ``iid`` is gone."""
        keys = self._keys.pop(iid, None)
        if keys is None:
            return
        family, place_key, days, stories = keys
        for day in days:
            drop_member(self._by_place_day, (family, place_key, day), iid)
            drop_member(self._by_day, (family, day), iid)
        for story in stories:
            drop_member(self._by_story, story, iid)

    def candidates(self, family: str, place_key: str | None, days: Iterable[str], story: str | None) -> set[str]:
        """What the store's candidate queries of ``merge._candidates`` would find: the
        incidents of ``family`` on one of ``days`` in governorate ``place_key`` or with no
        place (any governorate when ``place_key`` is None), or holding a report of ``story``."""
        days = set(days)
        found: set[str] = set()
        for day in days:
            if place_key is None:
                found |= self._by_day.get((family, day), set())
            else:
                found |= self._by_place_day.get((family, place_key, day), set())
                found |= self._by_place_day.get((family, NO_PLACE, day), set())
        if story:
            found |= {i for i in self._by_story.get(story, ())
                      if self._keys[i][0] == family and days.intersection(self._keys[i][2])}
        return found

