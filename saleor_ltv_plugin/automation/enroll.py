"""What a trigger finds (a candidate), the holdout draw, and a ready scenario's outbox rows.

Enrollments are made by automation/flows/entry.py; `scenario_messages` lays out a ready
scenario's steps as outbox rows the way the scenario scan did (see flows/interim.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import DeliveryKind, Enrollment, OutboxMessage
from .settings import ScenarioConfig

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


def scenario_messages(config: ScenarioConfig, enrollment: Enrollment, candidate: Candidate, now: datetime):
    scenario = config.scenario
    key = f"{scenario.key}:{config.channel}:{enrollment.trigger_ref}"
    common = dict(enrollment=enrollment, scenario=scenario.key, channel=config.channel,
                  account_id=candidate.account_id, created_at=now)
    if scenario.mails_buyer and not enrollment.holdout:
        steps = [(i, enrollment.anchor_at + timedelta(hours=h)) for i, h in enumerate(config.params["delays_hours"])]
        past = [s for s in steps if s[1] <= now]
        # Of the steps already due, only the latest is sent, and only if it is recent.
        keep = [s for s in steps if s[1] > now] + ([past[-1]] if past and now - past[-1][1] <= STALE_AFTER else [])
        for index, due in sorted(keep):
            for contact_id in candidate.contact_ids:
                yield OutboxMessage(idempotency_key=f"{key}:{index}:{contact_id}", step=index, kind=DeliveryKind.EMAIL,
                                    contact_id=contact_id, due_at=max(due, now), **common)
    for offset, kind in enumerate(scenario.staff_steps):
        due = enrollment.anchor_at
        if kind == DeliveryKind.CALL_TASK:
            if enrollment.holdout or not candidate.call_eligible:
                continue
            due += timedelta(hours=config.params["call_after_hours"])
        yield OutboxMessage(idempotency_key=f"{key}:{kind}", step=STAFF_STEP_BASE + offset, kind=kind,
                            due_at=max(due, now), **common)
