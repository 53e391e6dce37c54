"""Delivery channels: one small module per medium behind one interface (`base.DeliveryChannel`).

Like django-anymail's backends (a base class, one short file per provider), each channel
declares what it needs and sends one outbox row; `registry` finds it by its delivery kind.
`send(message, config, commit) -> Outcome`: `commit` returns False when the row is no longer
ours (its lease ran out and another worker took it). A two-phase channel (SMTP) calls it at
the last moment it can still take the message back (the row becomes `committing`) and returns
SENT only on the receiver's acceptance; the outbox then marks the row sent. A one-phase
channel (webhook, alert) calls it after the receiver accepted, and it marks the row sent
itself (`committed=True`). A channel that finishes outside the plugin (a postal DM's print job)
answers AWAITING: the row waits, never resent, until staff confirm (print_jobs.mark_posted).
"""

from dataclasses import dataclass

SENT, RETRY, DEAD, LOST_LEASE, UNCONFIRMED, SKIPPED = "sent", "retry", "dead", "lost_lease", "unconfirmed", "skipped"
AWAITING = "awaiting"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""  # for SKIPPED: the skip reason (at most 32 characters), e.g. "not_configured"
    committed: bool = False  # the row was already marked sent (one-phase `commit`, staff alert)
    retry_after: float | None = None  # RETRY: the receiver asked for at least this many seconds (Retry-After)
    provider_ref: str = ""  # SENT: the receiver's id for the message, kept on the row (at most 64 characters)
    segments: int | None = None  # SENT: the SMS segments it went out as
