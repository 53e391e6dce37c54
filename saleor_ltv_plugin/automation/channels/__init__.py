"""Delivery channels behind one shape: `send(payload, commit) -> Outcome`.

`commit` returns False when the row is no longer ours (its lease ran out and another
worker took it). E-mail calls it at the last moment it can still take the message back
(the row becomes `committing`) and returns SENT only on the server's acceptance; the
outbox then marks the row sent. The webhook calls it after the receiver's 2xx, so there
it marks the row sent itself (`committed=True`).
"""

from dataclasses import dataclass

SENT, RETRY, DEAD, LOST_LEASE, UNCONFIRMED = "sent", "retry", "dead", "lost_lease", "unconfirmed"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""
    committed: bool = False  # the row was already marked sent (webhook `commit`, staff alert)
