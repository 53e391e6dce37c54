"""The App's manifest: the plugin's pages and widgets, plus the webhooks that replace its hooks.

Its id differs from the plugin-served app's, so a shop can have both while it moves from one to
the other. URLs come from the deployment's configured public URL, never from the request's Host
(Saleor 3.23's HTTP client drops the port from it).
"""

from __future__ import annotations

from django.conf import settings

from ... import conf
from ..saleor import manifest as common
from . import subscriptions

APP_ID = "saleor.ltv.app"
# Checkout events need MANAGE_CHECKOUTS: Saleor sends an app only the events its permissions cover.
PERMISSIONS = [*common.PERMISSIONS, "MANAGE_CHECKOUTS"]
REQUIRED_SALEOR_VERSION = ">=3.23"  # CUSTOMER_DELETED as a subscription type is new in 3.23


def public_url() -> str:
    return (getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")


def build() -> dict:
    manifest = common.build(public_url(), app_id=APP_ID, permissions=PERMISSIONS)
    manifest["requiredSaleorVersion"] = REQUIRED_SALEOR_VERSION
    manifest["webhooks"] = subscriptions.webhooks(public_url() + conf.url_prefix())
    return manifest
