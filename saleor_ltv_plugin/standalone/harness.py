"""The standalone server's stand-in for the Saleor Dashboard: one page that frames the app.

Only the standalone URL map routes here; inside Saleor the real Dashboard frames the app.
"""

from __future__ import annotations

import json

from django.shortcuts import render
from django.views.decorators.http import require_GET

APP_BASE = "/plugins/global/saleor.ltv/app/"


@require_GET
def dashboard(request):
    response = render(request, "saleor_ltv_plugin/dashboard_harness.html", {"app_base_json": json.dumps(APP_BASE)})
    # The token rides in the fragment, which browsers never send; keep it out of referrers too.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response
