"""The secrets of a stored settings document (shop_settings.py), encrypted at rest by the host's
box (Host.seal_secret / open_secret: the App host's Fernet keys), so a copy of the database or a
backup does not hand out a shop's LINE, Twilio or webhook secrets.

A sealed value is stored as "sealed:<token>". A plain one (written before sealing, or by a host
without a box) still reads, and is sealed at the document's next save. A value no key opens reads
as unset, logged: the Settings page then shows it missing and the admin enters it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import conf, hosts

logger = logging.getLogger(__name__)
PREFIX = "sealed:"
OVERRIDES = "channel_overrides"


def _each_secret(document: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    def one(name, value):
        return change(value) if name in conf.SECRET_SETTINGS and isinstance(value, str) and value else value

    out = {name: one(name, value) for name, value in document.items()}
    overrides = out.get(OVERRIDES)
    if isinstance(overrides, dict):
        out[OVERRIDES] = {slug: {n: one(n, v) for n, v in values.items()} if isinstance(values, dict) else values
                          for slug, values in overrides.items()}
    return out


def sealed(document: dict[str, Any]) -> dict[str, Any]:
    """The document as stored: each secret sealed where the host has a box."""
    host = hosts.current()
    if host is None or host.seal_secret is None:
        return document
    return _each_secret(document, lambda v: v if v.startswith(PREFIX) else PREFIX + host.seal_secret(v))


def opened(document: dict[str, Any]) -> dict[str, Any]:
    """The document as read: each sealed secret opened ("" where no key opens it)."""
    host = hosts.current()

    def open_(value: str) -> str:
        if not value.startswith(PREFIX):
            return value
        try:
            if host is None or host.open_secret is None:
                raise RuntimeError("this host has no key to open it")
            return host.open_secret(value[len(PREFIX):])
        except Exception as exc:  # noqa: BLE001 — a lost key must not take the shop's settings down
            logger.error("ltv settings: a stored secret does not open (%s); it reads as unset", exc)
            return ""

    return _each_secret(document, open_)
