"""Turn trigger candidates into enrollments and their outbox rows, each exactly once.

Both inserts skip conflicts on a unique key, so two scans of the same moment (two
beat schedulers, a retried task) create every enrollment and every message once.
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


def in_holdout(scenario: str, unit: str, percent: int) -> bool:
    """Stable per scenario and account (or contact): the same unit is always in or out."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{scenario}:{unit}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def enroll(config: ScenarioConfig, candidates: list[Candidate], now: datetime) -> int:
    """Create what is new among the candidates; returns the number of new enrollments."""
    if not candidates:
        return 0
    scenario = config.scenario.key
    by_ref = {c.trigger_ref: c for c in candidates}
    known = set()
    refs = list(by_ref)
    for start in range(0, len(refs), 5000):
        known.update(Enrollment.objects.filter(scenario=scenario, trigger_ref__in=refs[start:start + 5000])
                     .values_list("trigger_ref", flat=True))
    fresh = [c for ref, c in by_ref.items() if ref not in known]
    if not fresh:
        return 0
    rows = []
    for c in fresh:
        unit = f"a{c.account_id}" if c.account_id else f"c{c.contact_ids[0] if c.contact_ids else 0}"
        rows.append(Enrollment(
            scenario=scenario, channel=config.channel, trigger_ref=c.trigger_ref, account_id=c.account_id,
            contact_id=c.contact_ids[0] if len(c.contact_ids) == 1 else None, anchor_at=c.anchor_at,
            holdout=in_holdout(scenario, unit, config.holdout_percent), context=c.context, created_at=now,
        ))
    Enrollment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    created = {e.trigger_ref: e for e in Enrollment.objects.filter(
        scenario=scenario, channel=config.channel, trigger_ref__in=[c.trigger_ref for c in fresh],
        messages__isnull=True)}
    messages = []
    for ref, enrollment in created.items():
        messages.extend(_messages(config, enrollment, by_ref[ref], now))
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=2000)
    return len(created)


def _messages(config: ScenarioConfig, enrollment: Enrollment, candidate: Candidate, now: datetime):
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
