"""The shop's settings over REST (shop_settings.py): what the Dashboard's Settings page reads and saves,
for scripts that set up a deployment."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from .. import conf, shop_settings
from ..auth import Scope
from ..queries.errors import InputError
from .schemas import ErrorOut
from .security import need

router = Router(tags=["settings"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SettingsOut(Schema):
    editable: bool
    edited_in: dict[str, str] | None
    values: dict[str, Any]  # secrets as null: see secrets_set
    secrets_set: list[str]
    changed: list[str] | None = None


def _reading() -> dict:
    reading = shop_settings.read()
    values = {row.name: row.value for row in reading.rows}
    secrets_set = [row.name for row in reading.rows if row.kind == "secret" and row.is_set]
    return {"editable": reading.editable, "edited_in": reading.home, "values": values,
            "secrets_set": secrets_set + reading.override_secrets_set}


@router.get("settings", response={200: SettingsOut, **ERRORS}, summary="The shop's settings in force")
def read(request: HttpRequest):
    """Every setting in force; a secret only as set or not (`secrets_set`). metrics:read or settings:write."""
    if not request.auth.can(Scope.SETTINGS):
        need(request, Scope.READ)
    return Status(200, _reading())


@router.patch("settings", response={200: SettingsOut, **ERRORS}, summary="Change the shop's settings")
def update(request: HttpRequest):
    """Body `{name: value}`: a name left out is unchanged, null restores the default (a secret: clears
    it), "" for a secret keeps it. Validated whole; 422 names every field at fault (in English and
    Japanese), 409 where the deployment reads its settings elsewhere. settings:write."""
    who = need(request, Scope.SETTINGS)
    try:
        changes = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise InputError({"body": f"not valid JSON ({exc})"}) from None
    try:
        changed = shop_settings.update(changes, by=who.email or who.label or who.kind)
    except shop_settings.SettingsElsewhere as exc:
        return Status(409, {"detail": str(exc), "errors": [{"field": "settings", "message": str(exc),
                                                             "code": "settings_elsewhere"}]})
    except conf.SettingsError as exc:
        ja = {name: shop_settings.reason_ja(reason) for name, reason in exc.errors.items()}
        raise InputError(dict(exc.errors), ja={k: v for k, v in ja.items() if v}) from None
    return Status(200, {**_reading(), "changed": changed})
