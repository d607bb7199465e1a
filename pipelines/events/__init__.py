"""Conflict events (ACLED vocabulary) extracted from Arabic news text.

``extract_events(text, published=..., timezone=..., source=...)`` returns a list of event
dicts; it never raises. See ``pipelines/events/README.md`` for the fields and the data.
"""
from pipelines.events.extractor import EXTRACTOR_VERSION, extract_events

__all__ = ["EXTRACTOR_VERSION", "extract_events"]
