"""Bytes → text for HTML pages, with Arabic legacy encodings in mind.

Order of evidence: HTTP charset, byte-order mark, ``<meta charset>``/http-equiv, then
detection. A declared charset is only trusted when the bytes agree with it: Arabic
sites often serve windows-1256 bytes under an ISO-8859-1 header or a utf-8 meta tag,
and a Latin decode of such bytes gives mojibake («ÇáÚÑÈíÉ») where windows-1256 gives
Arabic. When nothing is declared, UTF-8 is tried strictly, then windows-1256, then
charset-normalizer.
"""
from __future__ import annotations

import codecs
import re

from .errors import ExtractionError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# File signatures of formats that are never HTML.
_MAGIC = (
    b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF",
    b"\x1f\x8b", b"BZh", b"7z\xbc\xaf", b"Rar!", b"OggS", b"ID3", b"\x00asm",
    b"\x7fELF", b"MZ", b"wOFF", b"wOF2", b"\x00\x00\x01\x00", b"fLaC",
)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([-\w.:]+)", re.I)
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([-\w.:]+)", re.I)
# Labels browsers treat as windows-1252 (the WHATWG encoding standard does the same).
_LATIN_LABELS = {"iso8859-1", "latin-1", "cp1252", "ascii", "iso8859-15", "cp819"}
_ARABIC_RE = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_NON_ASCII_LETTER_RE = re.compile(r"[^\W\d_a-zA-Z]")
_JUNK_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_SAMPLE = 65536


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("x-user-defined", "unicode", "utf-16", "utf-32"):
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _LATIN_LABELS else name


_PUBLIC_NAMES = {"utf-8": "utf-8", "cp1256": "windows-1256", "cp1252": "windows-1252",
                 "iso8859-6": "iso-8859-6", "cp720": "cp720", "cp864": "cp864"}


def _public_name(codec: str) -> str:
    return _PUBLIC_NAMES.get(codec, codec)


def _arabic_share(text: str, min_letters: int = 20) -> float:
    """Share of Arabic letters among non-ASCII letters (1.0 = clean Arabic)."""
    letters = _NON_ASCII_LETTER_RE.findall(text)
    if len(letters) < min_letters:
        return 0.0
    return sum(1 for c in letters if _ARABIC_RE.match(c)) / len(letters)


def _junk_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_JUNK_RE.findall(text)) / len(text)


# Control bytes other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _looks_binary(body: bytes) -> str | None:
    head = body[:16]
    for magic in _MAGIC:
        if head.startswith(magic):
            return f"file signature {magic[:6]!r}"
    sample = body[:4096]
    nul = sample.count(0)
    if nul and nul / len(sample) > 0.02:
        return f"{nul} NUL bytes in the first {len(sample)}"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls / max(len(sample), 1) > 0.1:
        return f"{controls} control bytes in the first {len(sample)}"
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_utf8_prefix(data: bytes) -> bool:
    """Valid UTF-8, allowing a multibyte character cut off at the end of the sample."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_lenient(body: bytes) -> str | None:
    """UTF-8 with a few broken bytes (truncated multibyte sequences, stray bytes).

    Judged against the non-ASCII bytes: in damaged UTF-8 a handful of them fail, in
    windows-1256 text nearly all of them do.
    """
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = sum(1 for b in body[:_SAMPLE * 4] if b >= 0x80)
    if bad == 0 or bad <= 0.02 * non_ascii:
        return text
    return None


def _validated(body: bytes, codec: str) -> str | None:
    """Decode with ``codec`` if the bytes agree with it, else None."""
    if codec == "utf-8":
        return _strict(body, "utf-8") or _utf8_lenient(body)
    sample = body[:_SAMPLE]
    if any(b >= 0x80 for b in sample) and _is_utf8_prefix(sample):
        # Multibyte UTF-8 sequences do not happen by chance in single-byte text: the
        # declaration is wrong (a UTF-8 page still labelled with its old charset).
        return None
    text = _strict(body, codec)
    if text is None:
        return None
    if codec not in ("cp1256", "iso8859-6", "cp720", "cp864"):
        # A non-Arabic single-byte charset: mojibake if windows-1256 reads the same
        # high bytes as Arabic.
        sample = body[:_SAMPLE]
        if any(b >= 0xC0 for b in sample):
            if _arabic_share(sample.decode("cp1256", "replace")) > 0.8 \
                    and _arabic_share(text[:_SAMPLE]) < 0.5:
                return None
    return text


def _detect(body: bytes) -> tuple[str, str] | None:
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = _utf8_lenient(body)
    if text is not None:
        # Consecutive windows-1256 letters are never valid UTF-8, so a body that is
        # UTF-8 but for a few bytes is UTF-8 with damage, not a legacy page.
        return text, "utf-8"
    sample = body[:_SAMPLE]
    # Nothing declared and not UTF-8: on an Arabic site that is windows-1256 or, on
    # older Unix-made sites, ISO-8859-6. Both put Arabic letters in the upper half but
    # not at the same places; the one whose letters are all Arabic wins.
    cp1256 = _arabic_share(sample.decode("cp1256", "replace"), min_letters=3)
    iso = _strict(sample, "iso8859-6")
    if iso is not None and _arabic_share(iso, min_letters=3) > max(cp1256, 0.8):
        text = _strict(body, "iso8859-6")
        if text is not None:
            return text, "iso8859-6"
    if cp1256 > 0.8:
        return body.decode("cp1256", "replace"), "cp1256"
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(sample).best()
    except Exception:  # the detector is a heuristic; its failure is not ours to raise
        best = None
    if best is not None:
        codec = _codec(best.encoding)
        if codec:
            text = body.decode(codec, "replace")
            if _junk_share(text) < 0.05:
                return text, codec
    return None


# Two UTF-8 Arabic letters in a row: never made by chance by windows-1256 text, where
# the lead bytes D8-DB are letters and 80-BF mostly punctuation.
_UTF8_ARABIC_PAIR_RE = re.compile(rb"[\xd8-\xdb][\x80-\xbf][\xd8-\xdb][\x80-\xbf]")
_CHUNK_RE = re.compile(rb"<?[^<]*")
# The encoding reported for a body that mixed both: each part decoded as what it is.
MIXED_ENCODING = "utf-8+windows-1256"


def _mixed(body: bytes) -> str | None:
    """A body made of UTF-8 and windows-1256 parts (templates in one, stored text in the
    other), decoded part by part: each stretch from one ``<`` to the next is UTF-8 when it
    is valid UTF-8, windows-1256 otherwise. None unless both parts hold Arabic text."""
    if len(_UTF8_ARABIC_PAIR_RE.findall(body[:_SAMPLE * 4])) < 10:
        return None
    parts: list[str] = []
    utf8_letters = legacy_letters = 0
    for m in _CHUNK_RE.finditer(body):
        chunk = m.group()
        if not chunk:
            continue
        text = chunk.decode("utf-8", "replace")
        bad = text.count("\ufffd")
        # A stretch of UTF-8 with a broken byte or two stays UTF-8 (as _utf8_lenient);
        # one where most high bytes fail is windows-1256.
        if bad and bad > 0.1 * (sum(1 for c in text if c > "\x7f") - bad):
            text = chunk.decode("cp1256", "replace")
            legacy_letters += len(_ARABIC_RE.findall(text))
        elif not text.isascii():
            utf8_letters += len(_ARABIC_RE.findall(text))
        parts.append(text)
    if utf8_letters < 20 or legacy_letters < 20:
        return None
    return "".join(parts)


def _declared(body: bytes, content_type: str | None) -> list[str]:
    found: list[str] = []
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        if m and (codec := _codec(m.group(1))):
            found.append(codec)
    meta = _META_CHARSET_RE.search(body[:8192])
    if meta and (codec := _codec(meta.group(1).decode("ascii", "replace"))):
        found.append(codec)
    return found


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML response body; returns ``(text, encoding)``.

    A body that mixes UTF-8 and windows-1256 parts is decoded part by part and reported
    as ``MIXED_ENCODING`` (the article is flagged ``mixed_encoding``).

    Raises ``ExtractionError("binary_content")`` for images, archives and other
    binary data, ``ExtractionError("undecodable")`` when no encoding fits.
    """
    if isinstance(body, str):
        return body, "utf-8"
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise ExtractionError("undecodable", f"body is {type(body).__name__}, not bytes")
    body = bytes(body)
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(codec, "replace")
            if _junk_share(text) < 0.05:
                return text, codec
            raise ExtractionError("undecodable", f"{codec} byte-order mark but not {codec} text")
    if reason := _looks_binary(body):
        raise ExtractionError("binary_content", reason)
    if _strict(body, "utf-8") is None and (mixed := _mixed(body)) is not None:
        # Whatever is declared, one charset would turn half the page into mojibake.
        return mixed, MIXED_ENCODING
    for codec in _declared(body, content_type):
        declared = _validated(body, codec)
        if declared is not None and _junk_share(declared[:_SAMPLE]) < 0.05:
            return declared, _public_name(codec)
    found = _detect(body)
    if found is None or _junk_share(found[0][:_SAMPLE]) >= 0.05:
        raise ExtractionError("undecodable", "no encoding yields text")
    return found[0], _public_name(found[1])
