"""Sending the outbox: claim due rows under a lease, ask the send policy, deliver, record.

The outbox knows no medium: each row's `kind` names its delivery channel (channels/registry),
and the channel's declarations tell the send policy (send_policy.py) what applies to it.

States: pending → sending (claimed under a lease; ``attempts`` is the fencing token) →
committing (handed over: the message may reach the server from here) → sent (the server
accepted it). A row reads as sent only after the server's acceptance. A worker lost while
``sending`` never handed the message over: the row is sent again. A worker lost while
``committing`` may or may not have delivered it: once its lease runs out the sweeper
(``release_expired``, run by the beat and at the start of every send run) sends it again
with the same identity (the e-mail's Message-ID, LINE's retry key) — at-least-once, and a copy
the receiver can fold; an SMS first asks Twilio whether it has the text (channels/sms.py). One-phase channels go from sending straight to sent (a `marks_later` channel's at the end of
its batch).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import MessageStatus, OutboxMessage
from . import mail_items, pacing
from .channels import AWAITING, DEAD, LOST_LEASE, RETRY, SENT, SKIPPED, UNCONFIRMED, Outcome, registry
from .channels.base import Connections, DeliveryChannel
from .send_policy import SendPolicy

logger = logging.getLogger(__name__)
BATCH = 100
MAX_ATTEMPTS = 8


def lease() -> timedelta:
    return timedelta(seconds=getattr(django_settings, "LTV_OUTBOX_LEASE_SECONDS", 300))


def backoff(attempts: int) -> timedelta:
    """1 min, 2, 4 … capped at 6 h."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


CLAIMABLE = (MessageStatus.PENDING, MessageStatus.FAILED)


def _claim_ids(limit: int, now: datetime) -> list[int]:
    """Due rows taken under a lease; `attempts` + 1 is the new fencing token."""
    if connection.vendor == "postgresql":  # one statement instead of a transaction of two
        table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, lease_until = %s, attempts = attempts + 1 WHERE id IN ("
                f"SELECT id FROM {table} WHERE status IN (%s, %s) AND due_at <= %s ORDER BY due_at, id LIMIT %s "
                f"FOR UPDATE SKIP LOCKED) RETURNING id",
                [MessageStatus.SENDING, now + lease(), *CLAIMABLE, now, limit])
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status__in=CLAIMABLE, due_at__lte=now).order_by("due_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            OutboxMessage.objects.filter(id__in=ids).update(
                status=MessageStatus.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)
    return ids


def claim(limit: int, now: datetime) -> list[OutboxMessage]:
    ids = _claim_ids(limit, now)
    if not ids:
        return []
    # A batch's rows share a few flows: each flow and version read once (not joined into every row),
    # so its definition is decoded, and its plan looked up (flows.runtime.plan_of), once a batch.
    return list(OutboxMessage.objects.filter(id__in=ids).select_related("enrollment", "contact", "account")
                .prefetch_related("enrollment__flow", "enrollment__flow_version").order_by("due_at", "id"))


IN_FLIGHT = (MessageStatus.SENDING, MessageStatus.COMMITTING)


def _mine(message: OutboxMessage, statuses=(MessageStatus.SENDING,)):
    return OutboxMessage.objects.filter(pk=message.pk, status__in=statuses, attempts=message.attempts)


def _update_mine(message: OutboxMessage, statuses, **values) -> bool:
    """`_mine(message, statuses).update(**values) == 1` as one plain statement: on the per-message
    path (hand-over, acceptance) building the ORM query cost as much as running it."""
    fields = OutboxMessage._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(fields.get_field(name).column)} = %s" for name in values)
    params = [fields.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    sql = (f"UPDATE {quote(fields.db_table)} SET {assignments} WHERE {quote('id')} = %s AND "
           f"{quote('attempts')} = %s AND {quote('status')} IN ({', '.join(['%s'] * len(statuses))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, message.pk, message.attempts, *statuses])
        return cursor.rowcount == 1


def _commit_sent(message: OutboxMessage, now: datetime) -> bool:
    """For one-phase channels: the receiver has already accepted when they call it (webhook, alert)."""
    return _update_mine(message, (MessageStatus.SENDING,), status=MessageStatus.SENT, sent_at=now, lease_until=None)


def _commit_sent_together(messages: list[OutboxMessage], now: datetime) -> int:
    """`_commit_sent` for a batch's `marks_later` rows: one UPDATE per fencing token (mostly one).
    Returns how many were still ours."""
    by_attempts: dict[int, list[int]] = {}
    for message in messages:
        by_attempts.setdefault(message.attempts, []).append(message.pk)
    return sum(OutboxMessage.objects.filter(pk__in=ids, attempts=attempts, status=MessageStatus.SENDING)
               .update(status=MessageStatus.SENT, sent_at=now, lease_until=None)
               for attempts, ids in by_attempts.items())


def _hand_over(message: OutboxMessage, now: datetime) -> bool:
    """The last moment the message can be taken back; the window gets a fresh lease."""
    lease_until = max(now, timezone.now()) + lease()
    return _update_mine(message, (MessageStatus.SENDING,), status=MessageStatus.COMMITTING, lease_until=lease_until)


def _accepted(message: OutboxMessage, now: datetime, outcome: Outcome) -> bool:
    # Still ours, or swept back to pending and not claimed since (attempts unchanged).
    receipt = {"provider_ref": outcome.provider_ref[:64]} if outcome.provider_ref else {}
    if outcome.segments is not None:
        receipt["segments"] = outcome.segments
    return _update_mine(message, (MessageStatus.COMMITTING, MessageStatus.PENDING),
                        status=MessageStatus.SENT, sent_at=now, lease_until=None, **receipt)


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
    if outcome.status == SKIPPED:  # the channel declined it before handing anything over
        _skip(message, outcome.detail, now)
        return SKIPPED
    if outcome.status == SENT:
        if outcome.committed or _accepted(message, now, outcome):
            return SENT
        logger.warning("ltv outbox: message %s was accepted after another worker took it; its copy carries "
                       "the same Message-ID", message.pk)
        return LOST_LEASE
    if outcome.status == AWAITING:  # taken for staff to finish (a print job): no lease, no resend
        return AWAITING if _mine(message).update(status=MessageStatus.AWAITING, lease_until=None) == 1 else LOST_LEASE
    if outcome.status == UNCONFIRMED:  # stays committing: the sweeper resends it once the lease runs out
        _mine(message, (MessageStatus.COMMITTING,)).update(last_error=outcome.detail[:500])
        return UNCONFIRMED
    rows = _mine(message, IN_FLIGHT)
    give_up = outcome.status == DEAD or message.attempts >= MAX_ATTEMPTS
    wait = max(backoff(message.attempts), timedelta(seconds=outcome.retry_after or 0))
    rows.update(status=MessageStatus.DEAD if give_up else MessageStatus.FAILED, sent_at=None, lease_until=None,
                last_error=outcome.detail[:2000], due_at=now + wait)
    return DEAD if give_up else RETRY


class Sender:
    """Sends claimed rows through their channels; holds the channels' connections across a run."""

    def __init__(self):
        self.connections = Connections()
        self._channels: dict[str, DeliveryChannel] = {}
        self._accepted: list[OutboxMessage] = []  # marks_later rows the receiver took, not yet marked
        self._claimed_at = time.monotonic()

    def channel(self, kind: str) -> DeliveryChannel:
        if kind not in self._channels:
            self._channels[kind] = registry.get(kind)(self.connections)
        return self._channels[kind]

    def close(self, polite: bool = True) -> None:
        self.connections.close(polite)

    def process(self, messages: list[OutboxMessage], now: datetime) -> Counter:
        policy, counts = SendPolicy(messages, now), Counter()
        self._claimed_at = time.monotonic()
        # The items every message lists, looked up once for the batch (not three queries a message).
        with mail_items.prefetched((m.channel, mail_items.item_skus(m.enrollment.context or {})) for m in messages):
            try:
                for message in messages:
                    try:
                        result = self._one(policy, message)
                    except Exception as exc:  # one message's failure is that message's, not the batch's
                        logger.exception("ltv outbox: message %s failed", message.pk)
                        self.close(polite=False)  # it may have left a connection mid-transaction
                        result = _record(message, Outcome(RETRY, f"{type(exc).__name__}: {exc}"), now)
                    counts[result] += 1
            finally:
                self._mark_accepted(now)
        return counts

    def _paced(self, channel: DeliveryChannel, shop, message: OutboxMessage) -> str | None:
        """Wait for the message's turn under its provider's rate; "deferred" when the turn is further
        off, or when waiting turns has eaten half the batch's lease (a fresh claim gets a new one)."""
        pace = type(channel).pace(shop)
        if pace is None:
            return None
        if time.monotonic() - self._claimed_at > lease().total_seconds() / 2:
            _defer(message, timezone.now())
            return "deferred"
        later = pacing.take_turn(*pace)
        if later is not None:
            _defer(message, timezone.now() + timedelta(seconds=later))
            return "deferred"
        return None

    def _note_accepted(self, message: OutboxMessage) -> bool:
        self._accepted.append(message)
        return True

    def _mark_accepted(self, now: datetime) -> None:
        accepted, self._accepted = self._accepted, []
        if not accepted:
            return
        lost = len(accepted) - _commit_sent_together(accepted, now)
        if lost:  # their lease ran out mid-batch; the new owner's resend carries the same retry key
            logger.warning("ltv outbox: %s accepted messages were taken by another worker before marked sent", lost)

    def _one(self, policy: SendPolicy, message: OutboxMessage) -> str:
        now = policy.now
        try:
            channel = self.channel(message.kind)
        except registry.UnknownChannel as exc:  # its add-on was uninstalled: retrying will not help
            return _record(message, Outcome(DEAD, str(exc)), now)
        hold = policy.hold(message, type(channel))
        if hold and hold.until:
            _defer(message, hold.until)
            return "deferred"
        if hold:
            _skip(message, hold.reason, now, stop=hold.stop)
            return SKIPPED
        paced = self._paced(channel, policy.config(message).shop, message)
        if paced:
            return paced
        if channel.two_phase:
            commit = lambda: _hand_over(message, now)  # noqa: E731
        elif channel.marks_later:
            commit = lambda: self._note_accepted(message)  # noqa: E731
        else:
            commit = lambda: _commit_sent(message, now)  # noqa: E731
        result = _record(message, channel.send(message, policy.config(message), commit), now)
        if result in (SENT, UNCONFIRMED):  # an unconfirmed message may have arrived: the cap counts it
            policy.counted(message, type(channel))
        return result


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
