"""The workbench in a real browser (headless Chromium from Debian, driven by selenium):
the map loads, a filter changes the count, an event page highlights its evidence, a
review is posted, and a crawled title full of markup is shown as text and never runs."""

from __future__ import annotations

import os
import threading

import pytest
from test_workbench_archive import HOSTILE_TITLE, build_archive

from workbench import browser
from workbench.server import Workbench, make_server

pytestmark = [
    pytest.mark.slow,
    # In CI, where scripts/test.sh installs them, a missing browser fails the run instead.
    pytest.mark.skipif(not browser.available() and not os.environ.get("CI"),
                       reason="needs Debian's chromium and chromium-driver"),
]


@pytest.fixture
def site(mongo_db):
    events = build_archive(mongo_db)
    app = Workbench(mongo_db)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with browser.Browser() as driver:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}", app, events
    server.shutdown()
    server.server_close()


def _wait(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _count(driver) -> int:
    # read in the page: the element is replaced on every render (no stale references)
    return driver.execute_script(
        "const e = document.getElementById('event-count'); return e ? Number(e.dataset.count) : -1"
    )


def test_map_filter_event_page_and_review(site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select

    driver, base, app, events = site
    driver.get(base + "/")
    _wait(driver, lambda d: _count(d) >= 0)
    assert _count(driver) == len(events)
    assert driver.find_element("tag name", "html").get_attribute("dir") == "rtl"
    drawn = driver.execute_script("return MAP.hits.length")
    assert drawn >= 1

    # a cluster of several events lists them when clicked
    hit = driver.execute_script(
        "const h = MAP.hits.find(h => h.cl.n > 1); return h ? [h.x, h.y, MAP.w, MAP.h, h.cl.n] : null"
    )
    assert hit, "the test archive has a cluster of several events at the first zoom"
    canvas = driver.find_element("id", "map")
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(hit[0] - hit[2] / 2), int(hit[1] - hit[3] / 2)
    ).click().perform()
    links = _wait(driver, lambda d: d.find_elements("css selector", "#popup a"))
    assert len(links) == min(hit[4], 8)
    assert all("/?event=" in a.get_attribute("href") for a in links)
    rendered = driver.execute_script("return document.body.dataset.renderedAt")
    driver.find_element("id", "popup-zoom").click()
    _wait(driver, lambda d: not d.find_elements("id", "popup"))
    # zooming in fetches the clusters of the new zoom and redraws everything
    _wait(driver, lambda d: d.execute_script("return document.body.dataset.renderedAt") != rendered)
    assert driver.current_url.split("at=")[1].split("&")[0].endswith("%2C6")  # zoom 4 + 2

    # choosing a period on the timeline filters the map and the list

    days = sorted({e["date"] for e in events})
    first, second = days[0], days[1]
    bar = lambda d, day: d.find_element("css selector", f"#timeline .bar[data-start='{day}']")  # noqa: E731
    ActionChains(driver).click_and_hold(bar(driver, first)).move_to_element(
        bar(driver, second)
    ).release().perform()
    in_period = len([e for e in events if first <= e["date"] <= second])
    _wait(driver, lambda d: _count(d) == in_period)
    assert f"since={first}" in driver.current_url and f"until={second}" in driver.current_url
    assert len(driver.find_elements("css selector", "#event-list a.event-link")) == in_period
    driver.find_element("id", "tl-clear").click()
    _wait(driver, lambda d: _count(d) == len(events))
    Select(driver.find_element("id", "f-event_type")).select_by_value("Explosions/Remote violence")
    expected = len([e for e in events if e["event_type"] == "Explosions/Remote violence"])
    _wait(driver, lambda d: _count(d) == expected)
    assert "event_type=Explosions" in driver.current_url  # the filter is in the URL
    assert "event_type=Explosions" in driver.find_element("id", "x-acled").get_attribute("href")
    driver.get(driver.current_url)  # a shared link shows the same view
    _wait(driver, lambda d: _count(d) == expected)

    driver.find_element("css selector", "#event-list a.event-link").click()
    mark = _wait(driver, lambda d: d.find_elements("id", "evidence"))[0]
    event_id = driver.current_url.split("event=")[1]
    stored = app.db["events"].find_one({"_id": event_id})
    assert mark.text.strip() == stored["evidence"]["text"].strip()
    assert driver.find_element("id", "original-link").get_attribute("href") == stored["article_url"]

    driver.find_element("id", "r-reviewer").send_keys("tester")
    driver.find_element("id", "r-fatalities").send_keys("7")
    driver.find_element("id", "r-corrected").click()
    _wait(driver, lambda d: d.find_element("id", "review-msg").get_attribute("class") == "ok")
    review = app.db["event_reviews"].find_one({"event_id": event_id})
    assert review["reviewer"] == "tester" and review["corrections"] == {"fatalities": 7}
    assert app.db["events"].find_one({"_id": event_id})["fatalities"] == stored["fatalities"]


def test_crawled_markup_never_runs(site):
    driver, base, app, events = site
    hostile = next(e for e in events if e["article_title"] == HOSTILE_TITLE)
    for path in (
        "/",
        f"/?event={hostile['_id']}",
        f"/?article={hostile['article_url']}",
        "/?view=articles&q=اشتباكات",
    ):
        driver.get(base + path)
        _wait(driver, lambda d: HOSTILE_TITLE.split(">")[0] in d.find_element("tag name", "body").text)
        assert driver.execute_script("return window.__xss") is None
        assert not driver.find_elements("css selector", "body img[src='x'], body script:not([src])")
    # nothing on the page came from another host
    hosts = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).host)"
    )
    assert set(hosts) <= {base.split("//")[1]}
