"""The Saleor app manifest that brings the plugin's pages into the Dashboard.

An admin installs it once from /plugins/global/saleor.ltv/app/manifest (Apps → install from
manifest, or the appInstall mutation). Mounts and targets are Saleor 3.23's; an extension's
permissions must be a subset of the app's. The pages themselves are the dashboard issue's.
"""

from __future__ import annotations

from . import __version__

APP_ID = "saleor.ltv"
PREFIX = "/plugins/global/saleor.ltv"
PERMISSIONS = ["MANAGE_USERS", "MANAGE_ORDERS"]


def build(origin: str) -> dict:
    """The manifest for a Saleor reachable at `origin` (scheme://host[:port])."""
    root = origin.rstrip("/") + PREFIX
    app_url = root + "/app/"

    def widget(label: str, mount: str, path: str, permission: str) -> dict:
        return {"label": label, "mount": mount, "target": "WIDGET", "permissions": [permission],
                "url": app_url + path, "options": {"widgetTarget": {"method": "GET"}}}

    return {
        "id": APP_ID,
        "name": "LTV retention CRM",
        "version": __version__,
        "about": "Lifecycle, RFM and CPM of every buying account, purchase rhythm and reorder dates, "
        "churn-risk alerts and retention scenarios.",
        "permissions": PERMISSIONS,
        "appUrl": app_url,
        # Saleor posts the app's token here on install; the plugin runs inside Saleor and needs none.
        "tokenTargetUrl": root + "/app/register",
        "extensions": [
            {"label": "LTV", "mount": "NAVIGATION_CUSTOMERS", "target": "APP_PAGE",
             "permissions": PERMISSIONS, "url": "/overview"},
            widget("LTV account", "CUSTOMER_DETAILS_WIDGETS", "widgets/customer", "MANAGE_USERS"),
            widget("LTV account", "ORDER_DETAILS_WIDGETS", "widgets/order", "MANAGE_ORDERS"),
            {"label": "Export LTV segment", "mount": "CUSTOMER_OVERVIEW_MORE_ACTIONS", "target": "APP_PAGE",
             "permissions": ["MANAGE_USERS"], "url": "/accounts?export=1"},
        ],
    }
