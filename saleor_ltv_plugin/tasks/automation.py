"""Scenario tasks: scan triggers, dispatch senders, send the outbox, release lost leases."""

from __future__ import annotations

import logging
import math

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .. import db

logger = logging.getLogger(__name__)


@shared_task(name="saleor_ltv_plugin.scan_scenarios", ignore_result=True, expires=120)
def scan_scenarios_task() -> dict:
    from ..automation.scan import scan

    from ..models import TaskHeartbeat

    with db.writer():
        counts = scan()
        TaskHeartbeat.objects.update_or_create(task="scan_scenarios", defaults={"beat_at": timezone.now()})
    try:
        dispatch_outbox_task.delay()
    except Exception:  # broker down: the beat's own dispatch entry picks the rows up later
        logger.warning("ltv: could not queue the outbox dispatch", exc_info=True)
    return counts


@shared_task(name="saleor_ltv_plugin.run_flows", ignore_result=True, expires=120, acks_late=True)
def run_flows_task(budget_seconds: float = 50) -> dict:
    """The flow scheduler: due enrollments one step further (automation/flows/runtime.py).

    Its own task, not a step of the scan: a tick is short locked batches that several workers
    share (SKIP LOCKED), and a slow scan never holds flows back. What it queued goes out at once."""
    from ..automation.flows.runtime import tick
    from ..models import TaskHeartbeat

    with db.writer():
        counts = tick(budget_seconds=budget_seconds)
        TaskHeartbeat.objects.update_or_create(task="run_flows", defaults={"beat_at": timezone.now()})
    if counts.get("messages"):
        try:
            dispatch_outbox_task.delay()
        except Exception:  # broker down: the beat's own dispatch entry picks the rows up later
            logger.warning("ltv: could not queue the outbox dispatch", exc_info=True)
    return counts


@shared_task(name="saleor_ltv_plugin.decide_ab_winners", ignore_result=True, expires=600)
def decide_ab_winners_task() -> dict:
    """A/B steps' auto-winners (automation/flows/winners.py): its own small task, not part of the
    tick, because deciding reads a report's worth of rows; idempotent (one winner row per step)."""
    from ..automation.flows.winners import decide_all

    with db.writer():
        return decide_all()


@shared_task(name="saleor_ltv_plugin.dispatch_outbox", ignore_result=True, expires=60)
def dispatch_outbox_task() -> int:
    """Start as many senders as the due rows need, up to LTV_OUTBOX_SENDERS (default 2).

    Extra senders (two beats, a retried dispatch) cost nothing: claims never overlap."""
    from ..automation.outbox import BATCH, due_count

    due = due_count()
    senders = min(math.ceil(due / BATCH), getattr(settings, "LTV_OUTBOX_SENDERS", 2))
    for _ in range(senders):
        send_outbox_task.delay()
    return senders


@shared_task(name="saleor_ltv_plugin.send_outbox", ignore_result=True, expires=120, acks_late=True)
def send_outbox_task(budget_seconds: float = 50) -> dict:
    from ..automation.outbox import send_due

    with db.writer():
        return send_due(budget_seconds=budget_seconds)


@shared_task(name="saleor_ltv_plugin.release_outbox_leases", ignore_result=True, expires=60)
def release_outbox_leases_task() -> int:
    from ..automation.outbox import release_expired

    with db.writer():
        return release_expired()


@shared_task(bind=True, name="saleor_ltv_plugin.invite_line_follower", ignore_result=True, acks_late=True,
             max_retries=None)  # the row counts the tries (automation/line_invites.py: MAX_TRIES)
def invite_line_follower_task(self, line_user_id: str, event_id: str, channel: str | None = None) -> str:
    """LINE's account-link invitation for a follower no contact carries (automation/line_link.py), out of
    the webhook request: one try of the pending row the webhook kept. Idempotent: the row is claimed
    first and the push's retry key is derived from the follow event, so a retry, a redelivered event or
    a task redelivered after a lost worker sends one message. 429/5xx and no answer are retried after
    Retry-After, else 5 s doubling up to 10 minutes, by this task on a worker; an eager task (no broker)
    leaves the row pending for `sweep_line_invitations` instead of retrying in place without waiting."""
    from ..automation import line_invites

    with db.writer():
        result = line_invites.attempt(line_user_id, event_id, channel=channel)
    if result.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in)
    return "pending" if result.retry_in is not None else result.outcome


@shared_task(name="saleor_ltv_plugin.sweep_line_invitations", ignore_result=True, expires=120)
def sweep_line_invitations_task(budget_seconds: float = 50) -> dict:
    """Re-send the LINE link invitations that are due (automation/line_invites.py): the retry where no worker
    retried (eager tasks) or a worker was lost; two sweeps at once never send one twice."""
    from ..automation import line_invites

    with db.writer():
        return line_invites.sweep(budget_seconds=budget_seconds)
