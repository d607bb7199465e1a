"""Faults and traps: how an article's bytes are spoiled, and the special pages.

Each behaviour carries the outcome a correct crawler should reach, so the catalogue's
`expect` comes from the same table that decides what the server does.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from .responses import HTML_UTF8, RequestContext, Response

# quirk -> notes; every quirked article should still end up stored.
ARTICLE_QUIRKS = {
    "cp1256_nocharset": "windows-1256 bytes; no charset in the Content-Type header nor in the page",
    "iso8859_6_nocharset": "ISO-8859-6 bytes; no charset in the Content-Type header nor in the page",
    "mislabelled": "header says ISO-8859-1, <meta> says UTF-8, bytes are windows-1256",
    "truncated": "HTML cut in the middle of a tag after a few paragraphs",
    "malformed": "unclosed tags and nested garbage around a real article",
    "fail_once": "answers 500 the first time (per server instance), 200 afterwards",
    "huge": "about 10 MB: the article followed by a huge inline script blob",
}

# behaviour -> (kind, expect, rendered by the site's templates?)
PAGE_BEHAVIOURS = {
    "video_only": ("bad", "dropped:video_only", True),
    "empty_body": ("bad", "dropped:empty_body", True),
    "persian": ("bad", "dropped:wrong_language", True),
    "soft_404": ("bad", "dropped:soft_404", True),
    "private": ("bad", "fetch_error:robots", True),
    "challenge": ("bad", "dropped:challenge_page", False),
    "hang": ("bad", "fetch_error:timeout", False),
    "empty_200": ("bad", "dropped:empty_body", False),
    "binary_png": ("bad", "dropped:binary_content", False),
    "binary_zip": ("bad", "dropped:binary_content", False),
    "not_found": ("bad", "fetch_error:http_404", False),
    "redirect_loop": ("bad", "fetch_error:redirect_loop", False),
}

BEHAVIOUR_NOTES = {
    "video_only": "video-only stub: title and an embedded player, no text",
    "empty_body": "article template whose body is empty",
    "persian": "a Persian-language page on an Arabic site",
    "soft_404": "soft 404: «الصفحة غير موجودة» with status 200",
    "private": "disallowed by robots.txt (/private/) but linked from a section page",
    "challenge": "Cloudflare-like challenge page («Just a moment...», «تحقق من أنك إنسان»), status 403",
    "hang": "answers only after hang_seconds (a crawler should time out)",
    "empty_200": "status 200 with an empty body",
    "binary_png": "PNG bytes served as text/html",
    "binary_zip": "ZIP bytes served as text/html; charset=UTF-8",
    "not_found": "404 (deleted article still listed)",
    "redirect_loop": "302 to a partner URL that 302s back",
}

# Letters after which a tatweel can be drawn (they join to the following letter).
_JOINING = set("بتثجحخسشصضطظعغفقكلمنهيئـ")

HUGE_BYTES = 10 * 1024 * 1024
_COMMON = Path(__file__).with_name("templates") / "common"
_META_CHARSET_RE = re.compile(
    r"<meta\s+(?:charset=[^>]*|http-equiv=[\"']?content-type[^>]*)>\s*", re.I)


def _template(name: str) -> str:
    return (_COMMON / name).read_text(encoding="utf-8")


def strip_charset(html: str) -> str:
    return _META_CHARSET_RE.sub("", html)


def legacy_bytes(html: str, codec: str) -> bytes:
    # Characters the old code page lacks become numeric references, as old CMSs did.
    return html.encode(codec, errors="xmlcharrefreplace")


def truncate(html: str, first_lost_paragraph: str) -> str:
    """Cut the page inside the opening tag of the first paragraph that is lost."""
    at = html.find(first_lost_paragraph, max(0, html.find("<body")))
    if at < 0:
        raise ValueError("truncate: paragraph not found in page")
    tag = html.rfind("<", 0, at)
    return html[: tag + 2]


def malform(html: str) -> str:
    """Break the markup the way old hand-edited templates do, keeping the text."""
    html = re.sub(r"</(p|div|li|span)>", "", html)
    html = re.sub(r"(<body[^>]*>)",
                  r'\1<table width="100%"><tr><td><font face="Tahoma"><b><i><center>'
                  r'<div class="wrap"><span style="color:#900"">', html, count=1)
    html = html.replace("<h1", "</td></font></b><<>><h1", 1)
    html = html.replace("</body>", "</i></table></center><p><p><font>").replace("</html>", "")
    return html


def fail_once(key: str, ok: Response) -> "callable":
    def respond(ctx: RequestContext) -> Response:
        with ctx.lock:
            failed = ctx.state.setdefault("failed_once", set())
            first = key not in failed
            failed.add(key)
        if first:
            return Response(status=500, body=_template("error500.html").encode("utf-8"))
        return ok
    return respond


def huge(ok: Response) -> "callable":
    cache: dict[str, Response] = {}

    def respond(ctx: RequestContext) -> Response:
        if "r" not in cache:
            cache["r"] = _pad(ok)
        return cache["r"]
    return respond


def _pad(ok: Response) -> Response:
    html = ok.body.decode("utf-8")
    unit = '{"slot":"div-gpt-ad-%07d","sizes":[[300,250],[728,90]],"targeting":{"pos":"atf"}},'
    need = HUGE_BYTES - len(ok.body)
    count = max(1, -(-need // len(unit % 0)))
    blob = "".join(unit % i for i in range(count))
    script = f"<script>window.__AD_SLOTS__=[{blob}{{}}];</script>\n"
    body = html.replace("</body>", script + "</body>", 1).encode("utf-8")
    return Response(status=ok.status, body=body, content_type=ok.content_type,
                    headers=ok.headers, last_modified=ok.last_modified, conditional=ok.conditional)


def hang(page: Response) -> "callable":
    def respond(ctx: RequestContext) -> Response:
        ctx.stop.wait(ctx.hang_seconds)
        return page
    return respond


def challenge_page() -> Response:
    return Response(status=403, body=_template("challenge.html").encode("utf-8"),
                    headers={"Server": "cloudflare", "cf-mitigated": "challenge",
                             "Cache-Control": "private, no-store"})


def png_bytes(width: int = 64, height: int = 64) -> bytes:
    """A small valid PNG (a gradient), built here so no binary file is stored."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    rows = b"".join(b"\x00" + bytes((x * 4 + y) % 256 for x in range(width) for _ in range(3))
                    for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("report.txt", date_time=(2015, 5, 1, 0, 0, 0))
        zf.writestr(info, "quarterly report\n" * 200)
    return buf.getvalue()


def generic_page(behaviour: str, location_loop: str | None = None) -> Response:
    """Responses for the behaviours that do not use a site's templates."""
    if behaviour == "challenge":
        return challenge_page()
    if behaviour == "empty_200":
        return Response(status=200, body=b"", content_type=HTML_UTF8)
    if behaviour == "binary_png":
        return Response(status=200, body=png_bytes(), content_type="text/html")
    if behaviour == "binary_zip":
        return Response(status=200, body=zip_bytes(), content_type="text/html; charset=UTF-8")
    if behaviour == "hang":
        return Response(status=200, body=_template("late.html").encode("utf-8"))
    raise ValueError(f"no generic response for {behaviour!r}")


def decorate(text: str, salt: int = 0) -> str:
    """Re-type a text the way a copying site does: some tatweel, some short vowels.

    Folding (pipelines.arabic.fold_text) removes both, so the copy hashes the same.
    """
    words = text.split(" ")
    for i, w in enumerate(words):
        n = i + salt
        if n % 5 == 2 and len(w) >= 4 and w[1] in _JOINING:
            w = w[:2] + "\u0640\u0640" + w[2:]
        elif n % 7 == 3 and len(w) >= 3 and "\u0628" <= w[0] <= "\u064a":
            w = w[0] + "\u064e" + w[1:]
        words[i] = w
    return " ".join(words)
