"""The archive's story sketches held in memory, for a process that is their only writer.

Looking up an article's near-duplicate candidates in the store costs one indexed query
per band key (32 per article), and on SecantusDB each query's cost grows with the size of
its bucket; in a crawl that was most of the crawler's CPU (py-spy on ``bench_peers.py``:
a quarter of the crawler process's samples were these queries). A crawl on the embedded
server is the only writer of its data directory (the server locks it), so it may keep
the band buckets and signatures in memory: read once from ``story_sketches`` at the first
batch, then kept in step with every write ``assign_stories`` makes.

Against a shared MongoDB (``MONGO_URI``) other crawls may write sketches at the same
time, so no index is kept and the candidates come from the store.

It also answers the members of a story (with their dates and source), which the story's
refresh after each batch read from the store once per story touched (a thousand queries
per thousand articles).

Memory: a band key is kept as its ``hash()`` (a collision only adds a candidate, which is
then checked on its signature), a signature as 128 ``uint32`` values: about 3 KiB per
article, 60 MiB at 20,000.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from pipelines.storage.sole_writer import drop_member

SKETCHES = "story_sketches"
_MEMBER_FIELDS = ("published", "first_seen", "source")


class BandIndex:
    """Band buckets, signatures and stories of the sketches in one database."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next ``load`` reads the store again."""
        self.loaded = False
        self._buckets: dict[int, list[str]] = {}
        self._bands: dict[str, tuple[int, ...]] = {}
        self._sigs: dict[str, np.ndarray] = {}
        self._story: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._dates: dict[str, tuple[Any, Any, Any]] = {}   # url -> published, first_seen, source

    def __len__(self) -> int:
        return len(self._sigs)

    def load(self, db: Any) -> None:
        """Read every stored sketch (once; later calls do nothing)."""
        if self.loaded:
            return
        for doc in db[SKETCHES].find({}, {"sig": 1, "bands": 1, "story": 1, **dict.fromkeys(_MEMBER_FIELDS, 1)}):
            self.put(doc["_id"], doc.get("sig") or [], doc.get("bands") or [], doc.get("story"), doc)
        self.loaded = True

    def put(self, url: str, sig: Sequence[int], bands: Iterable[str], story: str | None,
            fields: Mapping[str, Any] | None = None) -> None:
        """The sketch of ``url`` as just written (replacing its earlier one); ``fields``:
        the sketch document, for its ``published``, ``first_seen`` and ``source``."""
        self._drop(url)
        self._dates[url] = tuple((fields or {}).get(k) for k in _MEMBER_FIELDS)  # type: ignore[assignment]
        keys = tuple({hash(k) for k in bands})
        self._bands[url] = keys
        for k in keys:
            self._buckets.setdefault(k, []).append(url)
        self._sigs[url] = np.asarray(sig, dtype=np.uint32)
        if story:
            self._story[url] = story
            self._members.setdefault(story, set()).add(url)

    def restory(self, old: str, new: str) -> None:
        """Every sketch of story ``old`` now belongs to ``new`` (a merge)."""
        moved = self._members.pop(old, set())
        for url in moved:
            self._story[url] = new
        if moved:
            self._members.setdefault(new, set()).update(moved)

    def members(self, story: str) -> list[dict[str, Any]]:
        """The sketches of ``story`` as the store would return them for the story's
        refresh: ``_id``, ``published``, ``first_seen``, ``source``."""
        return [{"_id": u, **dict(zip(_MEMBER_FIELDS, self._dates.get(u, (None, None, None)), strict=True))}
                for u in sorted(self._members.get(story, ()))]

    def candidates(self, bands: Iterable[str], url: str) -> list[Mapping[str, Any]]:
        """Sketches (but ``url``'s) sharing a band key with ``bands``: ``_id``, ``sig``, ``story``."""
        found: dict[str, None] = {}
        for k in bands:
            for other in self._buckets.get(hash(k), ()):
                found[other] = None
        found.pop(url, None)
        return [{"_id": u, "sig": self._sigs[u], "story": self._story.get(u)} for u in found]

    def _drop(self, url: str) -> None:
        for k in self._bands.pop(url, ()):
            drop_member(self._buckets, k, url)
        self._sigs.pop(url, None)
        self._dates.pop(url, None)
        story = self._story.pop(url, None)
        if story is not None:
            drop_member(self._members, story, url)
