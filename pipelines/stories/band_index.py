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

Memory: about 1.8 KiB per article (36 MiB at 20,000; the dict-of-lists layout this
replaced took 6.5 KiB, which alone grew a 20,000-article crawl by a fifth). Each sketch
has a row; its signature is one ``uint32`` array; its band keys are kept as their
``hash()`` (a collision only adds a candidate, which is then checked on its signature)
in sorted arrays (key, row, generation), searched with ``numpy.searchsorted``. Keys written
since the last merge wait in a small dict and are merged in every ``MERGE_EVERY``
entries. A rewritten sketch's row gets a new generation number: entries of an older
generation are skipped, and left out at the next merge.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

SKETCHES = "story_sketches"
_MEMBER_FIELDS = ("published", "first_seen", "source")
# Pending band-key entries merged into the sorted arrays (about 128 articles' worth).
MERGE_EVERY = 4096
# Merges between two passes that leave out the entries of rewritten sketches.
COMPACT_EVERY = 16


class BandIndex:
    """Band buckets, signatures and stories of the sketches in one database."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next ``load`` reads the store again."""
        self.loaded = False
        self._row: dict[str, int] = {}                       # url -> row
        self._urls: list[str] = []                           # row -> url
        self._gen: list[int] = []                            # row -> generation
        self._sigs: list[np.ndarray | None] = []
        self._story: list[str | None] = []
        self._dates: list[tuple[Any, Any, Any] | None] = []  # published, first_seen, source
        self._members: dict[str, int | set[int]] = {}       # story -> row, or rows
        self._keys = np.zeros(0, dtype=np.int64)             # sorted band-key hashes
        self._key_rows = np.zeros(0, dtype=np.int32)         # their rows
        self._key_gens = np.zeros(0, dtype=np.int32)         # the generation they were written in
        self._pending: dict[int, list[tuple[int, int]]] = {}  # key hash -> (row, generation)
        self._pending_count = 0
        self._merges = 0
        self._sources: dict[Any, Any] = {}                   # one object per source name

    def __len__(self) -> int:
        return len(self._row)

    def load(self, db: Any) -> None:
        """Read every stored sketch (once; later calls do nothing)."""
        if self.loaded:
            return
        for doc in db[SKETCHES].find({}, {"sig": 1, "bands": 1, "story": 1, **dict.fromkeys(_MEMBER_FIELDS, 1)}):
            self.put(doc["_id"], doc.get("sig") or [], doc.get("bands") or [], doc.get("story"), doc)
        self._merge()
        self.loaded = True

    def put(self, url: str, sig: Sequence[int], bands: Iterable[str], story: str | None,
            fields: Mapping[str, Any] | None = None) -> None:
        """The sketch of ``url`` as just written (replacing its earlier one); ``fields``:
        the sketch document, for its ``published``, ``first_seen`` and ``source``."""
        row = self._row.get(url)
        if row is None:
            row = self._row[url] = len(self._urls)
            self._urls.append(url)
            self._gen.append(0)
            self._sigs.append(None)
            self._story.append(None)
            self._dates.append(None)
        else:
            self._unlink(row)
            self._gen[row] += 1
        gen = self._gen[row]
        published, first_seen, source = ((fields or {}).get(k) for k in _MEMBER_FIELDS)
        self._dates[row] = (published, first_seen, self._sources.setdefault(source, source))
        self._sigs[row] = np.asarray(sig, dtype=np.uint32)
        for k in {hash(k) for k in bands}:
            self._pending.setdefault(k, []).append((row, gen))
            self._pending_count += 1
        self._story[row] = story
        if story:
            self._add_member(story, row)
        if self._pending_count >= MERGE_EVERY and self.loaded:
            self._merge()

    def restory(self, old: str, new: str) -> None:
        """Every sketch of story ``old`` now belongs to ``new`` (a merge)."""
        moved = self._members.pop(old, None)
        if moved is None:
            return
        for row in (moved,) if isinstance(moved, int) else moved:
            self._story[row] = new
            self._add_member(new, row)

    def members(self, story: str) -> list[dict[str, Any]]:
        """The sketches of ``story`` as the store would return them for the story's
        refresh: ``_id``, ``published``, ``first_seen``, ``source``."""
        rows = self._members.get(story)
        if rows is None:
            return []
        out = []
        for row in (rows,) if isinstance(rows, int) else rows:
            dates = self._dates[row] or (None, None, None)
            out.append({"_id": self._urls[row], **dict(zip(_MEMBER_FIELDS, dates, strict=True))})
        return sorted(out, key=lambda d: d["_id"])

    def candidates(self, bands: Iterable[str], url: str) -> list[Mapping[str, Any]]:
        """Sketches (but ``url``'s) sharing a band key with ``bands``: ``_id``, ``sig``, ``story``."""
        wanted = [hash(k) for k in bands]
        found: dict[int, None] = {}
        if len(self._keys) and wanted:
            q = np.asarray(wanted, dtype=np.int64)
            lo = np.searchsorted(self._keys, q, side="left")
            hi = np.searchsorted(self._keys, q, side="right")
            lens = hi - lo
            total = int(lens.sum())
            if total:
                # The positions of every range lo[i]:hi[i], in one array.
                idx = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(total)
                for row, gen in zip(self._key_rows[idx].tolist(), self._key_gens[idx].tolist(), strict=True):
                    if self._gen[row] == gen:
                        found[row] = None
        for k in wanted:
            for row, gen in self._pending.get(k, ()):
                if self._gen[row] == gen:
                    found[row] = None
        own = self._row.get(url)
        found.pop(own, None)  # type: ignore[arg-type]
        return [{"_id": self._urls[r], "sig": self._sigs[r], "story": self._story[r]} for r in found]

    def _add_member(self, story: str, row: int) -> None:
        rows = self._members.get(story)
        if rows is None:
            self._members[story] = row       # most stories have one member: no set for it
        elif isinstance(rows, int):
            if rows != row:
                self._members[story] = {rows, row}
        else:
            rows.add(row)

    def _unlink(self, row: int) -> None:
        """``row``'s story membership undone (its band entries go stale with its generation)."""
        story = self._story[row]
        if story is None:
            return
        rows = self._members.get(story)
        if rows == row:
            del self._members[story]
        elif isinstance(rows, set):
            rows.discard(row)
            if len(rows) == 1:
                self._members[story] = next(iter(rows))
        self._story[row] = None

    def _merge(self) -> None:
        """The pending entries into the sorted arrays (inserted where they sort, not the
        whole array sorted again); every ``COMPACT_EVERY`` merges, stale entries go."""
        if not self._pending:
            return
        keys, rows, gens = [], [], []
        for k, entries in self._pending.items():
            for row, gen in entries:
                keys.append(k)
                rows.append(row)
                gens.append(gen)
        new_keys = np.asarray(keys, dtype=np.int64)
        order = np.argsort(new_keys, kind="stable")
        new_keys = new_keys[order]
        at = np.searchsorted(self._keys, new_keys, side="right")
        self._keys = np.insert(self._keys, at, new_keys)
        self._key_rows = np.insert(self._key_rows, at, np.asarray(rows, dtype=np.int32)[order])
        self._key_gens = np.insert(self._key_gens, at, np.asarray(gens, dtype=np.int32)[order])
        self._pending = {}
        self._pending_count = 0
        self._merges += 1
        if self._merges % COMPACT_EVERY == 0:
            live = np.asarray(self._gen, dtype=np.int32)[self._key_rows] == self._key_gens
            if not live.all():
                self._keys, self._key_rows, self._key_gens = \
                    self._keys[live], self._key_rows[live], self._key_gens[live]
