"""LINE's webhook: follow and unfollow events set the buyer's LINE consent (and are kept for a LINE user
no contact carries yet); an `accountLink` event links the LINE user to the contact its nonce names
(line_link.py).

Every request is verified first: `X-Line-Signature` is the base64 HMAC-SHA256 of the raw body
keyed with the channel secret (Messaging API reference, "Signature validation"); anything else
is refused with 401 before the body is parsed. Events for a LINE user no contact is linked to
change nothing; LINE redelivers, and the latest event (by its timestamp) wins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import conf, contact_data, db
from ..ingest import consents
from . import line_invites, line_link

logger = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # LINE sends batches of events; far below this


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@csrf_exempt  # LINE's servers post here; the signature is the authentication
@require_POST
def receive(request: HttpRequest, channel: str | None = None) -> JsonResponse:
    secret = conf.channel_settings(channel).line_channel_secret
    if not secret:
        return _error("not_configured", "line_channel_secret is not set (LINEのチャネルシークレットが未設定です)", 404)
    body = request.body[:MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return _error("too_large", "body too large", 413)
    given = request.headers.get("X-Line-Signature", "")
    if not given or not hmac.compare_digest(given.encode(), signature(secret, body).encode()):
        return _error("bad_signature", "X-Line-Signature does not match the body (署名が一致しません)", 401)
    try:
        events = json.loads(body)["events"]
        assert isinstance(events, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return _error("invalid", "body must be a JSON object with an events list", 400)
    changed, invites = 0, {}
    with db.writer():
        for event in events:
            done, invite = _apply(event)
            changed += done
            if invite:
                invites[invite[0]] = invite[1]
        for user_id, event_id in invites.items():  # kept before queued: a sweep re-sends what fails
            line_invites.mark_pending(user_id, event_id, channel)
    for user_id, event_id in invites.items():  # a task each: LINE wants its 200 at once
        _queue_invite(user_id, event_id, channel)
    return JsonResponse({"changed": changed})


def _queue_invite(user_id: str, event_id: str, channel: str | None) -> None:
    from ..tasks import invite_line_follower_task

    try:
        invite_line_follower_task.delay(user_id, event_id, channel)
    except Exception:  # broker down (or an eager task's failure): the row stays pending for the sweep
        logger.warning("ltv line: could not queue (or run) the link invitation for %s", user_id, exc_info=True)


def _apply(event) -> tuple[int, tuple[str, str] | None]:
    """(contacts changed, (LINE user, follow event id) to invite to link: a follower no contact carries)."""
    if not isinstance(event, dict) or event.get("type") not in ("follow", "unfollow", "accountLink"):
        return 0, None  # messages, postbacks …: not ours to handle
    source = event.get("source") or {}
    try:
        user_id = contact_data.normalise_line_user_id(str(source.get("userId", "")))
        at = datetime.fromtimestamp(int(event["timestamp"]) / 1000, tz=timezone.utc)
    except (contact_data.ContactDataError, KeyError, TypeError, ValueError, OverflowError):
        return 0, None
    if not user_id:
        return 0, None
    if event["type"] == "accountLink":
        result = event.get("link") or {}
        contact_id = line_link.contact_for(str(result.get("nonce") or "")) if result.get("result") == "ok" else None
        return int(contact_id is not None and line_link.link(contact_id, user_id, "account_link", at)), None
    followed = event["type"] == "follow"
    newer = line_link.remember(user_id, followed, at)
    # LINE keeps webhookEventId on a redelivery; the invitation's retry key is derived from it
    event_id = str(event.get("webhookEventId") or event["timestamp"])[:64]
    invite = (user_id, event_id) if followed and newer and line_link.unlinked(user_id) else None
    if newer and not followed:
        line_invites.drop_pending(user_id)
    return consents.line_follow(user_id, followed, at), invite
