"""Delivery channels behind one shape: `send(payload, commit) -> Outcome`.

`commit` marks the outbox row sent and returns False when the row is no longer ours
(its lease ran out and another worker took it); a channel calls it at the last moment
it can still take the message back.
"""

from dataclasses import dataclass

SENT, RETRY, DEAD, LOST_LEASE, UNCONFIRMED = "sent", "retry", "dead", "lost_lease", "unconfirmed"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""
    committed: bool = False  # the row was already marked sent by `commit`
