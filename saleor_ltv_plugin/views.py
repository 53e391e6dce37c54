"""HTTP endpoints of the plugin, and the router Saleor's plugin webhook calls."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_GET

from . import __version__
from .models import (
    Account,
    CheckoutFact,
    Contact,
    InboundEvent,
    InboundStatus,
    OrderFact,
    OrderLineFact,
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
    """Version, database reachability and fact counts; 503 when the database is not reachable."""
    body: dict = {"version": __version__}
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
        body["inbound"] = {
            "pending": InboundEvent.objects.filter(
                status__in=[InboundStatus.PENDING, InboundStatus.FAILED]
            ).count(),
            "dead": InboundEvent.objects.filter(status=InboundStatus.DEAD).count(),
        }
    except DatabaseError as exc:
        logger.warning("ltv health: database unreachable: %s", exc)
        body["database"] = "unreachable"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
