"""Merged events: one real-world event linking the per-article event reports; see README.md."""
from .merge import (
                    INCIDENTS,
                    INCIDENTS_VERSION,
                    ensure_incident_indexes,
                    incident_document,
                    merge_reports,
                    reprocess_incidents,
)
from .rules import merge_confidence, merged_fatalities, merged_fields, pair_score, report_from_event

__all__ = ["INCIDENTS", "INCIDENTS_VERSION", "ensure_incident_indexes", "incident_document", "merge_reports",
           "reprocess_incidents", "merge_confidence", "merged_fatalities", "merged_fields", "pair_score",
           "report_from_event"]
