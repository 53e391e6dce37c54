"""The App host's own routes, ahead of the shared URL map (urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from . import manifest as app_manifest


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(app_manifest.build())
