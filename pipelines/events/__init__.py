"""Conflict events (ACLED vocabulary) extracted from Arabic news text.

``extract_events(text, published=..., timezone=..., source=...)`` returns a list of event
dicts; ``analyse(...)`` returns them with the candidates that are not events (each with its
factuality decision and cue). Bad input gives nothing; an internal error raises
``EventExtractionError`` so that the caller records it. See ``pipelines/events/README.md``.
"""
from pipelines.events.extractor import (
                                        EXTRACTOR_VERSION,
                                        EventExtractionError,
                                        Extraction,
                                        analyse,
                                        extract_events,
)

__all__ = ["EXTRACTOR_VERSION", "EventExtractionError", "Extraction", "analyse", "extract_events"]
