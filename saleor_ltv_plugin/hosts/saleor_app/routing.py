"""Which shop a request is for, decided before any view runs (middleware), and entered for the
length of the request — streamed bodies (exports) included.

  <prefix>i/<schema>/…      the shop's own path: API keys, and every link we put in mail, LINE,
                            SMS and print (unsubscribe, tracking, provider webhooks); it keeps
                            working after an uninstall, as an unsubscribe link must
  <prefix>… + Saleor JWT    the Dashboard's pages and widgets, and storefronts: the token's issuer
  app/manifest, app/register, app/webhooks/…, health, the pages' files   no shop (shared)

Anything else names no shop and is answered here with a 401 that says how to name one, rather
than reaching a view that would find no tables.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from ... import auth, conf, tenancy
from . import tokens
from .models import Installation

SHARED = ("health", "app/manifest", "app/register", "app/webhooks/", "app/assets/", "api/v1/openapi.json")
SHOP_PATH = tenancy.URL_SEGMENT


def _refuse(request: HttpRequest, rest: str, message: str, code: str, status: int = 401) -> JsonResponse:
    if rest.startswith("graphql/"):
        return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)
    return JsonResponse({"detail": message, "errors": [{"field": "Authorization", "message": message,
                                                        "code": code}]}, status=status)


def _within(schema: str, get_response, request: HttpRequest):
    with tenancy.enter(schema):
        response = get_response(request)
    if getattr(response, "streaming", False):
        response.streaming_content = _streamed_within(schema, response.streaming_content)
    return response


def _streamed_within(schema: str, chunks):
    iterator = iter(chunks)
    while True:
        with tenancy.enter(schema):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class ShopMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        prefix = conf.url_prefix()
        if not request.path_info.startswith(prefix):
            return self.get_response(request)
        rest = request.path_info[len(prefix):]
        if rest.startswith(SHOP_PATH):
            schema, _, tail = rest[len(SHOP_PATH):].partition("/")
            if not tenancy.SCHEMA.match(schema) or not Installation.objects.filter(schema=schema).exists():
                return _refuse(request, tail, "no such shop", "NOT_FOUND", 404)
            request.path_info = prefix + tail
            return _within(schema, self.get_response, request)
        if rest.startswith(SHARED) or rest == "app/":
            return self.get_response(request)
        token = auth.bearer_token(request)
        if token and not token.startswith(auth.API_KEY_PREFIX):
            try:
                principal, schema = tokens.resolve(token)
            except auth.AuthError as exc:
                return _refuse(request, rest, str(exc), exc.code)
            request._ltv_principal = principal  # auth.authenticate returns it
            return _within(schema, self.get_response, request)
        if rest.startswith("app/") and not token:
            return self.get_response(request)  # the pages themselves: their API calls carry the token
        return _refuse(request, rest, "name the shop: a Saleor token from the Dashboard or storefront, or the "
                       f"shop's own path {prefix}{SHOP_PATH}<shop>/ (API keys, links)", "SHOP_REQUIRED")
