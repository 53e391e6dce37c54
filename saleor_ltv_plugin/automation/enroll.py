"""What a trigger finds (a candidate) and the holdout draw.

Enrollments are made by automation/flows/entry.py and moved step by step by flows/runtime.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta


# A step whose time passed long ago (a scenario switched on over old data) is not sent late.
STALE_AFTER = timedelta(hours=24)
STAFF_STEP_BASE = 100  # staff steps are numbered after any buyer mail


@dataclass
class Candidate:
    trigger_ref: str
    anchor_at: datetime
    account_id: int | None = None
    contact_ids: list[int] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    call_eligible: bool = False
    start_at: datetime | None = None  # when the flow's first step runs; None: at the anchor


def in_holdout(scenario: str, unit: str, percent: int) -> bool:
    """Stable per scenario and account (or contact): the same unit is always in or out."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{scenario}:{unit}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent
