"""A candidate event: one trigger, then the event dict built around it."""
from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.events.factuality import OCCURRED, Decision


@dataclass
class Candidate:
    ttype: dict
    start: int                # trigger token span
    end: int
    sent: int
    clause: int
    strong: bool
    background: bool = False
    event: dict = field(default_factory=dict)
    inherited_location: bool = False
    mentions: int = 1
    subordinate: bool = False       # background because it follows «بعد/عقب»
    deadly: bool = False            # «اغتال»: at least one dead
    yields: bool = False            # «قتل»: gives way to any other trigger of its sentence
    twin_of: int | None = None      # a listed town split off another candidate
    headline: bool = False          # in the first line of a multi-paragraph text
    decision: Decision = field(default_factory=lambda: Decision(OCCURRED))
    definite: bool = False          # «الانفجار», «عملية الخطف»: the deed told as already known

