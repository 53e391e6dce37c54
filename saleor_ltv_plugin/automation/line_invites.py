"""The account-link invitation's state on the follower row, so a failing invitation is retried even where
no Celery worker retries it (the standalone host's eager tasks).

The webhook marks a follow `pending` (`mark_pending`); one attempt (`attempt`) first claims the row —
a conditional UPDATE that moves `invite_next_at` past a lease, so two workers or sweeps never send it
at once — then runs line_link.invite and records the outcome: invited, failed (a 4xx that will not get
better, no linking page, or MAX_TRIES spent), or pending again after Retry-After, else 5 s doubling up
to 10 minutes. Every attempt of one follow uses the retry key of its webhookEventId, so a worker lost
between LINE's accept and our record costs at most LINE's 409, never a second message. `sweep` re-sends
the due ones (the beat task `sweep_line_invitations`, and `ltv_process_events` where nothing periodic runs).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from ..models import InviteState, LineFollower

logger = logging.getLogger(__name__)
MAX_TRIES = 8
FIRST_DELAY, MAX_DELAY = 5, 600  # seconds
LEASE = timedelta(seconds=120)  # > a token call and a push at http_call's 10 s timeout each, with room


@dataclass(frozen=True)
class Attempt:
    outcome: str  # line_link.invite's answer, "retry", "gave_up", or "not_due" (not yet, claimed elsewhere, done)
    retry_in: float | None = None  # seconds: "retry", or "not_due" while still pending


def mark_pending(line_user_id: str, event_id: str, channel: str | None, now: datetime | None = None) -> None:
    """A new follow to invite: its tries start afresh under this event's retry key."""
    LineFollower.objects.filter(line_user_id=line_user_id).update(
        invite_state=InviteState.PENDING, invite_event_id=event_id[:64], invite_channel=channel or "",
        invite_attempts=0, invite_next_at=now or timezone.now(), invite_error="")


def drop_pending(line_user_id: str) -> None:
    """An unfollow: nothing can be pushed to them any more (LINE refuses), so nothing is pending."""
    LineFollower.objects.filter(line_user_id=line_user_id, invite_state=InviteState.PENDING).update(
        invite_state=InviteState.NONE, invite_next_at=None)


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds before the next try after `attempts` failed ones: LINE's Retry-After, else 5 s doubling."""
    if retry_after is not None:
        return max(0.0, retry_after)
    return float(min(FIRST_DELAY * 2 ** (attempts - 1), MAX_DELAY))


def _claim(line_user_id: str, event_id: str | None, now: datetime) -> bool:
    due = LineFollower.objects.filter(line_user_id=line_user_id, invite_state=InviteState.PENDING,
                                      invite_next_at__lte=now)
    if event_id is not None:
        due = due.filter(invite_event_id=event_id[:64])
    return due.update(invite_next_at=now + LEASE, invite_attempts=F("invite_attempts") + 1) == 1


def _adopt(line_user_id: str, event_id: str, channel: str | None, now: datetime) -> bool:
    """A task queued before invitations were kept on the row (its row has no event): pending now."""
    return LineFollower.objects.filter(line_user_id=line_user_id, invite_state=InviteState.NONE,
                                       invite_event_id="").update(
        invite_state=InviteState.PENDING, invite_event_id=event_id[:64], invite_channel=channel or "",
        invite_attempts=0, invite_next_at=now) == 1


def attempt(line_user_id: str, event_id: str | None = None, now: datetime | None = None,
            channel: str | None = None) -> Attempt:
    """One try of a due pending invitation (of this follow event, when given); "not_due" when it is not
    due, not pending, or another worker holds it."""
    from .. import conf
    from . import line_link

    now = now or timezone.now()
    if not _claim(line_user_id, event_id, now) and not (
            event_id is not None and _adopt(line_user_id, event_id, channel, now)
            and _claim(line_user_id, event_id, now)):
        return Attempt("not_due", _wait(line_user_id, event_id, now))
    row = LineFollower.objects.filter(line_user_id=line_user_id).first()
    if row is None:  # erased meanwhile
        return Attempt("not_due")
    key = line_link.invite_key(line_user_id, row.invite_event_id)
    try:
        outcome = line_link.invite(conf.channel_settings(row.invite_channel or None), line_user_id, key)
    except line_link.TryLater as exc:
        return _again(row, now, str(exc), exc.retry_after)
    except Exception as exc:  # settings gone bad, the database …: the lease runs out and a sweep tries again
        logger.warning("ltv line: the link invitation to %s failed", line_user_id, exc_info=True)
        return _again(row, now, f"{type(exc).__name__}: {exc}", None)
    state = {"sent": InviteState.INVITED, "linked": InviteState.NONE,
             "unfollowed": InviteState.NONE}.get(outcome, InviteState.FAILED)  # refused, not_configured
    _record(row, now, invite_state=state, invite_next_at=None, invite_error="" if state != InviteState.FAILED
            else outcome, **({"invited_at": now} if state == InviteState.INVITED else {}))
    return Attempt(outcome)


def _wait(line_user_id: str, event_id: str | None, now: datetime) -> float | None:
    """Seconds until this follow's pending invitation is due (its backoff, or another worker's lease); None
    when it is not pending. A Celery retry may come back early (its ETA is no promise): it waits again."""
    if event_id is None:
        return None
    due = (LineFollower.objects.filter(line_user_id=line_user_id, invite_state=InviteState.PENDING,
                                       invite_event_id=event_id[:64]).values_list("invite_next_at", flat=True).first())
    return max((due - now).total_seconds(), 0.1) if due is not None else None


def _again(row: LineFollower, now: datetime, reason: str, retry_after: float | None) -> Attempt:
    if row.invite_attempts >= MAX_TRIES:
        logger.warning("ltv line: gave up inviting %s to link after %d tries: %s", row.line_user_id,
                       row.invite_attempts, reason)
        _record(row, now, invite_state=InviteState.FAILED, invite_next_at=None, invite_error=reason[:500])
        return Attempt("gave_up")
    delay = backoff(row.invite_attempts, retry_after)
    _record(row, now, invite_next_at=now + timedelta(seconds=delay), invite_error=reason[:500])
    return Attempt("retry", delay)


def _record(row: LineFollower, now: datetime, **fields) -> None:
    """The outcome, unless the row changed hands meanwhile (a new follow re-marked it, or our lease
    ran out and another worker claimed it): then theirs is the record."""
    LineFollower.objects.filter(pk=row.pk, invite_event_id=row.invite_event_id, invite_attempts=row.invite_attempts,
                                invite_next_at=now + LEASE).update(**fields)


def _next_due(now: datetime) -> tuple[str, str] | None:
    with transaction.atomic():  # SKIP LOCKED: a second sweep takes the next row, not this one's
        return (LineFollower.objects.select_for_update(skip_locked=True)
                .filter(invite_state=InviteState.PENDING, invite_next_at__lte=now)
                .order_by("invite_next_at").values_list("line_user_id", "invite_event_id").first())


def sweep(now: datetime | None = None, limit: int = 200, budget_seconds: float = 50) -> dict[str, int]:
    """Re-send the due pending invitations (oldest first) until none is due, `limit` tried, or the budget
    spent; outcome → count. Safe to run twice at once: each row is claimed by one of them."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    started, tried, skipped = time.monotonic(), 0, 0
    while tried < limit and time.monotonic() - started < budget_seconds:
        due = _next_due(now)
        if due is None:
            break
        result = attempt(due[0], due[1], now)
        if result.outcome == "not_due":  # another sweep claimed it between our read and our claim
            skipped += 1
            if skipped > limit:
                break
            continue
        tried += 1
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts


def retry_failed(now: datetime | None = None) -> int:
    """Give the failed invitations of those still following a fresh set of tries (the linking page set
    since, LINE answering again); the sweep sends them. Their retry keys stay: a push LINE did accept
    under one answers 409, never a second message. Returns how many."""
    return LineFollower.objects.filter(invite_state=InviteState.FAILED, following=True, contact__isnull=True).update(
        invite_state=InviteState.PENDING, invite_attempts=0, invite_next_at=now or timezone.now(), invite_error="")


def counts() -> dict[str, int]:
    """Invitations per state (pending, invited, failed) over this shop's followers."""
    found = dict(LineFollower.objects.exclude(invite_state=InviteState.NONE).values_list("invite_state")
                 .annotate(n=Count("id")).values_list("invite_state", "n"))
    return {state: found.get(state, 0) for state in (InviteState.PENDING, InviteState.INVITED, InviteState.FAILED)}
