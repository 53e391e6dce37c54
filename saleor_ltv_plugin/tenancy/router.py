"""Where each app's tables are migrated when shops have schemas: the app's own tables in every
tenant schema and never in public; the shared ones (installations, Django's) in public only."""

from __future__ import annotations

from . import current

TENANT_APPS = frozenset({"saleor_ltv_plugin"})


class TenantRouter:
    def allow_migrate(self, db, app_label, **hints):
        return (app_label in TENANT_APPS) == (current() is not None)
