"""Linking a LINE user to a contact with LINE's account-link flow (Messaging API, "User account linking").

A follow from a LINE user no contact carries yet is kept (`LineFollower`), not lost. Then, as LINE
documents it: the bot issues a link token for that user (`line.issue_link_token`) and sends them
the shop's linking page with it; the buyer logs in on the storefront, which asks us for a nonce
(`nonce_for`: a django.core.signing value naming the contact, salted for this purpose and valid for
NONCE_MAX_AGE) and redirects them to LINE's accountLink endpoint (`account_link_url`); LINE then posts
an `accountLink` event with the user id and that nonce to the webhook, and `link` gives the contact
the LINE id and the LINE consent the follow granted. LINE checks that the person following the link
owns the LINE account, so nobody can link their LINE to someone else's contact.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.utils import timezone

from .. import tenancy
from ..ingest import consents
from ..models import Contact, LineFollower

logger = logging.getLogger(__name__)
INVITE = {"ja": "LINEとショップのアカウントを連携すると、ご注文に合わせたお知らせをLINEでお届けします。こちらから連携してください: {url}",
          "en": "Link your LINE to your shop account to get notices about your orders here: {url}"}
NONCE_SALT = "saleor_ltv_plugin.line.account_link"
NONCE_MAX_AGE = 600  # seconds: LINE's link token lives 10 minutes too
ACCOUNT_LINK_ENDPOINT = "https://access.line.me/dialog/bot/accountLink"


def nonce_for(contact_id: int) -> str:
    """A fresh signed nonce naming the contact (the random part makes each one unpredictable)."""
    return signing.dumps({"c": contact_id, "r": secrets.token_urlsafe(12)}, salt=tenancy.salt(NONCE_SALT))


def contact_for(nonce: str) -> int | None:
    """The contact a nonce we signed names; None when it is not ours, altered or expired."""
    try:
        value = signing.loads(nonce, salt=tenancy.salt(NONCE_SALT), max_age=NONCE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return value.get("c") if isinstance(value, dict) and isinstance(value.get("c"), int) else None


def account_link_url(link_token: str, nonce: str) -> str:
    return f"{ACCOUNT_LINK_ENDPOINT}?{urlencode({'linkToken': link_token, 'nonce': nonce})}"


def unlinked(line_user_id: str) -> bool:
    return not Contact.objects.filter(line_user_id=line_user_id, erased_at__isnull=True).exists()


class TryLater(Exception):
    """LINE was busy (429, 5xx) or did not answer: the invitation task retries, after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def invite_key(line_user_id: str, event_id: str) -> str:
    """The invitation's X-Line-Retry-Key: one per follow event (LINE keeps `webhookEventId` on a
    redelivery), so a redelivered event or a retried task is folded by LINE into the first push."""
    from .channels import line

    return line.retry_key(f"invite:{line_user_id}:{event_id}")


def invite(shop, line_user_id: str, key: str) -> str:
    """Steps 1–4 of LINE's flow: a link token for the user, and the shop's linking page with it pushed to
    them (run by `invite_line_follower_task`, never inside the webhook request: LINE wants its 200 fast).
    "sent", or why not: "not_configured" (no linking page or LINE account), "linked" (a contact carries the
    id by now), "unfollowed", "refused" (a 4xx that will not get better); raises TryLater on 429/5xx and
    on no answer. A retry is safe: a new token, but the same retry key, and LINE delivers the first push only."""
    from ..models import LineFollower
    from .channels import line

    if not (shop.line_account_link_url and shop.line_channel_access_token):
        return "not_configured"
    if not unlinked(line_user_id):
        return "linked"
    if not LineFollower.objects.filter(line_user_id=line_user_id, following=True).exists():
        return "unfollowed"
    try:
        token = line.issue_link_token(shop, line_user_id)
        separator = "&" if "?" in shop.line_account_link_url else "?"
        url = f"{shop.line_account_link_url}{separator}{urlencode({'linkToken': token})}"
        text = INVITE.get(shop.default_language, INVITE["en"]).format(url=url)
        answer = line.push(shop, line_user_id, [{"type": "text", "text": text}], key)
    except line.LinkTokenRefused as exc:
        if exc.transient:
            raise TryLater(str(exc), exc.retry_after) from exc
        logger.warning("ltv line: no link token for %s: %s", line_user_id, exc)
        return "refused"
    except (line.Unsent, line.NoAnswer) as exc:  # NoAnswer too: the same key folds a push LINE took
        raise TryLater(str(exc)) from exc
    if answer.status == 200 or (answer.status == 409 and answer.header("X-Line-Accepted-Request-Id")):
        return "sent"
    if answer.status == 429 or answer.status >= 500:
        raise TryLater(f"HTTP {answer.status}", answer.retry_after())
    logger.warning("ltv line: the link invitation to %s got HTTP %s: %s", line_user_id, answer.status,
                   line.error_message(answer.body))
    return "refused"


def remember(line_user_id: str, following: bool, at: datetime) -> bool:
    """Keep the latest follow state of a LINE user, linked or not; False for an older event."""
    with transaction.atomic():
        follower, created = LineFollower.objects.select_for_update().get_or_create(
            line_user_id=line_user_id, defaults={"following": following, "event_at": at})
        if created:
            return True
        if follower.event_at > at or (follower.event_at == at and follower.following == following):
            return False  # an older event, or LINE's redelivery of this one
        follower.following, follower.event_at = following, at
        follower.save(update_fields=["following", "event_at"])
    return True


def link(contact_id: int, line_user_id: str, source: str, at: datetime | None = None) -> bool:
    """Give the contact this LINE id (and the consent its follow granted). False, changing nothing, when the
    contact is gone or erased, or another contact already carries the id."""
    at = at or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id, erased_at__isnull=True).first()
        if contact is None:
            return False
        if Contact.objects.filter(line_user_id=line_user_id, erased_at__isnull=True).exclude(pk=contact.pk).exists():
            return False
        if contact.line_user_id != line_user_id:
            contact.line_user_id = line_user_id
            contact.save(update_fields=["line_user_id"])
        follower, _ = LineFollower.objects.select_for_update().get_or_create(
            line_user_id=line_user_id, defaults={"following": True, "event_at": at})
        follower.contact, follower.linked_at, follower.link_source = contact, at, source[:32]
        follower.save(update_fields=["contact", "linked_at", "link_source"])
        # the follow (kept while unlinked) is the consent; an account link implies a friend, as LINE requires
        consents.line_follow(line_user_id, follower.following, follower.event_at)
    return True
