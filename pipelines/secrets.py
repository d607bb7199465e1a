"""Secrets out of text: the password of every ``scheme://user:password@host`` URL.

``redact`` is the one function every log message, drop detail, run record and error
message that can hold a URL goes through (MONGO_URI, REDIS_URL, crawled URLs with
credentials). The user name stays (it says which account), the password becomes ``***``;
userinfo without a colon (a bare token) becomes ``***`` whole. The userinfo runs to the
last ``@`` before the host, so a password holding an unescaped ``@`` is hidden whole.
"""
from __future__ import annotations

import logging
import re
from typing import Any

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<info>[^\s/?#'\"<>]*)@")
# A bare authority without its scheme, as some parsers quote it ("invalid hostname:
# user:pw@host").
_BARE = re.compile(r"(?<![\w/:.%-])(?P<user>[\w.~%!$&'()*+,;=-]+):(?P<secret>[^\s/@:'\"<>]+)@(?=[\w\[])")
# Schemes written without "//" whose "name:x@host" is an address, not a password.
_OPAQUE_SCHEMES = frozenset({"mailto", "tel", "sms", "sip", "sips", "xmpp", "im", "news", "urn", "data",
                             "javascript", "geo", "fax", "callto", "skype"})
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
    return _BARE.sub(_mask_bare, _USERINFO.sub(_mask, text))


def _mask_bare(match: re.Match[str]) -> str:
    if match.group("user").lower() in _OPAQUE_SCHEMES:
        return match.group(0)
    return f"{match.group('user')}:{MASK}@"


def redact_all(value: Any) -> Any:
    """``redact`` through the strings of nested dicts, lists and tuples (for records)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_all(v) for v in value)
    return value


_installed = False
_FORMATTER = logging.Formatter()


def install_log_redaction() -> None:
    """Make every log record of this process go through ``redact`` (its message, once
    formatted with its arguments), whichever handler or formatter prints it. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.__class__ = _redacting_class(record.__class__)
        if record.exc_info and not record.exc_text:
            # formatted here, redacted, so no handler formats the raw traceback itself
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return record
    logging.setLogRecordFactory(factory)


_classes: dict[type[logging.LogRecord], type[logging.LogRecord]] = {}


def _redacting_class(base: type[logging.LogRecord]) -> type[logging.LogRecord]:
    if getattr(base, "_marsad_redacts", False):
        return base
    if base not in _classes:
        def get_message(self: logging.LogRecord) -> str:
            return str(redact(base.getMessage(self)))
        _classes[base] = type(f"Redacting{base.__name__}", (base,),
                              {"getMessage": get_message, "_marsad_redacts": True})
    return _classes[base]


__all__ = ["MASK", "install_log_redaction", "redact", "redact_all"]
