"""URL canonicalisation: the key under which an article is stored.

Many URLs reach one article: tracking parameters from social shares, ``www.``/``m.``/AMP
mirrors, ``/amp/`` renderings, ``index.php`` paths, raw versus percent-encoded Arabic
slugs. ``canonical_url`` folds them into one string so the store keeps one document.
The rules that are data (parameter names, host prefixes, index pages) live in
``pipelines/storage/data/url_rules.yaml``.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import yaml

_RULES_FILE = Path(__file__).parent / "storage" / "data" / "url_rules.yaml"

_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 unreserved characters: the only ones whose percent-escapes may be decoded
# without changing what the URL means.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may stay literal in a path or query component (unreserved, sub-delims,
# ':' and '@', '/' and '?' where the component allows them, and '%' for escapes).
_PATH_SAFE = frozenset(b"!$&'()*+,;=:@/%") | _UNRESERVED
_QUERY_PART_SAFE = frozenset(b"!$'()*+,;:@/?%") | _UNRESERVED
_HEX = frozenset(b"0123456789abcdefABCDEF")
_AMP_SUFFIX_RE = re.compile(r"\.amp(?=\.html?$|$)", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    with _RULES_FILE.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return {
        "tracking": frozenset(p.lower() for p in raw.get("tracking_params", [])),
        "prefixes": tuple(p.lower() for p in raw.get("tracking_prefixes", [])),
        "amp": {k.lower(): str(v).lower() for k, v in (raw.get("amp_params") or {}).items()},
        "hosts": tuple(p.lower() for p in raw.get("host_prefixes", [])),
        "index": frozenset(p.lower() for p in raw.get("index_pages", [])),
        "session": frozenset(p.lower() for p in raw.get("session_path_params", [])),
    }


def _normalise_escapes(part: str, safe: frozenset[int]) -> str:
    """Percent-encode ``part`` one way only: non-ASCII as UTF-8 escapes, hex upper-case,
    unreserved escapes decoded, reserved escapes kept (``%2F`` is not ``/``)."""
    if "%" not in part and part.isascii() and all(ord(c) in safe for c in part):
        return part  # the common case: nothing to change
    data = part.encode("utf-8", "surrogatepass")
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x25 and i + 2 < n and data[i + 1] in _HEX and data[i + 2] in _HEX:
            value = int(data[i + 1:i + 3], 16)
            out.append(chr(value) if value in _UNRESERVED else f"%{value:02X}")
            i += 3
            continue
        if b == 0x25:
            out.append("%25")  # a stray '%' that starts no escape
        elif b in safe:
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
        i += 1
    return "".join(out)


def _fold_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    try:
        # One spelling for internationalised domains: the ASCII (punycode) form.
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        pass
    for prefix in _rules()["hosts"]:
        rest = host[len(prefix):]
        if host.startswith(prefix) and "." in rest:
            return rest
    return host


def _remove_dot_segments(segments: list[str]) -> list[str]:
    """RFC 3986 5.2.4 on split segments: "/a/./b/../c" -> "/a/c"."""
    out: list[str] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return out


def _clean_path(path: str) -> str:
    rules = _rules()
    segments = path.split("/")
    if "." in segments or ".." in segments:
        segments = _remove_dot_segments(segments)
    kept = []
    for seg in segments:
        if ";" in seg:
            # Drop session path parameters (";jsessionid=...") but keep other matrix params.
            head, *params = seg.split(";")
            params = [p for p in params if p.split("=", 1)[0].lower() not in rules["session"]]
            seg = ";".join([head, *params])
        kept.append(seg)
    segments = kept
    # AMP renderings: ".../slug/amp/" -> ".../slug/", ".../slug/amp" -> ".../slug",
    # "/amp/section/slug" -> "/section/slug", "slug.amp(.html)" -> "slug(.html)".
    if len(segments) >= 3 and segments[-1] == "" and segments[-2].lower() == "amp":
        segments = segments[:-2] + [""]
    elif len(segments) >= 2 and segments[-1].lower() == "amp":
        segments = segments[:-1]
        if segments == [""]:
            segments = ["", ""]
    if len(segments) >= 3 and segments[1].lower() == "amp" and any(segments[2:]):
        segments = [""] + segments[2:]
    if segments and segments[-1]:
        segments[-1] = _AMP_SUFFIX_RE.sub("", segments[-1])
    if segments and segments[-1].lower() in rules["index"]:
        segments[-1] = ""
    path = "/".join(segments)
    return path if path.startswith("/") else "/" + path


def _clean_query(query: str) -> str:
    rules = _rules()
    pairs = []
    # Feeds and sloppy templates leave HTML-escaped separators in links ("?a=1&amp;b=2");
    # a real "&amp;" inside a query value would be percent-encoded, so this is safe.
    for item in query.replace("&amp;", "&").split("&"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        name = unquote(key.replace("+", " ")).strip().lower()
        if name in rules["tracking"] or name.startswith(rules["prefixes"]):
            continue
        amp_value = rules["amp"].get(name)
        if amp_value is not None and (amp_value == "*" or unquote(value).lower() == amp_value):
            continue
        pairs.append((_normalise_escapes(key, _QUERY_PART_SAFE),
                      _normalise_escapes(value, _QUERY_PART_SAFE) if sep else None))
    pairs.sort(key=lambda kv: (kv[0], kv[1] or ""))
    return "&".join(k if v is None else f"{k}={v}" for k, v in pairs)


def canonical_url(url: str) -> str:
    """The storage key of ``url``; the input stripped when it is not an http(s) URL."""
    if not isinstance(url, str):
        return "" if url is None else str(url).strip()
    text = url.strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return text
        host = _fold_host(parts.hostname)
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        try:
            port = parts.port
        except ValueError:
            return text
        netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        path = _clean_path(_normalise_escapes(parts.path, _PATH_SAFE))
        query = _clean_query(parts.query)
        return urlunsplit((scheme, netloc, path, query, ""))
    except Exception:  # never raise on hostile input: the key falls back to the text
        return text


def _site_host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return None
        return _fold_host(parts.hostname)
    except Exception:
        return None


def same_site(url: str, base_url: str) -> bool:
    """True when ``url`` is on the site of ``base_url``: same host once ``www.``/``m.``/
    ``amp.`` are folded, or one host is a subdomain of the other (``sport.x.net`` and
    ``x.net``). Sibling subdomains are not the same site (``a.blogspot.com``)."""
    if not isinstance(url, str) or not isinstance(base_url, str):
        return False
    a, b = _site_host(url), _site_host(base_url)
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)
