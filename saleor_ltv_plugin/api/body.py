"""Request body limits per endpoint, refused with a 413 that names the limit.

Django's one DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB by default, and Saleor's setting inside
Saleor) is far below a documented 5,000-order batch with lines, and raising it for the
whole site would raise it for every endpoint. An endpoint that needs more says so with
`body_limit`. Only an authenticated caller's body is read under the larger limit: an
anonymous one goes on to the 401 without the server buffering anything.
"""

from __future__ import annotations

import io
from functools import wraps

from django.http import HttpRequest
from ninja.decorators import decorate_view

# A 5,000-order batch of 10 lines each, every field filled, Japanese \u-escaped, is ~19.6 MiB.
ORDERS_BODY_LIMIT = 24 * 2**20


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the request body must be at most {describe(limit)}")


def describe(limit: int) -> str:
    return f"{limit / 2**20:g} MiB ({limit:,} bytes)"


def body_limit(limit: int):
    """Allow this endpoint a body of up to `limit` bytes."""

    def decorator(run):
        operation = run.__self__  # ninja decorates the operation's bound `run`

        @wraps(run)
        def limited(request: HttpRequest, *args, **kwargs):
            from .security import principal_of

            if principal_of(request) is not None:
                try:
                    read_body(request, limit)
                except BodyTooLarge as exc:
                    return operation.api.on_exception(request, exc)
            return run(request, *args, **kwargs)

        return limited

    return decorate_view(decorator)


def declared_limit(limit: int):
    """Refuse a body whose Content-Length is over `limit` before anything reads it (a multipart
    upload would otherwise be spooled to disk whole before the view could look at its size)."""

    def decorator(run):
        operation = run.__self__

        @wraps(run)
        def limited(request: HttpRequest, *args, **kwargs):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0  # Django reads no body for an unreadable length
            if declared > limit:
                return operation.api.on_exception(request, BodyTooLarge(limit))
            return run(request, *args, **kwargs)

        return limited

    return decorate_view(decorator)


def read_body(request: HttpRequest, limit: int) -> bytes:
    """What HttpRequest.body does, with `limit` instead of the site-wide one."""
    if hasattr(request, "_body"):  # the host read it already
        body = request.body
    else:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            raise BodyTooLarge(limit)
        body = request.read(limit + 1)
        request._body, request._stream = body, io.BytesIO(body)
    if len(body) > limit:
        raise BodyTooLarge(limit)
    return body
