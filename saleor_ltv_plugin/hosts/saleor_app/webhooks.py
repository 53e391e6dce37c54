"""Saleor's webhooks: verify, record, 200 — well inside Saleor's 18 s, and in milliseconds here.

The installation is found by the Saleor-Api-Url header, the body's JWS checked against that
installation's keys (refetched once, from its own Saleor, on an unknown key id) and the body's
`recipient` against its app id, so a signed body from one installation replayed to another's
route is refused. What the body says becomes inbox events in the shop's schema; the inbox
applies them as it applies the plugin's (idempotent, newest `updatedAt` wins), so Saleor's
duplicates and reorderings are harmless and lost deliveries are reconcile's (sync.py).

Answers: 4xx where a retry cannot help (Saleor does not retry them: a stranger, a forgery, an
event this route does not take); 503 only when our own storage or the shop's JWKS fails, so
Saleor retries (up to 5 times over ~5 minutes).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ... import tenancy
from ...api.body import BodyTooLarge, read_body
from ...ingest import inbox
from ...models import Source
from ...tasks import process_inbound_events_task
from . import api_url, installations, jws, payloads, subscriptions
from .models import Installation

logger = logging.getLogger(__name__)
# OrderBulkCreated carries up to 50 orders (orderBulkCreate's MAX_ORDERS) with all their lines:
# past Django's site-wide 2.5 MiB. Only that route reads more, and only for a Saleor-Api-Url that
# names an installation.
BODY_LIMITS = {"orders-bulk": 32 * 2**20}


def _answer(status: int, code: str, message: str = "") -> JsonResponse:
    return JsonResponse({"success": status < 300, "code": code, "message": message}, status=status)


def _api_url(request: HttpRequest) -> str | None:
    try:
        return api_url.normalise(request.headers.get("Saleor-Api-Url", ""))
    except api_url.NotAllowed:
        return None


def _check(installation: Installation, raw: bytes, signature: str) -> tuple[dict | None, JsonResponse | None]:
    """(the body, None) when the installation's Saleor signed it for this app, else (None, refusal)."""
    try:
        jws.verify_webhook(installation, raw, signature)
    except jws.SignatureError as exc:
        return None, _answer(401, "SIGNATURE_VERIFICATION_FAILED", str(exc))
    except jws.JwksUnavailable as exc:
        return None, _answer(503, "JWKS_NOT_AVAILABLE", str(exc))
    try:
        body = payloads.parse_body(raw)
    except payloads.PayloadError as exc:
        return None, _answer(400, "INVALID_BODY", str(exc))
    recipient = (body.get("recipient") or {}).get("id") if isinstance(body.get("recipient"), dict) else None
    if recipient is not None and recipient != installation.app_id:
        return None, _answer(401, "WRONG_RECIPIENT", "the body was addressed to another app")
    return body, None


@csrf_exempt
def receive(request: HttpRequest, route: str) -> JsonResponse:
    if request.method != "POST":
        return _answer(405, "METHOD_NOT_ALLOWED", "POST only")
    accepted = subscriptions.ACCEPTED_EVENTS.get(f"app/webhooks/{route}")
    event = request.headers.get("Saleor-Event", "").lower()
    signature = request.headers.get("Saleor-Signature", "")
    if accepted is None:
        return _answer(404, "UNKNOWN_ROUTE")
    if not event or not signature or not request.headers.get("Saleor-Api-Url"):
        return _answer(400, "MISSING_HEADER", "Saleor-Api-Url, Saleor-Event and Saleor-Signature are required")
    if event not in accepted:
        return _answer(400, "WRONG_EVENT", f"this route takes {', '.join(sorted(accepted))}, not {event}")
    url, raw = _api_url(request), None
    for fresh in (False, True):  # a kept installation may be a re-install behind: re-read before a 401
        installation = installations.active(url, fresh=fresh) if url else None
        if installation is None:
            return _answer(401, "NOT_REGISTERED", "no installation for this Saleor-Api-Url")
        if raw is None:
            limit = BODY_LIMITS.get(route, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)
            try:
                raw = read_body(request, limit)
            except BodyTooLarge as exc:
                logger.warning("ltv app: a %s webhook for %s over %s; reconcile reads it", event, url, exc)
                return _answer(413, "BODY_TOO_LARGE", str(exc))
        body, refusal = _check(installation, raw, signature)
        if refusal is None or refusal.status_code != 401:
            break
    if refusal is not None:
        if refusal.status_code == 401:
            logger.warning("ltv app: refused a %s webhook for %s: %s", event, url, refusal.content.decode())
        return refusal
    if event == "app_deleted":
        return _uninstalled(installation, body)
    try:
        # In the shop's schema: the mapping reads the shop's settings (account key, consent, …).
        # One INSERT of all the body's events: atomic without a transaction around it.
        with tenancy.enter(installation.schema):
            events = payloads.events_from_webhook(event, body)
            inbox.record_many(Source.SALEOR, events)
    except payloads.PayloadError as exc:
        # Signed by the shop's Saleor, so not a forgery: a shape we do not read. A retry would bring
        # the same bytes; reconcile reads the object over the API instead.
        logger.warning("ltv app: a %s webhook for %s not understood: %s", event, installation.schema, exc)
        return _answer(200, "NOT_UNDERSTOOD", str(exc))
    except DatabaseError:
        logger.exception("ltv app: could not record a %s webhook for %s", event, installation.schema)
        return _answer(503, "STORAGE_FAILED", "try again")
    if events:
        _apply_soon(installation.schema)
    return _answer(200, "RECORDED", f"{len(events)} event(s)")


def _apply_soon(schema: str) -> None:
    """Ask a worker to apply the shop's inbox now rather than at the beat's next sweep (≤ 10 s
    later): at most once a second per shop and process. Never inline (eager Celery: tests, dev) and
    never failing the delivery, which is recorded already."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not cache.add(f"ltv-apply-soon:{schema}", 1, timeout=1):
        return
    try:
        with tenancy.enter(schema):
            process_inbound_events_task.apply_async(expires=60)
    except Exception:  # noqa: BLE001 — the broker being down only costs the beat's delay
        logger.warning("ltv app: could not ask a worker to apply %s's inbox", schema, exc_info=True)


def _uninstalled(installation: Installation, body: dict) -> JsonResponse:
    app = (body.get("app") or {}).get("id") if isinstance(body.get("app"), dict) else None
    if app is not None and app != installation.app_id:
        return _answer(401, "WRONG_RECIPIENT", "another app was deleted")
    # The token dies with the app; the shop's data stays for a re-install (same API URL, same schema).
    installation.token, installation.removed_at = "", timezone.now()
    installation.save(update_fields=["token_sealed", "removed_at", "updated_at"])
    logger.info("ltv app: uninstalled from %s", installation.saleor_api_url)
    return _answer(200, "UNINSTALLED")
