"""Twilio's webhooks: delivery reports (StatusCallback) and texts buyers send to our number.

Every request is verified first: `X-Twilio-Signature` must be Twilio's signature of the URL it
called and the POST parameters (channels/twilio.signature) keyed with the Auth Token; anything
else gets 403 before a parameter is used. The URL Twilio called is the one we gave it (built on
`public_url`); behind a proxy the request's own URL differs, so both are tried.

Inbound: a text that is only an opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
停止, 配信停止 — Twilio's defaults plus Japanese) revokes SMS consent of the contacts with that
number; START / UNSTOP (and YES, Twilio's too) grant it again. Case, width and surrounding
spaces or punctuation do not matter; a keyword inside a sentence is not one.
"""

from __future__ import annotations

import hmac
import unicodedata

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import conf, contact_data, db
from ..ingest import consents
from ..models import OutboxMessage
from . import links
from .channels import twilio

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "停止", "配信停止"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
# Twilio's MessageStatus values in the order a text goes through them; a late report never moves it back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "receiving": 3, "received": 3,
            "delivered": 4, "undelivered": 4, "failed": 4, "read": 5, "canceled": 4}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def keyword(body: str) -> bool | None:
    """False: an opt-out keyword, True: an opt-in one, None: an ordinary text."""
    word = unicodedata.normalize("NFKC", body or "").strip().strip(".!。！、,").strip().upper()
    return False if word in OPT_OUT else True if word in OPT_IN else None


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _called_urls(request: HttpRequest, shop) -> list[str]:
    prefix = conf.url_prefix()
    relative = request.get_full_path()[len(prefix):] if request.path.startswith(prefix) else None
    urls = [links.base_url(shop) + relative] if relative is not None else []
    return urls + [request.build_absolute_uri()]


def _verified(request: HttpRequest, channel: str | None):
    """(the shop's settings, the POST parameters) or the error response to give."""
    shop = conf.channel_settings(channel)
    if not shop.twilio_auth_token:
        return None, _error("not_configured", "twilio_auth_token is not set (Twilioの認証トークンが未設定です)", 404)
    params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    given = request.headers.get("X-Twilio-Signature", "")
    if not given or not any(hmac.compare_digest(given.encode(), twilio.signature(shop.twilio_auth_token, url,
                                                                                   params).encode())
                            for url in _called_urls(request, shop)):
        return None, _error("bad_signature", "X-Twilio-Signature does not match (署名が一致しません)", 403)
    return shop, request.POST


@csrf_exempt  # Twilio's servers post here; the signature is the authentication
@require_POST
def status(request: HttpRequest, channel: str) -> HttpResponse:
    shop, params = _verified(request, channel)
    if shop is None:
        return params
    try:
        row = int(request.GET.get("m", ""))
    except ValueError:
        return _error("invalid", "the m parameter must be an outbox message id", 400)
    reported = params.get("MessageStatus", "").lower()
    if reported not in PROGRESS:
        return _error("invalid", "MessageStatus is missing or unknown", 400)
    with db.writer():
        message = OutboxMessage.objects.filter(pk=row, channel=channel).only("delivery_status", "last_error").first()
        if message is None:
            return HttpResponse(status=204)  # erased or pruned since: nothing to report on
        if PROGRESS.get(message.delivery_status, -1) <= PROGRESS[reported]:
            changes = {"delivery_status": reported}
            if params.get("MessageSid"):
                changes["provider_ref"] = params["MessageSid"][:64]
            if params.get("ErrorCode"):
                changes["last_error"] = f"Twilio {params['ErrorCode']}: delivery {reported}"
            OutboxMessage.objects.filter(pk=row).update(**changes)
        if params.get("ErrorCode") == str(twilio.UNSUBSCRIBED):
            consents.sms_reply(params.get("To", ""), False, "twilio_21610", timezone.now())
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, channel: str | None = None) -> HttpResponse:
    shop, params = _verified(request, channel)
    if shop is None:
        return params
    granted = keyword(params.get("Body", ""))
    if granted is not None:
        try:
            phone = contact_data.normalise_phone(params.get("From", ""))
        except contact_data.ContactDataError:
            phone = ""
        if phone:
            with db.writer():
                consents.sms_reply(phone, granted, "sms_start" if granted else "sms_stop", timezone.now())
    # An empty TwiML answer: no auto-reply from us (Twilio's own opt-out reply, if enabled, still goes).
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
