"""The install handshake: Saleor posts {"auth_token": …} to the manifest's tokenTargetUrl.

The post is not signed. It is trusted when (1) its Saleor-Api-Url is on the deployment's
allow-list (which also keeps us from calling arbitrary URLs a request names), (2) that Saleor
answers `{ app { id } }` for the token — only it can mint a token it accepts — and (3) it hands
out its JWKS. Then the installation is stored (token encrypted) and its schema created or brought
up to date. A re-install (new token, new app id, same API URL) keeps the shop's schema and data.
Any non-2xx answer makes Saleor delete the app; the message is shown to the admin who installed it.
"""

from __future__ import annotations

import json
import logging
import secrets

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ... import tenancy
from . import api_url, http, jws
from .models import Installation

logger = logging.getLogger(__name__)
APP_QUERY = "query LtvAppInstall { app { id } shop { version } }"
CALL_TIMEOUT = 6  # Saleor waits 18 s for our answer; the schema's migrations need some of it


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return JsonResponse({"success": False, "error": error}, status=status)


def _ask_saleor(url: str, token: str) -> tuple[str, str]:
    """(app id, Saleor version) for the token, or http.HttpError / ValueError."""
    answer = http.request_json(url, body={"query": APP_QUERY}, token=token, timeout=CALL_TIMEOUT, limit=65536)
    data = answer.get("data") if isinstance(answer, dict) else None
    app_id = ((data or {}).get("app") or {}).get("id")
    if not isinstance(app_id, str) or not app_id:
        raise ValueError("Saleor did not recognise the token as an app's")
    return app_id, str(((data or {}).get("shop") or {}).get("version") or "")[:40]


@csrf_exempt
def register(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "METHOD_NOT_ALLOWED", "POST only")
    try:
        url = api_url.allowed(request.headers.get("Saleor-Api-Url", ""))
    except api_url.NotAllowed as exc:
        status = 400 if not request.headers.get("Saleor-Api-Url") else 403
        return _error(status, "SALEOR_URL_PROHIBITED", f"Saleor-Api-Url {exc}", "Saleor-Api-Url")
    try:
        token = json.loads(request.body or b"null").get("auth_token")
    except (ValueError, UnicodeDecodeError, AttributeError):
        token = None
    if not isinstance(token, str) or not token.strip():
        return _error(400, "INVALID_BODY", "a JSON body with auth_token is required", "auth_token")
    try:
        app_id, version = _ask_saleor(url, token)
    except (http.HttpError, ValueError) as exc:
        logger.warning("ltv app: install from %s refused: %s", url, exc)
        return _error(401, "UNKNOWN_APP_ID", f"the token could not be confirmed with {url}: {exc}")
    try:
        keys = jws.fetch_jwks(url)
    except jws.JwksUnavailable as exc:
        return _error(401, "JWKS_NOT_AVAILABLE", str(exc))
    installation = _store(url, request.headers.get("Saleor-Domain", ""), app_id, token, keys, version)
    try:
        tenancy.create(installation.schema)
    except Exception:  # noqa: BLE001 — answer 5xx: Saleor removes the half-installed app
        logger.exception("ltv app: schema %s for %s could not be migrated", installation.schema, url)
        return _error(503, "STORAGE_FAILED", "the app could not prepare this shop's storage; try again")
    logger.info("ltv app: installed for %s (app %s, schema %s)", url, app_id, installation.schema)
    return JsonResponse({"success": True})


def _store(url: str, domain: str, app_id: str, token: str, keys: dict, version: str) -> Installation:
    with transaction.atomic():
        installation = Installation.objects.select_for_update().filter(saleor_api_url=url).first()
        if installation is None:
            installation = Installation(saleor_api_url=url, schema=f"ltv_{secrets.token_hex(6)}")
        installation.domain, installation.app_id, installation.token = domain[:255], app_id, token
        installation.jwks, installation.jwks_fetched_at = keys, timezone.now()
        installation.saleor_version, installation.removed_at = version, None
        installation.save()
    return installation
