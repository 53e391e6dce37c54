"""Routes a buyer reaches from a mail, without logging in: unsubscribe, open pixel, click."""

from __future__ import annotations

import base64

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .. import conf
from ..models import Contact, OutboxMessage
from . import links, render

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _page(request: HttpRequest, state: str, token: str = "", status: int = 200) -> HttpResponse:
    ja = request.headers.get("Accept-Language", "").lower().startswith("ja")
    html = render_to_string("saleor_ltv_plugin/unsubscribe.html", {"state": state, "token": token, "ja": ja})
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no session or token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = links.unsign(token, links.UNSUBSCRIBE)
        contact_id = int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _page(request, "invalid", status=400)
    if request.method == "GET":
        # Link scanners fetch GET links: a GET only asks, the POST unsubscribes.
        return _page(request, "confirm", token)
    Contact.objects.filter(pk=contact_id, unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
    return _page(request, "done")


@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message_id = int(links.unsign(token, links.OPEN))
    except (signing.BadSignature, TypeError, ValueError):
        message_id = None
    if message_id:
        OutboxMessage.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=timezone.now())
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


def _invalid_link() -> HttpResponse:
    return HttpResponse("This link is not valid.", status=400, content_type="text/plain; charset=utf-8")


@require_GET
def clicked(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message_id, target = links.unsign(token, links.CLICK)
        message_id = int(message_id)
    except (signing.BadSignature, TypeError, ValueError):
        return _invalid_link()
    if not isinstance(target, str) or not target.startswith(("https://", "http://")):
        return _invalid_link()
    return _follow(message_id, target)


@require_GET
def short_clicked(request: HttpRequest, code: str, mac: str) -> HttpResponse:
    """An SMS's short link: the row it names leads where its main link leads."""
    try:
        message_id = links.short_click_row(code, mac)
    except ValueError:
        message_id = None
    message = OutboxMessage.objects.select_related("enrollment").filter(pk=message_id).first() if message_id else None
    if message is None:
        return _invalid_link()
    return _follow(message.pk, render.cta_target(message, conf.channel_settings(message.channel)))


def _follow(message_id: int, target: str) -> HttpResponse:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message_id, clicked_at__isnull=True).update(clicked_at=now)
    # A click proves the open even when images were blocked.
    OutboxMessage.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=now)
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"
    return response
