"""Addresses are judged by what they embed, and ``allow_private`` allows only a source's
own hosts, never link-local (cloud metadata) addresses.

Unit checks of the address rules, then a real crawl: a loopback source with
``allow_private: true`` redirects to another loopback host in IPv4-compatible, mapped and
NAT64 spellings and to 169.254.169.254; none of them is fetched, each is a
``private_address`` drop.
"""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html, write_registry

from crawler.middlewares import embedded_ipv4, is_link_local, is_public_address

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"


@pytest.mark.parametrize("address", [
    "::127.0.0.1", "[::127.0.0.1]", "::7f00:1", "::10.0.0.1", "::ffff:0:127.0.0.1",
    "64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::192.168.0.1",
    "64:ff9b:1::808:808", "2002:7f00:1::", "2002:a00:1::1", "::ffff:169.254.169.254",
])
def test_embedded_private_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["::8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1",
                                     "2606:4700:4700::1111", "8.8.8.8"])
def test_embedded_public_addresses_stay_public(address):
    assert is_public_address(address)


def test_the_embedded_ipv4_is_the_one_routed_to():
    import ipaddress
    assert str(embedded_ipv4(ipaddress.ip_address("64:ff9b::a9fe:a9fe"))) == "169.254.169.254"
    assert str(embedded_ipv4(ipaddress.ip_address("::127.0.0.1"))) == "127.0.0.1"
    assert embedded_ipv4(ipaddress.ip_address("::1")) is None
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "169.254.0.1", "fe80::1", "fe80::1%eth0",
                                     "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe"])
def test_link_local_addresses_are_metadata_addresses(address):
    assert is_link_local(address)


@pytest.mark.slow
def test_allow_private_allows_only_the_sources_own_hosts(mongo_server, tmp_path):
    database = f"addresses_{uuid.uuid4().hex[:8]}"
    with HostileSite() as site, HostileSite(host="127.0.0.2") as other:
        port2 = other.server.server_address[1]
        targets = {
            "/r/other": f"{other.base}/a/x.html",
            "/r/compat": f"http://[::127.0.0.2]:{port2}/a/x.html",
            "/r/mapped": f"http://[::ffff:127.0.0.2]:{port2}/a/x.html",
            "/r/nat64": f"http://[64:ff9b::7f00:2]:{port2}/a/x.html",
            "/r/meta": "http://169.254.169.254/latest/meta-data/",
        }
        for path, location in targets.items():
            site.routes[path] = (HTML, b"", {"status": 302, "headers": {"Location": location}})
        site.routes["/a/1.html"] = (HTML, article_html("خبر من المصدر نفسه"))
        other.routes["/a/x.html"] = (HTML, article_html("خبر من شبكة داخلية"))
        metadata_url = f"http://169.254.169.254:{port2}/latest/meta-data/"
        nat64_own = f"http://[64:ff9b::7f00:1]:{site.server.server_address[1]}/a/1.html"
        registry = write_registry(tmp_path / "sources.yaml", [
            site.entry("own", start_urls=[site.base + "/a/1.html", metadata_url,
                                          *(site.base + p for p in targets)]),
            site.entry("strict", allow_private=False, start_urls=[nat64_own]),
        ])
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp_path / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 0,
            "MARSAD_PROCESS_WORKERS": 0, "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO",
            "MARSAD_INCREMENTAL": False, "MARSAD_RUN_RECORDS": False})
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)
        requested_elsewhere = list(other.requested)
    client = pymongo.MongoClient(mongo_server)
    try:
        db = client[database]
        assert run.returncode == 0, run.stderr[-3000:]
        assert requested_elsewhere == []  # nothing reached the other loopback host
        assert {d["url"] for d in db.articles.find({}, {"url": 1})} == {site.base + "/a/1.html"}
        drops = {d["fetched_url"]: d for d in db.drops.find({})}
        for url in [*targets.values(), metadata_url, nat64_own]:
            assert drops.get(url, {}).get("reason") == "private_address", (url, drops.keys())
        assert "link-local" in drops[metadata_url]["detail"]
        assert "link-local" in drops[targets["/r/meta"]]["detail"]
    finally:
        client.drop_database(database)
        client.close()
