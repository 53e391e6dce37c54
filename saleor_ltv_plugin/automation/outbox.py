"""Sending the outbox: claim due rows under a lease, re-check them, deliver, record.

States: pending → sending (claimed under a lease; ``attempts`` is the fencing token) →
committing (handed over: the message may reach the server from here) → sent (the server
accepted it). A row reads as sent only after the server's acceptance. A worker lost while
``sending`` never handed the message over: the row is sent again. A worker lost while
``committing`` may or may not have delivered it: once its lease runs out the sweeper
(``release_expired``, run by the beat and at the start of every send run) sends it again
with the same Message-ID — at-least-once, and a copy the receiving server can fold.
"""

from __future__ import annotations

import contextlib
import logging
import time
import zoneinfo
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from ..addresses import address_problem
from ..models import (
    Alert,
    AlertKind,
    CheckoutFact,
    CheckoutState,
    ConsentState,
    MessageStatus,
    OrderFact,
    OutboxMessage,
)
from . import catalog, render
from . import settings as scenario_settings
from .channels import DEAD, LOST_LEASE, RETRY, SENT, UNCONFIRMED, Outcome, webhook
from .channels.email import sender as email_sender

logger = logging.getLogger(__name__)
BATCH = 100
MAX_ATTEMPTS = 8
ACTIVITY_ANCHORED = ("abandoned_checkout", "browse_abandonment", "registered_no_purchase")


def lease() -> timedelta:
    return timedelta(seconds=getattr(django_settings, "LTV_OUTBOX_LEASE_SECONDS", 300))


def backoff(attempts: int) -> timedelta:
    """1 min, 2, 4 … capped at 6 h."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def claim(limit: int, now: datetime) -> list[OutboxMessage]:
    with transaction.atomic():
        due = (OutboxMessage.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.FAILED], due_at__lte=now)
               .order_by("due_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            OutboxMessage.objects.filter(id__in=ids).update(
                status=MessageStatus.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)
    return list(OutboxMessage.objects.filter(id__in=ids).select_related("enrollment", "contact", "account")
                .order_by("due_at", "id"))


IN_FLIGHT = (MessageStatus.SENDING, MessageStatus.COMMITTING)


def _mine(message: OutboxMessage, statuses=(MessageStatus.SENDING,)):
    return OutboxMessage.objects.filter(pk=message.pk, status__in=statuses, attempts=message.attempts)


def _commit_sent(message: OutboxMessage, now: datetime) -> bool:
    """For channels whose receiver has already accepted when they call it (webhook, alert)."""
    return _mine(message).update(status=MessageStatus.SENT, sent_at=now, lease_until=None) == 1


def _hand_over(message: OutboxMessage, now: datetime) -> bool:
    """The last moment the message can be taken back; the window gets a fresh lease."""
    lease_until = max(now, timezone.now()) + lease()
    return _mine(message).update(status=MessageStatus.COMMITTING, lease_until=lease_until) == 1


def _accepted(message: OutboxMessage, now: datetime) -> bool:
    # Still ours, or swept back to pending and not claimed since (attempts unchanged).
    return _mine(message, (MessageStatus.COMMITTING, MessageStatus.PENDING)).update(
        status=MessageStatus.SENT, sent_at=now, lease_until=None) == 1


def _skip(message: OutboxMessage, reason: str, now: datetime, stop: bool = False) -> None:
    _mine(message).update(status=MessageStatus.SKIPPED, skip_reason=reason, lease_until=None)
    if stop and message.enrollment.stopped_at is None:
        type(message.enrollment).objects.filter(pk=message.enrollment_id, stopped_at__isnull=True).update(
            stopped_at=now, stop_reason=reason)


def _defer(message: OutboxMessage, until: datetime) -> None:
    # Waiting out quiet hours is not a failed attempt.
    _mine(message).update(status=MessageStatus.PENDING, due_at=until, lease_until=None, attempts=F("attempts") - 1)


def _record(message: OutboxMessage, outcome: Outcome, now: datetime) -> str:
    if outcome.status == LOST_LEASE:
        return LOST_LEASE
    if outcome.status == SENT:
        if outcome.committed or _accepted(message, now):
            return SENT
        logger.warning("ltv outbox: message %s was accepted after another worker took it; its copy carries "
                       "the same Message-ID", message.pk)
        return LOST_LEASE
    if outcome.status == UNCONFIRMED:  # stays committing: the sweeper resends it once the lease runs out
        _mine(message, (MessageStatus.COMMITTING,)).update(last_error=outcome.detail[:500])
        return UNCONFIRMED
    rows = _mine(message, IN_FLIGHT)
    give_up = outcome.status == DEAD or message.attempts >= MAX_ATTEMPTS
    rows.update(status=MessageStatus.DEAD if give_up else MessageStatus.FAILED, sent_at=None, lease_until=None,
                last_error=outcome.detail[:2000], due_at=now + backoff(message.attempts))
    return DEAD if give_up else RETRY


class Batch:
    """Send-time facts for a claimed batch, fetched in a handful of queries."""

    def __init__(self, messages: list[OutboxMessage], now: datetime):
        self.now = now
        self.configs = {ch: scenario_settings.load(ch) for ch in {m.channel for m in messages}}
        accounts = {m.account_id for m in messages if m.account_id}
        contacts = {m.contact_id for m in messages if m.contact_id}
        purchases = OrderFact.objects.filter(counts_as_purchase=True)
        self.last_order_by_account = dict(purchases.filter(account_id__in=accounts).values("account_id")
                                          .annotate(last=Max("created_at")).values_list("account_id", "last"))
        self.last_order_by_contact = dict(purchases.filter(contact_id__in=contacts).values("contact_id")
                                          .annotate(last=Max("created_at")).values_list("contact_id", "last"))
        self.last_checkout_by_contact = dict(CheckoutFact.objects.filter(contact_id__in=contacts).values("contact_id")
                                             .annotate(last=Max("created_at")).values_list("contact_id", "last"))
        tokens = [m.enrollment.context.get("checkout_token") for m in messages]
        self.completed_checkouts = set(CheckoutFact.objects.filter(
            token__in=[t for t in tokens if t], state=CheckoutState.COMPLETED).values_list("token", flat=True))
        # A mail in the committing window may have arrived: it counts against the cap.
        self.sent_this_week = Counter(dict(
            OutboxMessage.objects.filter(Q(status=MessageStatus.SENT, sent_at__gte=now - timedelta(days=7))
                                         | Q(status=MessageStatus.COMMITTING), contact_id__in=contacts,
                                         kind=catalog.EMAIL)
            .values("contact_id").annotate(n=Count("id")).values_list("contact_id", "n")))

    def config(self, message: OutboxMessage) -> scenario_settings.ScenarioConfig:
        return self.configs[message.channel][message.scenario]

    def stop_reason(self, message: OutboxMessage) -> str | None:
        enrollment, stop_on = message.enrollment, catalog.SCENARIOS[message.scenario].stop_on
        if enrollment.stopped_at:
            return enrollment.stop_reason or "stopped"
        if message.kind in (catalog.STAFF_ALERT, catalog.STAFF_EMAIL, catalog.STAFF_WEBHOOK):
            return None  # the alert is about the moment it was raised
        since = enrollment.anchor_at if message.scenario in ACTIVITY_ANCHORED else enrollment.created_at
        if catalog.ORDERED in stop_on:
            last = (self.last_order_by_account.get(message.account_id) if message.account_id
                    else self.last_order_by_contact.get(message.contact_id))
            if last and last > since:
                return catalog.ORDERED
        if catalog.CHECKOUT_COMPLETED in stop_on and enrollment.context.get("checkout_token") in self.completed_checkouts:
            return catalog.CHECKOUT_COMPLETED
        if catalog.CHECKOUT_STARTED in stop_on:
            last = self.last_checkout_by_contact.get(message.contact_id)
            if last and last > since:
                return catalog.CHECKOUT_STARTED
        return None

    def buyer_block(self, message: OutboxMessage) -> str | None:
        contact, shop = message.contact, self.config(message).shop
        if contact is None or contact.erased_at or not contact.email:
            return "no_address"
        if address_problem(contact.email):  # stored before ingest checked addresses, or by a lax source
            return "invalid_address"
        if contact.unsubscribed_at:
            return "unsubscribed"
        if contact.marketing_consent == ConsentState.REVOKED or (
                shop.consent_mode == "opt_in" and contact.marketing_consent != ConsentState.GRANTED):
            return "no_consent"
        cap = shop.frequency_cap_per_week
        if cap and self.sent_this_week[contact.pk] >= cap:
            return "frequency_cap"
        return None

    def quiet_until(self, message: OutboxMessage) -> datetime | None:
        shop = self.config(message).shop
        start, end = shop.quiet_hours_start, shop.quiet_hours_end
        if start == end:
            return None
        local = self.now.astimezone(zoneinfo.ZoneInfo(shop.timezone))
        quiet = start <= local.hour < end if start < end else (local.hour >= start or local.hour < end)
        if not quiet:
            return None
        resume = local.replace(hour=end, minute=0, second=0, microsecond=0)
        if resume <= local:
            resume += timedelta(days=1)
        # A wall-clock hour that a DST change skipped normalises forward through UTC.
        return resume.astimezone(zoneinfo.ZoneInfo("UTC"))


class Sender:
    """Holds channel connections across the batches of one task run."""

    def __init__(self):
        self._email = None

    def email(self):
        if self._email is None:
            self._email = email_sender()
        return self._email

    def close(self, polite: bool = True) -> None:
        if self._email is not None:
            self._email.close(polite)
            self._email = None

    def process(self, messages: list[OutboxMessage], now: datetime) -> Counter:
        batch, counts = Batch(messages, now), Counter()
        for message in messages:
            try:
                result = self._one(batch, message)
            except Exception as exc:  # one message's failure is that message's, not the batch's
                logger.exception("ltv outbox: message %s failed", message.pk)
                self.close(polite=False)  # it may have left a connection mid-transaction
                result = _record(message, Outcome(RETRY, f"{type(exc).__name__}: {exc}"), now)
            counts[result] += 1
        return counts

    def _one(self, batch: Batch, message: OutboxMessage) -> str:
        config, now = batch.config(message), batch.now
        if not config.enabled:
            _skip(message, "scenario_disabled", now)
            return "skipped"
        reason = batch.stop_reason(message)
        if reason:
            _skip(message, reason, now, stop=True)
            return "skipped"
        if message.kind == catalog.EMAIL:
            block = batch.buyer_block(message)
            if block:
                _skip(message, block, now)
                return "skipped"
            until = batch.quiet_until(message)
            if until:
                _defer(message, until)
                return "deferred"
            outcome = self.email().send(render.buyer_email(message, config), lambda: _hand_over(message, now))
            result = _record(message, outcome, now)
            if result in (SENT, UNCONFIRMED):  # an unconfirmed mail may have arrived: the cap counts it
                batch.sent_this_week[message.contact_id] += 1
            return result
        return self._staff(config, message, now)

    def _staff(self, config, message: OutboxMessage, now: datetime) -> str:
        shop = config.shop
        if message.kind in (catalog.STAFF_ALERT, catalog.CALL_TASK):
            return _record(message, _raise_alert(message, now), now)
        if message.kind == catalog.STAFF_EMAIL:
            recipients = [a.strip() for a in shop.staff_alert_emails.split(",") if a.strip()]
            if not recipients:
                _skip(message, "not_configured", now)
                return "skipped"
            return _record(message, self.email().send(render.staff_email(message, config, recipients),
                                                      lambda: _hand_over(message, now)), now)
        if not shop.staff_webhook_url:
            _skip(message, "not_configured", now)
            return "skipped"
        payload = render.staff_webhook_payload(message, config)
        return _record(message, webhook.post(shop.staff_webhook_url, shop.staff_webhook_secret, payload,
                                             message.idempotency_key, lambda: _commit_sent(message, now)), now)


def _raise_alert(message: OutboxMessage, now: datetime) -> Outcome:
    kind = AlertKind.CALL if message.kind == catalog.CALL_TASK else (
        AlertKind.CHURN_RISK if message.scenario == "churn_risk" else AlertKind.HIGH_INTENT)
    context = message.enrollment.context
    rank = context.get("rfm_rank")
    with transaction.atomic():
        Alert.objects.get_or_create(source_key=message.idempotency_key, defaults=dict(
            kind=kind, channel=message.channel, account_id=message.account_id,
            reason=render.staff_summary(message)["title"], data=context,
            priority=min(max(int(rank), 1), 5) if rank else 3))
        if not _commit_sent(message, now):
            transaction.set_rollback(True)
            return Outcome(LOST_LEASE)
    return Outcome(SENT, committed=True)


@contextlib.contextmanager
def _asynchronous_commits():
    """The outbox's bookkeeping commits without waiting for the WAL flush (~4 ms a message here).

    A killed worker loses nothing (the server has the commit); only a PostgreSQL crash can
    lose the last few hundred milliseconds of "sent" marks, and those rows are sent again.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def send_due(budget_seconds: float = 50, limit: int = BATCH, now: datetime | None = None) -> dict[str, int]:
    """Send due rows until none are left or the time budget is spent (`now`: a fixed clock for tests)."""
    started, sender = time.monotonic(), Sender()
    try:
        with _asynchronous_commits():
            release_expired(now)  # a run never waits for the beat to resolve what a lost worker left
            totals = _send_batches(sender, started, budget_seconds, limit, now)
    finally:
        sender.close()
    return dict(totals)


def _send_batches(sender: "Sender", started: float, budget_seconds: float, limit: int, now) -> Counter:
    totals = Counter()
    while time.monotonic() - started < budget_seconds:
        moment = now or timezone.now()
        messages = claim(limit, moment)
        if not messages:
            break
        totals += sender.process(messages, moment)
    return totals


def release_expired(now: datetime | None = None) -> int:
    """The sweeper: rows whose worker was lost go back to the queue (or give up after MAX_ATTEMPTS).

    ``sending``: the message was never handed over. ``committing``: it may have been delivered;
    it is sent again with the same Message-ID (the documented at-least-once rule)."""
    now = now or timezone.now()
    released = 0
    for status, lost, last in (
            (MessageStatus.SENDING, "lease expired: the worker was lost", "worker lost on the last attempt"),
            (MessageStatus.COMMITTING, "unconfirmed: the server may have it; sent again with the same Message-ID",
             "unconfirmed on the last attempt: the server may have it")):
        expired = OutboxMessage.objects.filter(status=status, lease_until__lt=now)
        expired.filter(attempts__gte=MAX_ATTEMPTS).update(status=MessageStatus.DEAD, lease_until=None, last_error=last)
        released += expired.update(status=MessageStatus.PENDING, lease_until=None, last_error=lost)
    return released


def due_count(now: datetime | None = None) -> int:
    return OutboxMessage.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.FAILED],
                                        due_at__lte=now or timezone.now()).count()
