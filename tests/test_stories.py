"""Near-duplicate articles grouped into stories (pipelines.stories), on the embedded store."""
from __future__ import annotations

import datetime as dt

import pytest

from pipelines.stories import (
    BandIndex,
    assign_stories,
    band_keys,
    ensure_story_indexes,
    jaccard,
    signature,
    similarity,
    story_id,
)
from pipelines.stories.assign import SKETCHES, _stored_candidates, _write_sketches

UTC = dt.UTC
WIRE = ("قتل ثمانية أشخاص على الأقل وأصيب نحو ثلاثين آخرين اليوم الاثنين بانفجار سيارة مفخخة قرب مشفى "
        "في مدينة اعزاز الحدودية مع تركيا، بحسب المرصد السوري لحقوق الإنسان. وقال المرصد إن بين القتلى "
        "اثنين من عناصر الفصائل المسلحة التي تسيطر على المدينة، فيما لم تتبن أي جهة التفجير. وشهدت اعزاز "
        "خلال الأشهر الماضية عدة تفجيرات مماثلة استهدفت أسواقا ومقرات.")
# the same story as another outlet republishes it: dateline, one edit, diacritics, boilerplate
COPY = ("حلب - شام اليوم: " + WIRE.replace("على الأقل ", "").replace("التفجير", "التَّفجير")
        + "\nتابعوا آخر أخبارنا على قناتنا في تلغرام.")
# the same event in another outlet's own words
OWN = ("انفجرت سيارة مفخخة صباح اليوم الاثنين أمام مدخل المشفى الوطني في مدينة اعزاز بريف حلب الشمالي، ما "
       "أسفر عن مقتل ثمانية أشخاص وإصابة العشرات، وفق مراسلنا. وهرعت فرق الدفاع المدني إلى المكان.")


def _doc(url: str, text: str, hours: int, source: str = "s") -> dict:
    return {"url": url, "text": text, "source": source,
            "published": dt.datetime(2015, 6, 15, 8, tzinfo=UTC) + dt.timedelta(hours=hours),
            "first_seen": dt.datetime(2026, 1, 1, tzinfo=UTC)}


def _store(db, *docs: dict) -> list[dict]:
    for d in docs:
        db.articles.replace_one({"url": d["url"]}, d, upsert=True)
    return list(docs)


def test_sketch_separates_copies_from_own_reports():
    assert jaccard(WIRE, COPY) > 0.6
    assert jaccard(WIRE, OWN) < 0.1
    assert abs(similarity(signature(WIRE), signature(COPY)) - jaccard(WIRE, COPY)) < 0.15
    assert similarity(signature(WIRE), signature(OWN)) < 0.2
    assert set(band_keys(signature(WIRE))) & set(band_keys(signature(COPY)))
    assert signature("") == [] and band_keys([]) == []


@pytest.fixture(params=["store", "memory"])
def assign(request):
    """``assign_stories`` with candidates from the store's band queries, or from one
    in-memory ``BandIndex`` kept across the test's calls (as a crawl on the embedded
    server keeps it); every test below must come out the same either way."""
    if request.param == "store":
        yield assign_stories
        return
    index, dbs = BandIndex(), []

    def run(db, *args, **kwargs):
        dbs.append(db)
        return assign_stories(db, *args, index=index, **kwargs)
    yield run
    if dbs and index.loaded:           # kept in step: what a fresh read of the store gives
        fresh = BandIndex()
        fresh.load(dbs[-1])
        stories = {s for s in fresh._members} | {s for s in index._members}
        assert {s: fresh.members(s) for s in stories} == {s: index.members(s) for s in stories}
        for doc in dbs[-1][SKETCHES].find({}, {"bands": 1}):
            kept = sorted(c["_id"] for c in index.candidates(doc["bands"], doc["_id"]))
            assert kept == sorted(c["_id"] for c in fresh.candidates(doc["bands"], doc["_id"]))


def test_copies_share_a_story_and_the_earliest_is_the_original(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    docs = _store(mongo_db, _doc("u/wire", WIRE, 2, "wire"), _doc("u/copy", COPY, 3, "sham"),
                  _doc("u/own", OWN, 1, "halab"))
    counts = assign(mongo_db, docs)
    assert counts["articles"] == 3
    arts = {a["url"]: a for a in mongo_db.articles.find()}
    assert arts["u/wire"]["story"] == arts["u/copy"]["story"] != arts["u/own"]["story"]
    assert arts["u/wire"]["story_original"] is True and arts["u/copy"]["story_original"] is False
    story = mongo_db.stories.find_one({"_id": arts["u/wire"]["story"]})
    assert story["original"] == "u/wire" and story["size"] == 2 and story["sources"] == ["sham", "wire"]
    # idempotent: the same batch again changes nothing
    before = sorted((a["url"], a["story"], a["story_original"]) for a in mongo_db.articles.find())
    again = assign(mongo_db, docs)
    assert again["new"] == again["joined"] == again["left"] == 0
    assert sorted((a["url"], a["story"], a["story_original"]) for a in mongo_db.articles.find()) == before


def test_an_earlier_copy_crawled_later_becomes_the_original(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    assign(mongo_db, _store(mongo_db, _doc("u/late", WIRE, 5)))
    assign(mongo_db, _store(mongo_db, _doc("u/early", COPY, 1)))
    arts = {a["url"]: a for a in mongo_db.articles.find()}
    assert arts["u/late"]["story"] == arts["u/early"]["story"]
    assert arts["u/early"]["story_original"] is True and arts["u/late"]["story_original"] is False


def test_a_changed_text_leaves_its_story(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    assign(mongo_db, _store(mongo_db, _doc("u/a", WIRE, 1), _doc("u/b", COPY, 2)))
    sid = mongo_db.articles.find_one({"url": "u/a"})["story"]
    counts = assign(mongo_db, _store(mongo_db, _doc("u/b", OWN, 2)))
    assert counts["left"] == 1
    a, b = mongo_db.articles.find_one({"url": "u/a"}), mongo_db.articles.find_one({"url": "u/b"})
    assert a["story"] == sid and b["story"] != sid
    assert a["story_original"] is True and b["story_original"] is True
    assert mongo_db.stories.find_one({"_id": sid})["size"] == 1


def test_founder_leaving_leaves_the_id_to_the_others(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    third = COPY.replace("تلغرام", "فيسبوك")
    assign(mongo_db, _store(mongo_db, _doc("u/a", WIRE, 1), _doc("u/b", COPY, 2),
                                    _doc("u/c", third, 3)))
    sid = mongo_db.articles.find_one({"url": "u/a"})["story"]
    assign(mongo_db, _store(mongo_db, _doc("u/a", OWN, 1)))
    stories = {a["url"]: a["story"] for a in mongo_db.articles.find()}
    assert stories["u/b"] == stories["u/c"] == sid != stories["u/a"]
    assert mongo_db.stories.find_one({"_id": sid})["original"] == "u/b"


def test_a_bridging_article_fuses_two_stories(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    middle = " ".join(f"وسط{i}" for i in range(100))
    text_a = " ".join(f"بدء{i}" for i in range(70)) + " " + middle       # Jaccard(a, b) ≈ 0.41
    text_b = middle + " " + " ".join(f"ختم{i}" for i in range(70))       # Jaccard(a or b, middle) ≈ 0.59
    assign(mongo_db, _store(mongo_db, _doc("u/1", text_a, 1), _doc("u/2", text_b, 2)))
    s1 = mongo_db.articles.find_one({"url": "u/1"})["story"]
    s2 = mongo_db.articles.find_one({"url": "u/2"})["story"]
    assert s1 != s2
    counts = assign(mongo_db, _store(mongo_db, _doc("u/3", middle, 3)))
    assert counts["merged"] == 1
    got = {a["url"]: a["story"] for a in mongo_db.articles.find()}
    assert got == {"u/1": s1, "u/2": s1, "u/3": s1}      # the story of the earliest original keeps its id
    assert mongo_db.stories.count_documents({}) == 1
    assert mongo_db.stories.find_one({"_id": s1})["size"] == 3


def test_articles_without_text_are_read_from_the_store(mongo_db, assign):
    ensure_story_indexes(mongo_db)
    _store(mongo_db, _doc("u/a", WIRE, 1), _doc("u/b", COPY, 2))
    assign(mongo_db, [{"url": "u/a"}, {"url": "u/b"}, {"url": "u/missing"}])
    a, b = mongo_db.articles.find_one({"url": "u/a"}), mongo_db.articles.find_one({"url": "u/b"})
    assert a["story"] and a["story"] == b["story"]
    names = {ix["name"] for ix in mongo_db.articles.list_indexes()}
    assert "story" in names
    assert "bands" in {ix["name"] for ix in mongo_db.story_sketches.list_indexes()}


def test_the_index_in_memory_stays_in_step_with_the_store(mongo_db):
    ensure_story_indexes(mongo_db)
    index = BandIndex()
    middle = " ".join(f"وسط{i}" for i in range(100))
    text_a = " ".join(f"بدء{i}" for i in range(70)) + " " + middle
    text_b = middle + " " + " ".join(f"ختم{i}" for i in range(70))
    # a sketch stored before the crawl started: read by the first load
    assign_stories(mongo_db, _store(mongo_db, _doc("u/old", WIRE, 0)))
    assign_stories(mongo_db, _store(mongo_db, _doc("u/1", text_a, 1), _doc("u/2", text_b, 2)), index=index)
    assert index.loaded and len(index) == 3
    assign_stories(mongo_db, _store(mongo_db, _doc("u/3", middle, 3), _doc("u/4", COPY, 4)), index=index)
    assign_stories(mongo_db, _store(mongo_db, _doc("u/2", OWN, 2)), index=index)      # text changed
    stored = {d["_id"]: d for d in mongo_db.story_sketches.find()}
    assert len(index) == len(stored) == 5
    for url, doc in stored.items():
        from_store = {(c["_id"], c["story"]) for c in _stored_candidates(mongo_db, doc["bands"], url)}
        from_memory = {(c["_id"], c["story"]) for c in index.candidates(doc["bands"], url)}
        assert from_memory == from_store, url
    # the old copy and the new one share a story, found only through the loaded sketch
    arts = {a["url"]: a["story"] for a in mongo_db.articles.find()}
    assert arts["u/4"] == arts["u/old"]


def test_the_index_is_read_again_after_a_failure(mongo_db):
    ensure_story_indexes(mongo_db)
    index = BandIndex()
    assign_stories(mongo_db, _store(mongo_db, _doc("u/a", WIRE, 1)), index=index)
    assert len(index) == 1

    class Broken(dict):
        def get(self, key, default=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        assign_stories(mongo_db, [Broken(url="u/x", text=COPY)], index=index)
    assert not index.loaded and len(index) == 0
    assign_stories(mongo_db, _store(mongo_db, _doc("u/b", COPY, 2)), index=index)
    assert index.loaded and len(index) == 2
    arts = {a["url"]: a["story"] for a in mongo_db.articles.find()}
    assert arts["u/a"] == arts["u/b"]


def _record(url: str, text: str, hours: int) -> dict:
    pub = (dt.datetime(2015, 6, 15, 8, tzinfo=UTC) + dt.timedelta(hours=hours)).isoformat()
    return {"url": url, "final_url": url, "status": 200, "source": "s", "title": "عنوان", "text": text,
            "paragraphs": text.split("\n"), "language": "ar", "is_article": True, "quality": 0.8,
            "published": pub, "published_utc": pub, "published_precision": "minute",
            "fetched_at": "2026-11-20T08:00:00Z", "events": []}


@pytest.mark.parametrize("sole_writer", [False, True])
def test_stored_articles_start_their_own_story_until_they_join_one(mongo_db, sole_writer):
    from pipelines.archive import article_store

    store = article_store(mongo_db, sole_writer=sole_writer)
    store.ensure_indexes()
    store.add(_record("http://s.test/wire", WIRE, 1))
    store.add(_record("http://s.test/own", OWN, 2))
    store.flush()
    store.add(_record("http://s.test/copy", COPY, 3))
    store.flush()
    arts = {a["url"]: a for a in mongo_db.articles.find()}
    wire, own, copy = arts["http://s.test/wire"], arts["http://s.test/own"], arts["http://s.test/copy"]
    assert own["story"] == story_id("http://s.test/own") and own["story_original"] is True
    assert copy["story"] == wire["story"] == story_id("http://s.test/wire")
    assert wire["story_original"] is True and copy["story_original"] is False
    story = mongo_db.stories.find_one({"_id": wire["story"]})
    assert story["size"] == 2 and story["original"] == "http://s.test/wire"
    assert mongo_db.stories.find_one({"_id": own["story"]})["size"] == 1


def test_new_sketches_are_inserted_and_one_another_writer_stored_first_is_replaced(mongo_db):
    ensure_story_indexes(mongo_db)
    mongo_db[SKETCHES].insert_one({"_id": "https://a.example/2", "story": "old", "bands": ["x"]})
    batch = {u: {"_id": u, "story": f"s-{i}", "bands": ["b"], "sig": [i]}
             for i, u in enumerate(("https://a.example/1", "https://a.example/2", "https://a.example/3"))}
    _write_sketches(mongo_db, batch, stored=set())     # /2 was not stored when the batch read
    assert {d["_id"]: d["story"] for d in mongo_db[SKETCHES].find()} == {
        "https://a.example/1": "s-0", "https://a.example/2": "s-1", "https://a.example/3": "s-2"}
    batch["https://a.example/1"]["story"] = "s-9"
    _write_sketches(mongo_db, {"https://a.example/1": batch["https://a.example/1"]}, stored={"https://a.example/1"})
    assert mongo_db[SKETCHES].find_one({"_id": "https://a.example/1"})["story"] == "s-9"


def test_band_index_candidates_and_members_match_a_plain_reading(monkeypatch):
    """Puts, rewrites and story merges, with merges of the sorted arrays every few
    entries: the candidates and members are what the current sketches say."""
    import random

    from pipelines.stories import band_index

    monkeypatch.setattr(band_index, "MERGE_EVERY", 7)
    monkeypatch.setattr(band_index, "COMPACT_EVERY", 3)
    rng = random.Random(5)
    index = BandIndex()
    index.loaded = True
    current: dict[str, tuple[set[str], str]] = {}      # url -> bands, story
    for step in range(400):
        url = f"https://a.example/{rng.randrange(60)}"
        if step % 50 == 49:                            # a story merge
            old, new = rng.choice([s for _, s in current.values()]), f"s{rng.randrange(20)}"
            index.restory(old, new)
            current = {u: (b, new if s == old else s) for u, (b, s) in current.items()}
            continue
        bands = {f"b{rng.randrange(40)}" for _ in range(3)}
        story = f"s{rng.randrange(20)}"
        index.put(url, [step] * 4, sorted(bands), story, {"source": "a", "published": step})
        current[url] = (bands, story)
        probe = {f"b{rng.randrange(40)}" for _ in range(3)}
        other = f"https://a.example/{rng.randrange(60)}"
        expected = sorted(u for u, (b, _) in current.items() if b & probe and u != other)
        got = index.candidates(sorted(probe), other)
        assert sorted(c["_id"] for c in got) == expected
        assert all(c["story"] == current[c["_id"]][1] for c in got)
    for story in {s for _, s in current.values()} | {"s-none"}:
        assert [m["_id"] for m in index.members(story)] == sorted(u for u, (_, s) in current.items() if s == story)
