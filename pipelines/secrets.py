"""Secrets out of text: the password of every ``scheme://user:password@host`` URL.

``redact`` is the one function every log message, drop detail, run record and error
message that can hold a URL goes through (MONGO_URI, REDIS_URL, crawled URLs with
credentials). The user name stays (it says which account), the password becomes ``***``;
userinfo without a colon (a bare token) becomes ``***`` whole. The userinfo runs to the
last ``@`` before the host, so a password holding an unescaped ``@`` is hidden whole.
"""
from __future__ import annotations

import re
from typing import Any

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<info>[^\s/?#'\"<>]*)@")
MASK = "***"


def _mask(match: re.Match[str]) -> str:
    info = match.group("info")
    user, colon, _secret = info.partition(":")
    hidden = f"{user}:{MASK}" if colon else MASK
    return f"{match.group('scheme')}{hidden}@"


def redact(text: Any) -> Any:
    """``text`` with every URL password replaced by ``***`` (non-strings as they are)."""
    if not isinstance(text, str) or "@" not in text:
        return text
    return _USERINFO.sub(_mask, text)


def redact_all(value: Any) -> Any:
    """``redact`` through the strings of nested dicts, lists and tuples (for records)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_all(v) for v in value)
    return value


__all__ = ["MASK", "redact", "redact_all"]
