"""The standalone server's stand-in for the Saleor Dashboard: one page that frames the app.

Only the standalone URL map routes here; inside Saleor the real Dashboard frames the app. It
plays Dashboard 3.23 as its source does (src/extensions/…/AppFrame): the same iframe sandbox,
frame URL parameters, referrer policy, 5-minute tokens refreshed 30 s before they expire, and
UpdateRouting/Redirect handled on the top window's history.

Its tokens come from the staff login's session (login.py; /dashboard/session-token), or, for the
demo and the tests, from a credential in the address's fragment (#session=… / #token=…). Outside
the demo an anonymous visit is sent to the login page.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from ... import conf
from ...auth import AuthError
from . import tokens

# saleor-dashboard's AppIFrame.tsx (3.23): no allow-modals (alert/confirm/prompt/print are ignored),
# no allow-top-navigation, no allow-popups-to-escape-sandbox.
SANDBOX = "allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"
# saleor-dashboard's nginx/default.conf
REFERRER_POLICY = "origin-when-cross-origin"


def _script_json(value) -> str:
    return json.dumps(value).replace("<", "\\u003c")  # inside <script>: no "</script>" ends it early


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    from .staff import scopes_of  # here: staff.py loads auth models, and this module is read without Django too

    return bool(user is not None and user.is_authenticated and scopes_of(user))


@ensure_csrf_cookie  # the page's CSRF token is the cookie's (the session token's POST carries it)
@require_GET
def dashboard(request):
    signed_in, demo = _signed_in(request), bool(getattr(settings, "LTV_DEMO", False))
    if not signed_in and not demo:
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
    response = render(request, "saleor_ltv_plugin/dashboard_harness.html", {
        "app_base_json": json.dumps(conf.url_prefix() + "app/"), "sandbox_json": json.dumps(SANDBOX),
        "staff_json": _script_json({"email": request.user.get_username(), "csrf": get_token(request)}
                                   if signed_in else None),
        "login_url_json": _script_json(settings.LOGIN_URL), "demo_json": _script_json(demo)})
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


@never_cache
@csrf_protect  # the credential is the session cookie: the page's CSRF token goes with it
@require_POST
def session_token(request):
    """A signed-in staff user's 5-minute access token, carrying the scopes they hold now."""
    if not _signed_in(request):
        return JsonResponse({"error": {"code": "unauthenticated", "message": "session: sign in at "
                                       f"{settings.LOGIN_URL}"}}, status=401)
    from .staff import scopes_of

    return JsonResponse({"token": tokens.mint_staff(request.user.get_username(), scopes_of(request.user))})
