"""One error shape for every 4xx: {"detail": ..., "errors": [{"field", "message", "code"}]}."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ..auth import AuthError
from ..queries.accounts import RANGES
from ..queries.segment_spec import FLAT_FIELDS
from ..queries.errors import InputError
from .body import BodyTooLarge

logger = logging.getLogger(__name__)


class Forbidden(Exception):
    def __init__(self, scope: str):
        super().__init__(f"this needs the {scope} scope (Saleor: the matching permission)")
        self.scope = scope


class NotFound(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def body(detail: str, errors: list[dict]) -> dict:
    return {"detail": detail, "errors": errors}


def _location(loc) -> str:
    # ninja prefixes the parameter source ("body", "query", "path"); the field path is the rest.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header"):
        parts = parts[1:]
    if parts and parts[0] in ("payload", "filters", "params"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _query_name(field: str) -> str:
    # The shared filter spec names "filter.p_alive.gte"; REST callers sent p_alive_gte. Paths
    # into the JSON `filter` parameter (filter.any[2].bought.sku) stay as they are.
    parts = field.split(".")
    if parts[0] == "filter" and len(parts) > 1 and parts[1] not in FLAT_FIELDS:
        return field
    if parts[0] == "filter" and len(parts) == 2 and parts[1] in RANGES:
        return f"{parts[1]}_gte"  # the range as a whole: gte above lte
    if parts[0] == "filter" and len(parts) > 1:
        return "_".join(parts[1:])
    return {"sort_by.field": "sort_by", "sort_by.direction": "direction"}.get(field, field)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError):
        errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", "invalid"),
                   "code": e.get("type", "invalid")} for e in exc.errors]
        return api.create_response(request, body("The request is invalid.", errors), status=422)

    @api.exception_handler(InputError)
    def bad_input(request: HttpRequest, exc: InputError):
        errors = [{"field": _query_name(k), "message": v, "code": exc.code,
                   **({"message_ja": exc.ja[k]} if k in exc.ja else {})} for k, v in exc.errors.items()]
        return api.create_response(request, body("The request is invalid.", errors), status=422)

    @api.exception_handler(AuthError)
    def bad_credentials(request: HttpRequest, exc: AuthError):
        errors = [{"field": "Authorization", "message": str(exc), "code": exc.code}]
        return api.create_response(request, body(str(exc), errors), status=401)

    @api.exception_handler(AuthenticationError)
    def no_credentials(request: HttpRequest, exc: AuthenticationError):
        message = "Authentication required: Authorization: Bearer <Saleor token or ltv_ API key>."
        errors = [{"field": "Authorization", "message": message, "code": "unauthenticated"}]
        return api.create_response(request, body(message, errors), status=401)

    @api.exception_handler(Forbidden)
    def forbidden(request: HttpRequest, exc: Forbidden):
        errors = [{"field": "Authorization", "message": str(exc), "code": "permission_denied"}]
        return api.create_response(request, body(str(exc), errors), status=403)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound):
        return api.create_response(request, body(str(exc), [{"field": exc.field, "message": str(exc),
                                                              "code": "not_found"}]), status=404)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError):
        errors = [{"field": "file", "message": f"unreadable multipart body: {exc}", "code": "invalid"}]
        return api.create_response(request, body("The request body could not be read.", errors), status=400)

    @api.exception_handler(BodyTooLarge)
    def too_large(request: HttpRequest, exc: BodyTooLarge):
        return api.create_response(request, body(str(exc), [{"field": "body", "message": str(exc),
                                                              "code": "too_large"}]), status=413)

    @api.exception_handler(RequestDataTooBig)
    def too_large_for_django(request: HttpRequest, exc: RequestDataTooBig):
        return too_large(request, BodyTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        return api.create_response(request, body(str(exc), [{"field": "body", "message": str(exc),
                                                              "code": "invalid"}]), status=exc.status_code)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception):
        logger.exception("ltv REST: unexpected error on %s", request.path)
        return api.create_response(request, body("Internal error; it has been logged.", []), status=500)
