"""The same credentials as GraphQL (Saleor tokens inside Saleor, API keys everywhere)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from ..auth import ANONYMOUS, Principal, Scope, authenticate
from .errors import Forbidden


class Bearer(HttpBearer):
    openapi_description = (
        "A Saleor access token (staff, app-extension), a Saleor app token, or a plugin API key "
        "(`ltv_…`). X-API-Key is accepted as well."
    )

    def __call__(self, request: HttpRequest):
        principal = authenticate(request)  # AuthError → 401 with the reason
        return None if principal is ANONYMOUS else principal

    def authenticate(self, request: HttpRequest, token: str):  # pragma: no cover — __call__ decides
        return None


def need(request: HttpRequest, scope: Scope) -> Principal:
    principal: Principal = request.auth
    if principal.is_customer or not principal.can(scope):
        raise Forbidden(scope.value)
    return principal
