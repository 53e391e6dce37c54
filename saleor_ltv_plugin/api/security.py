"""The same credentials as GraphQL (Saleor tokens inside Saleor, API keys everywhere)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security.base import AuthBase

from ..auth import ANONYMOUS, AuthError, Principal, Scope, authenticate
from .errors import Forbidden


class Bearer(AuthBase):
    # AuthBase, not HttpBearer: besides "Authorization: Bearer" we read Saleor's
    # Authorization-Bearer and X-API-Key headers, all through auth.authenticate.
    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = (
        "A Saleor access token (staff, app-extension), a Saleor app token, or a plugin API key "
        "(`ltv_…`). X-API-Key is accepted as well."
    )

    def __call__(self, request: HttpRequest):
        if getattr(request, "_ltv_principal", None) is not None:
            return request._ltv_principal
        principal = authenticate(request)  # AuthError → 401 with the reason
        request._ltv_principal = None if principal is ANONYMOUS else principal
        return request._ltv_principal


def principal_of(request: HttpRequest) -> Principal | None:
    """The caller, or None when anonymous or the credentials are wrong (the 401 comes later)."""
    try:
        return Bearer()(request)
    except AuthError:
        return None


def need(request: HttpRequest, scope: Scope) -> Principal:
    principal: Principal = request.auth
    if principal.is_customer or not principal.can(scope):
        raise Forbidden(scope.value)
    return principal
