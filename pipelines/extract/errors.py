"""The one exception extraction raises, and the drop-reason vocabulary."""
from __future__ import annotations

# Reasons a page is not stored as an article; counted as ``marsad/dropped/<reason>``.
DROP_REASONS = frozenset({
    "not_article", "empty_body", "video_only", "too_short", "wrong_language",
    "soft_404", "challenge_page", "binary_content", "undecodable", "unparsable",
})


class ExtractionError(Exception):
    """A page that cannot be decoded or parsed at all.

    ``reason`` is one of ``DROP_REASONS``; ``detail`` says what was seen.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in DROP_REASONS:
            raise ValueError(f"unknown drop reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
