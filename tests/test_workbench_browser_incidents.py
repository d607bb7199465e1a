"""Merged events in a real browser (headless Chromium from Debian, driven by selenium):
the list switches to merged events (and the export with it), a merged event's page shows
all its reports side by side with their evidence highlighted and its merged fields, an
event page links to its merged event, and a crawled title full of markup stays text."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from test_workbench_archive import HOSTILE_TITLE
from test_workbench_incidents import HOSTILE_ARTICLE, build_merged_archive

from workbench import browser
from workbench.server import Workbench, make_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not browser.available() and not os.environ.get("CI"),
                       reason="needs Debian's chromium and chromium-driver"),
]


@pytest.fixture(scope="module")
def site(mongo_client):
    db = mongo_client[f"wb_browser_incidents_{uuid.uuid4().hex[:8]}"]
    build_merged_archive(db)
    app = Workbench(db)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with browser.Browser() as driver:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}", app
    server.shutdown()
    server.server_close()
    mongo_client.drop_database(db.name)


def _wait(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _list_mode(driver):
    return driver.execute_script(
        "const l = document.getElementById('event-list'); return l ? [l.dataset.mode, Number(l.dataset.count)] : null")


def test_the_list_switches_to_merged_events_and_the_export_follows(site):
    driver, base, app = site
    driver.get(base + "/")
    _wait(driver, lambda d: (_list_mode(d) or [None])[0] == "reports")
    assert _list_mode(driver)[1] == app.db["events"].count_documents({})
    assert "per_report=1" in driver.find_element("id", "x-acled").get_attribute("href")
    driver.find_element("id", "list-merged").click()
    _wait(driver, lambda d: (_list_mode(d) or [None])[0] == "merged")
    total = app.db["incidents"].count_documents({})
    assert _list_mode(driver)[1] == total
    assert len(driver.find_elements("css selector", "#event-list a.incident-link")) == total
    assert "list=merged" in driver.current_url
    assert "per_report" not in driver.find_element("id", "x-acled").get_attribute("href")
    driver.get(driver.current_url + "&admin1=Idleb")   # a shared link keeps the mode and the filter
    expected = app.db["incidents"].count_documents({"location.admin1": "Idleb"})
    _wait(driver, lambda d: _list_mode(d) == ["merged", expected])
    driver.find_element("id", "list-reports").click()
    _wait(driver, lambda d: (_list_mode(d) or [None])[0] == "reports")
    assert "per_report=1" in driver.find_element("id", "x-acled").get_attribute("href")


def test_a_merged_event_page_shows_its_reports_side_by_side(site):
    driver, base, app = site
    inc = max(app.db["incidents"].find(), key=lambda i: (i["report_count"], i["_id"]))
    driver.get(base + "/?list=merged")
    link = _wait(driver, lambda d: d.find_elements("css selector", f"#event-list a[data-id='{inc['_id']}']"))[0]
    link.click()
    cards = _wait(driver, lambda d: d.find_elements("css selector", "#reports article.report"))
    assert [c.get_attribute("data-event-id") for c in cards] == inc["report_ids"]
    # side by side: the cards share a row on a desktop-wide window
    tops = {c.location["y"] for c in cards[:2]}
    assert len(tops) == 1
    for card in cards:
        ev = app.db["events"].find_one({"_id": card.get_attribute("data-event-id")})
        art = app.db["articles"].find_one({"url": ev["article_url"]})
        assert card.find_element("css selector", ".article-title").text.strip() == art["title"].strip()
        assert card.find_element("css selector", ".report-source").text == ev["source"]
        marks = card.find_elements("css selector", "mark.evidence")
        assert len(marks) == 1
        shown = driver.execute_script("return arguments[0].textContent", marks[0])
        assert shown == ev["evidence"]["text"]
        cells = card.find_element("css selector", "table.report-fields").text
        assert ev["date"] in cells and str(ev.get("fatalities") or 0) in cells
    fields = driver.find_element("id", "incident-fields").text
    assert str(inc["merge_confidence"]) in fields and inc["date"] in fields
    assert inc["location"]["name_en"] in fields


def test_an_event_page_links_to_its_merged_event(site):
    driver, base, app = site
    inc = app.db["incidents"].find_one({"report_count": {"$gte": 2}})
    driver.get(base + f"/?event={inc['report_ids'][-1]}")
    link = _wait(driver, lambda d: d.find_elements("id", "incident-link"))[0]
    assert link.get_attribute("href").endswith(f"/?incident={inc['_id']}")
    link.click()
    cards = _wait(driver, lambda d: d.find_elements("css selector", "#reports article.report"))
    assert len(cards) == inc["report_count"]


def test_crawled_markup_never_runs_on_a_merged_event_page(site):
    driver, base, app = site
    ev = app.db["events"].find_one({"article_url": {"$regex": HOSTILE_ARTICLE}})
    inc = app.db["incidents"].find_one({"report_ids": ev["_id"]})
    for path in (f"/?incident={inc['_id']}", "/?list=merged"):
        driver.get(base + path)
        _wait(driver, lambda d: d.find_elements("css selector", "#reports article.report, a.incident-link"))
        if "incident=" in path:
            body = driver.find_element("tag name", "body").text
            assert HOSTILE_TITLE.split(">")[0] in body  # shown as text
        assert driver.execute_script("return window.__xss") is None
        assert not driver.find_elements("css selector", "body img[src='x'], body script:not([src])")
    hosts = driver.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(hosts) <= {base.split("//")[1]}
