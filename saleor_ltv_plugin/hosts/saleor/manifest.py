"""The Saleor app manifest that brings the app's pages into the Dashboard.

An admin installs it once from <URL prefix>app/manifest (Apps → install from manifest, or the
appInstall mutation; inside Saleor the prefix is /plugins/global/saleor.ltv/). Mounts and targets are Saleor 3.23's; an extension's
permissions must be a subset of the app's. The pages themselves are the dashboard issue's.
"""

from __future__ import annotations

from ... import __version__, conf

APP_ID = "saleor.ltv"
# MANAGE_PLUGINS: switching and editing scenarios and shop settings is plugin configuration in
# Saleor's terms; an extension token carries app ∩ user permissions, so without it here not even
# a superuser could switch a scenario inside the Dashboard.
PERMISSIONS = ["MANAGE_USERS", "MANAGE_ORDERS", "MANAGE_PLUGINS"]
# The manifest has one name per string (Saleor does not localise them): Japanese and English side
# by side, and the app's name differs from the plugin's (plugin.py's PLUGIN_NAME).
APP_NAME = "LTV CRM · ダッシュボード画面 / Dashboard pages"
PLUGIN_NAME = "LTV CRM · 集計・配信エンジン / engine"  # plugin.py's, under Configuration → Plugins
MENU_LABEL = "LTV分析 · LTV analytics"
WIDGET_LABEL = "LTV 顧客分析 / LTV account"
EXPORT_LABEL = "LTVセグメントを書き出す / Export LTV segment"


def build(origin: str, *, app_id: str = APP_ID, permissions: list[str] = PERMISSIONS) -> dict:
    """The manifest for an app reachable at `origin` (scheme://host[:port]): inside Saleor, Saleor's."""
    root = origin.rstrip("/") + conf.url_prefix()
    app_url = root + "app/"

    def widget(label: str, mount: str, path: str, permission: str) -> dict:
        return {"label": label, "mount": mount, "target": "WIDGET", "permissions": [permission],
                "url": app_url + path, "options": {"widgetTarget": {"method": "GET"}}}

    return {
        "id": app_id,
        "name": APP_NAME,
        "version": __version__,
        "about": "Lifecycle, RFM and CPM of every buying account, purchase rhythm and reorder dates, "
        "churn-risk alerts and retention scenarios.",
        "permissions": permissions,
        "appUrl": app_url,
        # Saleor posts the app's token here on install; the plugin runs inside Saleor and needs none.
        "tokenTargetUrl": root + "app/register",
        "extensions": [
            # Staff without MANAGE_PLUGINS still see the pages (read-only scenarios, saying what is missing).
            {"label": MENU_LABEL, "mount": "NAVIGATION_CUSTOMERS", "target": "APP_PAGE",
             "permissions": ["MANAGE_USERS", "MANAGE_ORDERS"], "url": "/overview"},
            widget(WIDGET_LABEL, "CUSTOMER_DETAILS_WIDGETS", "widgets/customer", "MANAGE_USERS"),
            widget(WIDGET_LABEL, "ORDER_DETAILS_WIDGETS", "widgets/order", "MANAGE_ORDERS"),
            {"label": EXPORT_LABEL, "mount": "CUSTOMER_OVERVIEW_MORE_ACTIONS", "target": "APP_PAGE",
             "permissions": ["MANAGE_USERS"], "url": "/accounts?export=1"},
        ],
    }
