"""The App host's own routes, ahead of the shared URL map (urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from . import manifest as app_manifest


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(app_manifest.build())


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The deployment's own health (a shop's is at <prefix>i/<shop>/health): version, database, shops."""
    from django.db import DatabaseError

    from ... import __version__
    from .models import Installation

    try:
        shops = Installation.objects.active().count()
    except DatabaseError as exc:
        return JsonResponse({"version": __version__, "database": f"unreachable: {exc}"}, status=503)
    return JsonResponse({"version": __version__, "database": "ok", "host": "saleor_app", "shops": shops})
