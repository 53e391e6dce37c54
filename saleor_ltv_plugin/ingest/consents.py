"""Consent per medium other than e-mail (LINE, SMS, postal …), with its source and time.

The latest event wins, whatever order they arrive in: LINE may redeliver a webhook, and a
follow delivered after a later unfollow must not grant consent again.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..models import ConsentState, Contact, ContactConsent

LINE = "line"  # the LINE channel's consent_key
SMS = "sms"  # the SMS channel's


@transaction.atomic
def record(contact: Contact, medium: str, granted: bool, source: str, at: datetime) -> bool:
    """Set the contact's consent for `medium` unless a later event already did; True if it changed."""
    state = ConsentState.GRANTED if granted else ConsentState.REVOKED
    current = ContactConsent.objects.select_for_update().filter(contact=contact, medium=medium).first()
    if current is None:
        _, created = ContactConsent.objects.get_or_create(
            contact=contact, medium=medium, defaults=dict(state=state, source=source[:32], updated_at=at))
        if created:
            return True
        current = ContactConsent.objects.select_for_update().get(contact=contact, medium=medium)
    if current.updated_at > at or (current.state, current.source) == (state, source[:32]):
        return False
    current.state, current.source, current.updated_at = state, source[:32], at
    current.save(update_fields=["state", "source", "updated_at"])
    return True


def line_follow(line_user_id: str, followed: bool, at: datetime) -> int:
    """A LINE follow grants LINE consent to the contacts linked to that LINE user; an unfollow revokes it.

    Returns how many contacts changed. An id no contact carries changes nothing (linking comes first)."""
    changed = 0
    for contact in Contact.objects.filter(line_user_id=line_user_id, erased_at__isnull=True):
        changed += record(contact, LINE, followed, "line_follow" if followed else "line_unfollow", at)
    return changed


def sms_reply(phone: str, granted: bool, source: str, at: datetime) -> int:
    """A STOP (or START) texted from `phone` sets SMS consent of every contact with that number (E.164)."""
    changed = 0
    for contact in Contact.objects.filter(phone=phone, erased_at__isnull=True).exclude(phone=""):
        changed += record(contact, SMS, granted, source, at)
    return changed
