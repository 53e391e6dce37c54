"""The standalone server's stand-in for the Saleor Dashboard: one page that frames the app.

Only the standalone URL map routes here; inside Saleor the real Dashboard frames the app. It
plays Dashboard 3.23 as its source does (src/extensions/…/AppFrame): the same iframe sandbox,
frame URL parameters, referrer policy, 5-minute tokens refreshed 30 s before they expire, and
UpdateRouting/Redirect handled on the top window's history.
"""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ... import conf
from ...auth import AuthError
from . import tokens

# saleor-dashboard's AppIFrame.tsx (3.23): no allow-modals (alert/confirm/prompt/print are ignored),
# no allow-top-navigation, no allow-popups-to-escape-sandbox.
SANDBOX = "allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"
# saleor-dashboard's nginx/default.conf
REFERRER_POLICY = "origin-when-cross-origin"


@require_GET
def dashboard(request):
    response = render(request, "saleor_ltv_plugin/dashboard_harness.html", {
        "app_base_json": json.dumps(conf.url_prefix() + "app/"), "sandbox_json": json.dumps(SANDBOX)})
    response["Referrer-Policy"] = REFERRER_POLICY
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the credential is in the body, never in a cookie
@require_POST
def token(request):
    """The Dashboard's `app { accessToken }` refetch: a session or a live token → a new token."""
    try:
        credential = json.loads(request.body or b"{}").get("credential") or ""
        fresh = tokens.refresh(str(credential))
    except (ValueError, AttributeError):
        return JsonResponse({"error": {"code": "invalid", "message": "credential: a JSON body is needed"}},
                            status=400)
    except AuthError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": f"credential: {exc}"}}, status=401)
    response = JsonResponse({"token": fresh})
    response["Cache-Control"] = "no-store"
    return response
