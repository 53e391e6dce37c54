"""Serve the built Dashboard extension (dashboard_extension/ → static/saleor_ltv_plugin/dashboard/).

Every page path under app/ gets index.html (the app routes on the client); files under
app/assets/ are content-hashed by the build, so they may be cached for a year. The build's URLs
are relative: index.html gets a <base href> naming where it is served (the URL prefix setting).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from . import conf

BUILD = Path(__file__).resolve().parent / "static" / "saleor_ltv_plugin" / "dashboard"
TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".woff2": "font/woff2",
         ".json": "application/json", ".map": "application/json", ".html": "text/html; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"


def _not_built() -> JsonResponse:
    return JsonResponse({"error": {"code": "not_built", "message": "the Dashboard extension is not built: "
                                   "run `npm ci && npm run build` in dashboard_extension/"}}, status=404)


@require_GET
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    if path.startswith("assets/"):
        target = (BUILD / path).resolve()
        if BUILD.resolve() not in target.parents or not target.is_file():
            return JsonResponse({"error": {"code": "not_found", "message": f"no asset {path!r}"}}, status=404)
        response = FileResponse(open(target, "rb"), content_type=TYPES.get(target.suffix)
                                or mimetypes.guess_type(target.name)[0] or "application/octet-stream")
        response["Cache-Control"] = IMMUTABLE
        return response
    index = BUILD / "index.html"
    if not index.is_file():
        return _not_built()
    base = f'<head>\n    <base href="{escape(conf.url_prefix())}app/" />'
    response = HttpResponse(index.read_text(encoding="utf-8").replace("<head>", base, 1), content_type=TYPES[".html"])
    # The page names the current hashed assets: always revalidate it.
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
