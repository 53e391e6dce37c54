"""HTTP endpoints every host serves (health); the Saleor hosts' own are under hosts/."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import __version__
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


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Version, database reachability, fact counts, capture lag and the last recompute; 503 without a database."""
    body: dict = {"version": __version__}
    if demo_progress.current is not None:
        body["demo"] = demo_progress.current.as_dict()
    if request.GET.get("only") == "demo":
        # The standalone harness's loading banner: it polls beside the Dashboard's first page,
        # and the exact fact counts below scan every order (1 s at 10 M orders).
        return JsonResponse(body)
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
