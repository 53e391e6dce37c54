"""The REST API (django-ninja): <URL prefix>api/v1/, OpenAPI at openapi.json."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI

from .. import conf
from . import (accounts, analyses, catalogue, checkouts, customer_links, customers, errors, exports, flows,
               import_sample, imports, orders, print_jobs, recompute, settings, staff)
from .security import Bearer

api = NinjaAPI(
    title="saleor-ltv-plugin REST API",
    version="1",
    description="Order, customer and catalogue ingest from other sales channels, account metrics, segment exports and "
    "recompute control, flows and their reports (read), postal DM print jobs, the shop's settings, standalone staff logins. Same credentials as the plugin's GraphQL API.",
    auth=Bearer(),
    urls_namespace="ltv-api-v1",
    # Served by openapi_view below: ninja finds its root by reversing a URL name, which fails
    # inside Saleor, where the plugin's URL map is resolved on its own (hosts/saleor_plugin/routes.py).
    openapi_url=None,
    docs_url=None,
)
errors.install(api)
for module in (orders, import_sample, imports, customers, customer_links, catalogue, checkouts, accounts, exports,
               analyses, recompute, flows, print_jobs, settings, staff):
    api.add_router("", module.router)


def openapi_document() -> dict:
    return api.get_openapi_schema(path_prefix=conf.url_prefix() + "api/v1/")


def openapi_view(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return JsonResponse({"detail": "GET only", "errors": []}, status=405)
    return HttpResponse(json.dumps(openapi_document(), ensure_ascii=False), content_type="application/json")
