"""Making crawled values safe to write to MongoDB.

A crawled page controls its metadata: JSON-LD keys with ``$`` or ``.``, control
characters, lone surrogates from broken decoders, integers beyond 64 bits, megabyte
titles, nesting deeper than BSON allows. Any of these can fail a whole bulk write, so
every value goes through ``sanitise`` first. What was changed is recorded as flags on
the document (``sanitised``), so nothing is altered silently.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

# C0 controls except tab/newline/carriage return, DEL, and C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANY_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_INT64 = (-(2**63), 2**63 - 1)

MAX_DEPTH = 20
MAX_NESTED_STRING = 10_000
MAX_LIST_ITEMS = 1_000

# Percent-style escaping keeps keys readable and reversible (unescape_key), unlike
# the full-width look-alikes some tools substitute.
_KEY_ESCAPES = {"%": "%25", "$": "%24", ".": "%2E", "\x00": ""}
_KEY_RE = re.compile("[%$.\x00]")


def escape_key(key: str) -> str:
    """A key MongoDB accepts: ``%``, ``$`` and ``.`` percent-escaped, NUL removed."""
    return _KEY_RE.sub(lambda m: _KEY_ESCAPES[m.group()], key)


def unescape_key(key: str) -> str:
    """The original key of an escaped one (NUL characters are not restored)."""
    return key.replace("%2E", ".").replace("%24", "$").replace("%25", "%")


def clean_string(text: str, flags: set[str] | None = None, *, single_line: bool = False) -> str:
    """Remove control characters and lone surrogates; with ``single_line`` also fold line
    breaks and runs of white space into single spaces (titles, names)."""
    if _CONTROL_RE.search(text) or _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))
        if flags is not None:
            flags.add("control_chars_stripped")
    if single_line:
        text = " ".join(_ANY_CONTROL_RE.sub(" ", text).split())
    return text


def cap_string(text: str, limit: int, flag: str, flags: set[str]) -> str:
    if len(text) > limit:
        flags.add(flag)
        return text[:limit]
    return text


def sanitise(value: Any, flags: set[str], *, max_string: int = MAX_NESTED_STRING, _depth: int = 0) -> Any:
    """A BSON-safe copy of ``value`` (JSON-like data, bytes, datetimes); changes add flags."""
    if value is None or isinstance(value, (bool, _dt.datetime)):
        return value
    if isinstance(value, str):
        return cap_string(clean_string(value, flags), max_string, "string_truncated", flags)
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return value
        flags.add("big_int_as_string")
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if _depth >= MAX_DEPTH:
        flags.add("too_deep")
        return cap_string(clean_string(repr(value)), max_string, "string_truncated", flags)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in list(value.items())[:MAX_LIST_ITEMS]:
            name = clean_string(key if isinstance(key, str) else str(key))
            safe = escape_key(name)
            if safe != name:
                flags.add("keys_escaped")
            out[safe] = sanitise(item, flags, max_string=max_string, _depth=_depth + 1)
        if len(value) > MAX_LIST_ITEMS:
            flags.add("items_truncated")
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if len(items) > MAX_LIST_ITEMS:
            flags.add("items_truncated")
            items = items[:MAX_LIST_ITEMS]
        return [sanitise(item, flags, max_string=max_string, _depth=_depth + 1) for item in items]
    flags.add("coerced_to_string")
    return cap_string(clean_string(str(value)), max_string, "string_truncated", flags)
