"""HTTP endpoints of the plugin, and the router Saleor's plugin webhook calls."""

from __future__ import annotations

import json
import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import __version__, app_manifest
from .demo import progress as demo_progress
from .models import (
    Account,
    AccountMetrics,
    CheckoutFact,
    Contact,
    InboundEvent,
    InboundStatus,
    OrderFact,
    OrderLineFact,
    RecomputeRun,
)

logger = logging.getLogger(__name__)
URLCONF = "saleor_ltv_plugin.urls"


def dispatch(request: HttpRequest, path: str | None) -> HttpResponse:
    """Route /plugins/global/saleor.ltv/<path> to the plugin's URL map."""
    try:
        match = resolve("/" + (path or "").lstrip("/"), urlconf=URLCONF)
    except Resolver404:
        return JsonResponse({"error": {"code": "not_found", "message": f"no route {path!r}"}}, status=404)
    return match.func(request, *match.args, **match.kwargs)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Version, database reachability, fact counts, capture lag and the last recompute; 503 without a database."""
    body: dict = {"version": __version__}
    if demo_progress.current is not None:
        body["demo"] = demo_progress.current.as_dict()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
        body["facts"] = {
            "accounts": Account.objects.count(),
            "contacts": Contact.objects.count(),
            "orders": OrderFact.objects.count(),
            "order_lines": OrderLineFact.objects.count(),
            "checkouts": CheckoutFact.objects.count(),
        }
        waiting = InboundEvent.objects.filter(status__in=[InboundStatus.PENDING, InboundStatus.FAILED])
        oldest = waiting.order_by("received_at").values_list("received_at", flat=True).first()
        body["inbound"] = {
            "pending": waiting.count(),
            "dead": InboundEvent.objects.filter(status=InboundStatus.DEAD).count(),
            # How far capture lags behind Saleor: the age of the oldest unapplied event.
            "oldest_pending_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
        }
        last = RecomputeRun.objects.order_by("-started_at").first()
        body["metrics"] = {
            "accounts_scored": AccountMetrics.objects.count(),
            "last_recompute": None if last is None else {
                "status": last.status, "started_at": last.started_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "accounts": last.accounts,
            },
        }
    except DatabaseError as exc:
        logger.warning("ltv health: database unreachable: %s", exc)
        body["database"] = "unreachable"
        return JsonResponse(body, status=503)
    return JsonResponse(body)


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The Dashboard app manifest, with absolute URLs on the host Saleor was reached at."""
    return JsonResponse(app_manifest.build(request.build_absolute_uri("/")))


@csrf_exempt
@require_POST
def app_register(request: HttpRequest) -> JsonResponse:
    """Saleor's install flow posts {"auth_token": …} here. The plugin calls Saleor in-process and
    keeps no token; it only confirms, so the installation completes."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("auth_token"), str) or not body["auth_token"]:
        return JsonResponse({"error": {"field": "auth_token", "message": "a JSON body with auth_token is required"}},
                            status=400)
    return JsonResponse({"success": True})
