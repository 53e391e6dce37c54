"""Postal DM: the letter is not posted here — the row joins its DM step's open print job
(dm/jobs.py) and waits there (AWAITING) until staff mark the job posted, when it becomes sent.

A letter to a customer's own address needs no opt-in (Japan's 特定電子メール法 is about
e-mail and SMS); a buyer who refused post (consent "postal" revoked) gets none.
"""

from __future__ import annotations

from ...models import DeliveryKind, PrintJobState
from . import AWAITING, LOST_LEASE, SENT, SKIPPED, Outcome
from .base import POSTAL_ADDRESS, DeliveryChannel, SendLimits


class PostalDM(DeliveryChannel):
    kind = DeliveryKind.POSTAL_DM
    needs = (POSTAL_ADDRESS,)  # the send policy skips an incomplete address with no_postal_address
    consent_key = "postal"
    consent_until_revoked = True
    limits = SendLimits(weekly_cap=False, quiet_hours=False)  # paper: the mail cap and the night do not apply

    def send(self, message, config, commit) -> Outcome:
        from ..dm import jobs
        from ..flows.content_ref import message_document

        document = message_document(message)
        if document is None:  # a DM is always a flow's step with its letter
            return Outcome(SKIPPED, "no_letter")
        item = jobs.add(message, config, document)
        if item.job.state == PrintJobState.POSTED:  # batched before a lost worker could mark it
            return Outcome(SENT, committed=True) if commit() else Outcome(LOST_LEASE)
        if item.job.state == PrintJobState.CANCELLED:
            return Outcome(SKIPPED, "print_job_cancelled")
        return Outcome(AWAITING, f"print job {item.job_id}")
