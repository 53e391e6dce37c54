"""Flow entry: every live flow's trigger → candidates → enrollments pinned to its live version.

An enrollment starts at the definition's `start` step, due at `next_at` (the trigger's moment:
an abandoned cart's idle time, a date's hour, now); the runtime (flows/runtime.py) moves it on
from there. Entry is set-based — a few queries per flow, one bulk insert (flows/bulk.py: COPY
and INSERT … ON CONFLICT DO NOTHING on PostgreSQL) — and idempotent: an enrollment's (flow key,
channel, trigger reference) is unique, so two scans of the same moment create each once; the
flow's row is locked for its entry, so two scans of one flow run one after the other (segment
membership snapshots stay consistent).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ... import conf
from ...models import Enrollment, EnrollmentState, Flow, FlowState
from ..enroll import Candidate, in_holdout
from ..triggers import FINDERS, Occasion, segment_entries, segment_members, signature
from . import bulk, trigger_kinds
from .definition import Definition, parse

logger = logging.getLogger(__name__)
CHUNK = 5000


def enter(now: datetime | None = None, channel: str | None = None) -> dict[str, int]:
    """New enrollments per `channel/flow key`, for every live flow (of one channel, if given)."""
    now = now or timezone.now()
    flows = Flow.objects.filter(state=FlowState.LIVE, live_version__isnull=False).select_related("live_version")
    if channel:
        flows = flows.filter(channel=channel)
    counts = {}
    for flow in flows.order_by("channel", "key"):
        counts[f"{flow.channel}/{flow.key}"] = enter_flow(flow, now)
    logger.info("ltv flow entry: %s", counts)
    return counts


def unavailable(trigger: dict) -> str | None:
    """Why a trigger cannot run on this shop's data (publishing refuses it), or None."""
    return trigger_kinds.UNAVAILABLE.get(signature(trigger))


def timing(definition: Definition) -> tuple[float, float]:
    """(hours of delay before the first message, hours of delay up to the last), along the main
    path (first successors). The ready scenarios' finders measure their windows in these."""
    wait, clock, span, seen = None, 0.0, 0.0, set()
    step_id = definition.start
    while step_id and step_id not in seen:
        seen.add(step_id)
        step = definition.steps[step_id]
        if step.kind == "delay":
            clock += step.params.get("hours") or (24 if step.params.get("until_hour") is not None else 0)
        elif step.kind in ("send", "staff"):
            wait = clock if wait is None else wait
            span = clock
        successors = step.successors()
        step_id = successors[0] if successors else None
    return wait or 0.0, span


def enter_flow(flow: Flow, now: datetime) -> int:
    """New enrollments of one flow; nothing for a paused or broken one."""
    definition, problems = parse(flow.live_version.definition)
    if problems:  # a live version was checked when published; a vocabulary change may break it
        logger.warning("flow %s/%s: live version not valid, not entered: %s", flow.channel, flow.key, problems)
        return 0
    reason = unavailable(definition.trigger)
    if reason:
        logger.warning("flow %s/%s not entered: %s", flow.channel, flow.key, reason)
        return 0
    shop = conf.channel_settings(flow.channel)
    wait, span = timing(definition)
    occasion = Occasion(channel=flow.channel, shop=shop, now=now, flow_key=flow.key, wait_hours=wait,
                        span_hours=span, exit_on=definition.exit_on, flow_id=flow.pk,
                        published_at=flow.live_version.published_at)
    with transaction.atomic():
        locked = Flow.objects.select_for_update().filter(pk=flow.pk, state=FlowState.LIVE,
                                                         live_version_id=flow.live_version_id)
        if not locked.exists():  # paused or republished meanwhile: the next scan enters it
            return 0
        candidates = candidates_of(definition, occasion)
        candidates = admitted(flow, definition, candidates, now)
        return _create(flow, definition, candidates, now, shop)


def candidates_of(definition: Definition, occasion: Occasion) -> list[Candidate]:
    trigger = definition.trigger
    found = list(FINDERS[signature(trigger)](trigger, occasion))
    if trigger.get("also_segment_id"):
        found.extend(segment_entries(trigger["also_segment_id"], occasion))
    return found


def admitted(flow: Flow, definition: Definition, candidates: list[Candidate], now: datetime) -> list[Candidate]:
    """The candidates the entry filter and the re-entry rule let in, one per reference (and,
    unless every trigger may enter again, one per account or contact)."""
    segment_id = definition.entry.get("segment_id")
    if segment_id and candidates:
        members = segment_members(segment_id, flow.channel)
        allowed = set(members.values_list("account_id", flat=True)) if members is not None else set()
        candidates = [c for c in candidates if c.account_id in allowed]
    mode = definition.reentry.get("mode", "never")
    by_ref = {}
    for c in candidates:
        by_ref.setdefault(c.trigger_ref, c)
    candidates = list(by_ref.values())
    if mode == "each_trigger" or not candidates:
        return candidates
    earlier = Enrollment.objects.filter(scenario=flow.key, channel=flow.channel)
    if mode == "after_days":
        earlier = earlier.filter(created_at__gt=now - timedelta(days=definition.reentry["days"]))
    taken = {_unit(a, c) for a, c in earlier.values_list("account_id", "contact_id")}
    fresh = []
    for c in candidates:
        unit = _unit(c.account_id, c.contact_ids[0] if c.contact_ids else None)
        if unit not in taken:
            taken.add(unit)
            fresh.append(c)
    return fresh


def _unit(account_id: int | None, contact_id: int | None) -> str:
    """Who an enrollment is for: the account, or the contact when it has none (the holdout's unit too)."""
    return f"a{account_id}" if account_id else f"c{contact_id or 0}"


ENROLLMENT_FIELDS = ["scenario", "channel", "trigger_ref", "account_id", "contact_id", "anchor_at", "holdout",
                     "context", "created_at", "flow_id", "flow_version_id", "state", "position", "next_at",
                     "stop_reason", "variants"]


def _create(flow: Flow, definition: Definition, candidates: list[Candidate], now: datetime, shop) -> int:
    """Insert the candidates' enrollments; a reference already entered is skipped (the unique key)."""
    if not candidates:
        return 0
    known = set()
    if not bulk.counts_exactly():  # the count must leave out references already entered
        refs = [c.trigger_ref for c in candidates]
        for start in range(0, len(refs), CHUNK):
            known.update(Enrollment.objects.filter(scenario=flow.key, channel=flow.channel,
                                                   trigger_ref__in=refs[start:start + CHUNK])
                         .values_list("trigger_ref", flat=True))
    percent = int(definition.holdout_percent if definition.holdout_percent is not None else shop.holdout_percent)
    rows = []
    for c in candidates:
        if c.trigger_ref in known:
            continue
        contact_id = c.contact_ids[0] if c.contact_ids else None
        rows.append((flow.key, flow.channel, c.trigger_ref, c.account_id,
                     contact_id if len(c.contact_ids) == 1 else None, c.anchor_at,
                     in_holdout(flow.key, _unit(c.account_id, contact_id), percent), c.context, now, flow.pk,
                     flow.live_version_id, EnrollmentState.ACTIVE.value, definition.start, c.start_at or c.anchor_at,
                     "", {}))
    return bulk.insert_new(Enrollment, ENROLLMENT_FIELDS, rows)
