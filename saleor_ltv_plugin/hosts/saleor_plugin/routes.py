"""Saleor hands the plugin every request under /plugins/global/<plugin id>/ (PluginsManager.webhook):
route it to the app's URL map."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

URLCONF = "saleor_ltv_plugin.urls"


def dispatch(request: HttpRequest, path: str | None) -> HttpResponse:
    """Saleor passes the path after the plugin id, with its leading slash."""
    try:
        match = resolve("/" + (path or "").lstrip("/"), urlconf=URLCONF)
    except Resolver404:
        return JsonResponse({"error": {"code": "not_found", "message": f"no route {path!r}"}}, status=404)
    return match.func(request, *match.args, **match.kwargs)
