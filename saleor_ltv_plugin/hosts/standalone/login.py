"""The staff login page (ja/en) and logout: Django auth sessions for the standalone Dashboard pages.

CSRF-protected forms; failed sign-ins counted per address and per e-mail (throttle.py), refused for
a quarter of an hour past the limit with 429; Django's session key rotated on sign-in.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from ... import throttle
from .staff import scopes_of

WINDOW_SECONDS = 15 * 60
FAILURES_PER_EMAIL = 5
FAILURES_PER_ADDRESS = 20
HOME = "/dashboard/"

TEXT = {
    "ja": {"title": "LTV ダッシュボードにログイン", "email": "メールアドレス", "password": "パスワード",
           "submit": "ログイン", "other": "English", "signed_out": "ログアウトしました。",
           "missing": "メールアドレスとパスワードを入力してください。",
           "wrong": "メールアドレスまたはパスワードが正しくありません。",
           "no_scope": "このアカウントには権限（スコープ）がありません。管理者に付与を依頼してください。",
           "throttled": "ログインの失敗が多すぎます。15 分ほど待ってからもう一度お試しください。"},
    "en": {"title": "Sign in to the LTV Dashboard", "email": "E-mail", "password": "Password",
           "submit": "Sign in", "other": "日本語", "signed_out": "You are signed out.",
           "missing": "Enter your e-mail and password.",
           "wrong": "The e-mail or password is not correct.",
           "no_scope": "This account holds no scope: ask an administrator to grant one.",
           "throttled": "Too many failed sign-ins: wait about 15 minutes and try again."},
}


def language(request) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang")
    if chosen in TEXT:
        return chosen
    # The page the user was going to may name its language (the Dashboard's ?locale=ja).
    target = parse_qs(urlsplit(request.GET.get("next") or request.POST.get("next") or "").query)
    if (target.get("locale") or [""])[0] in TEXT:
        return target["locale"][0]
    accepted = request.META.get("HTTP_ACCEPT_LANGUAGE", "").lower()
    return "en" if accepted.startswith("en") else "ja"  # a Japanese shop's staff: ja unless asked


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or HOME
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return HOME


def _page(request, lang: str, *, error: str = "", status: int = 200, notice: str = ""):
    other = "en" if lang == "ja" else "ja"
    response = render(request, "saleor_ltv_plugin/login.html", {
        "t": TEXT[lang], "lang": lang, "other_lang": other, "next": _next(request),
        "error": TEXT[lang][error] if error else "", "error_code": error,
        "notice": TEXT[lang][notice] if notice else "", "email": request.POST.get("email", "")[:254],
    }, status=status)
    return response


@never_cache
@xframe_options_deny
@ensure_csrf_cookie
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_view(request):
    lang = language(request)
    if request.method == "GET":
        if request.user.is_authenticated and scopes_of(request.user):
            return HttpResponseRedirect(_next(request))
        return _page(request, lang, notice="signed_out" if request.GET.get("signed_out") else "")
    email = (request.POST.get("email") or "").strip().lower()
    password = request.POST.get("password") or ""
    if not email or not password:
        return _page(request, lang, error="missing", status=400)
    address = throttle.client_address(request)
    if (throttle.hits("login-email", email) >= FAILURES_PER_EMAIL
            or throttle.hits("login-address", address) >= FAILURES_PER_ADDRESS):
        return _page(request, lang, error="throttled", status=429)
    user = authenticate(request, username=email, password=password)
    if user is None:
        throttle.over_limit("login-email", email, FAILURES_PER_EMAIL, WINDOW_SECONDS)
        throttle.over_limit("login-address", address, FAILURES_PER_ADDRESS, WINDOW_SECONDS)
        return _page(request, lang, error="wrong", status=401)
    if not scopes_of(user):
        return _page(request, lang, error="no_scope", status=403)
    login(request, user)  # a new session key: a planted one is worth nothing
    return HttpResponseRedirect(_next(request))


@never_cache
@csrf_protect
@require_POST
def logout_view(request):
    lang = language(request)
    logout(request)
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?signed_out=1&lang={lang}")
