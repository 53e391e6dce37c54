"""The inbound-event log: record cheaply, apply later, retry what failed.

The host's capture (inside Saleor: its hooks) records a reference (kind +
object id) with one INSERT and returns; `process_due` applies events in batches from a Celery task. Applying
re-reads the object's current state, so replays in any order converge. A
failed event is retried with exponential backoff and kept, with its error,
after the last attempt ("dead") for an operator to look at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import InboundEvent, InboundStatus
from . import catalogue, checkouts, identity, orders, payloads, rekey

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 500

# applier(events of one object, newest last). The host's capture records references (the object is
# re-read when applied) and installs their applier; every other event carries its whole fact.
Applier = Callable[[list[InboundEvent]], None]
_host_capture: tuple[str, Applier] | None = None


def set_host_applier(source: str | None, applier: Applier | None) -> None:
    """hosts.install: events of `source` (what the host's own capture records) go to `applier`."""
    global _host_capture
    _host_capture = (source, applier) if source and applier else None


def record(source: str, kind: str, object_ref: str, payload: dict | None = None) -> InboundEvent:
    """One INSERT. A host's capture wraps this in a savepoint and swallows errors."""
    return InboundEvent.objects.create(
        source=source, kind=kind, object_ref=object_ref, payload=payload or {},
        next_attempt_at=timezone.now(),
    )


def record_many(source: str, events: list[tuple[str, str, dict | None]]) -> None:
    """(kind, object_ref, payload) of several objects in one INSERT."""
    now = timezone.now()
    rows = [InboundEvent(source=source, kind=kind, object_ref=ref, payload=payload or {}, next_attempt_at=now)
            for kind, ref, payload in events]
    if len(rows) == 1:  # most webhooks: bulk_create would wrap its one INSERT in BEGIN … COMMIT
        rows[0].save(force_insert=True)
    elif rows:
        InboundEvent.objects.bulk_create(rows)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _applier_for(source: str) -> Applier:
    if _host_capture is not None and source == _host_capture[0]:
        return _host_capture[1]
    return apply_payload_events


def _claim(now: datetime, limit: int) -> list[InboundEvent]:
    due = InboundEvent.objects.filter(
        Q(status__in=[InboundStatus.PENDING, InboundStatus.FAILED]),
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True),
    ).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    return list(due[:limit])


def process_due(now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Apply due events in one batch; returns counts by outcome."""
    now = now or timezone.now()
    counts = {"done": 0, "failed": 0, "dead": 0}
    with transaction.atomic():
        events = _claim(now, limit)
        groups: dict[tuple[str, str], list[InboundEvent]] = {}
        for event in events:
            groups.setdefault((event.source, event.object_ref), []).append(event)
        for (source, _ref), group in groups.items():
            outcome = _apply_group(source, group, now)
            counts[outcome] += len(group)
    return counts


def _apply_group(source: str, group: list[InboundEvent], now: datetime) -> str:
    try:
        with transaction.atomic():
            _applier_for(source)(group)
    except Exception as exc:  # noqa: BLE001 — any failure is kept and retried
        logger.warning("ltv: applying %s %s failed: %s", source, group[-1].object_ref, exc)
        attempts = max(e.attempts for e in group) + 1
        status = InboundStatus.DEAD if attempts >= MAX_ATTEMPTS else InboundStatus.FAILED
        InboundEvent.objects.filter(pk__in=[e.pk for e in group]).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=now + backoff(attempts),
        )
        return "dead" if status == InboundStatus.DEAD else "failed"
    InboundEvent.objects.filter(pk__in=[e.pk for e in group]).update(
        status=InboundStatus.DONE, processed_at=now, last_error=""
    )
    return "done"


def drain(max_batches: int = 1000, now: datetime | None = None) -> dict[str, int]:
    """Process until nothing is due (or max_batches); for tasks, commands and tests."""
    totals = {"done": 0, "failed": 0, "dead": 0}
    for _ in range(max_batches):
        counts = process_due(now=now)
        for key, value in counts.items():
            totals[key] += value
        if sum(counts.values()) == 0 or counts["done"] == 0:
            break
    return totals


def apply_payload_events(group: list[InboundEvent]) -> None:
    """Events that carry their whole fact (REST, CSV, demo): apply each in order."""
    for event in group:
        kind, payload = event.kind, event.payload
        if kind == "order":
            orders.upsert_orders([payloads.order_from_json(payload)])
        elif kind == "checkout":
            checkouts.upsert_checkout(payloads.checkout_from_json(payload))
        elif kind == "customer":
            rekey.rekey_orders_of(identity.upsert_customer(payloads.customer_data_from_json(payload)))
        elif kind == "erase":
            identity.erase_customer(payload.get("user_id"), payload.get("email"))
        else:
            raise ValueError(f"unknown event kind {kind!r}")
        if payload.get("catalogue"):  # what an order's or a cart's lines told of their products (merged in)
            catalogue.store_products(payloads.products_from_json(payload["catalogue"]), merge=True)


def purge_done(older_than: timedelta = timedelta(days=14), now: datetime | None = None) -> int:
    """Applied events are only an audit trail; keep two weeks of them."""
    now = now or timezone.now()
    deleted, _ = InboundEvent.objects.filter(
        status=InboundStatus.DONE, processed_at__lt=now - older_than
    ).delete()
    return deleted
