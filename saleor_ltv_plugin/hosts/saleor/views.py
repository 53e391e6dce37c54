"""The app handshake every Saleor host answers: the manifest, and the register endpoint."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import manifest as app_manifest


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The Dashboard app manifest, with absolute URLs on the host Saleor was reached at."""
    return JsonResponse(app_manifest.build(request.build_absolute_uri("/")))


@csrf_exempt
@require_POST
def app_register(request: HttpRequest) -> JsonResponse:
    """Saleor's install flow posts {"auth_token": …} here. The in-process plugin calls Saleor
    directly and keeps no token; it only confirms, so the installation completes."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("auth_token"), str) or not body["auth_token"]:
        return JsonResponse({"error": {"field": "auth_token", "message": "a JSON body with auth_token is required"}},
                            status=400)
    return JsonResponse({"success": True})
