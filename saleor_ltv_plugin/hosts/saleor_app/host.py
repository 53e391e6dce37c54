"""The App host: Saleor's Dashboard and storefront tokens checked against each shop's own keys,
the events the webhooks record applied from their payloads (an object Saleor could not put in a
payload re-read through the shop's API), reconcile through that API, each shop in its own schema."""

from __future__ import annotations

from ... import conf
from ...models import Source
from .. import Host
from ..saleor.staff import STAFF_HOME


def _no_host_token(request, token):
    return None  # Saleor's tokens were resolved by routing.ShopMiddleware before the view ran


def build(django_settings) -> Host:
    from ...tenancy import celery as tenant_tasks
    from . import celery  # noqa: F401 — our Celery app becomes the current one in every process

    if django_settings.DATABASES["default"]["ENGINE"] != "saleor_ltv_plugin.tenancy":
        raise conf.SettingsError({"DATABASES": "the App host needs ENGINE saleor_ltv_plugin.tenancy (PostgreSQL)"})
    from ...shop_settings import stored_settings
    from . import secrets_box, shops, sync

    tenant_tasks.connect()
    # Each shop's settings live in its own schema, edited on the Dashboard's Settings page.
    return Host(name="saleor_app", token_resolver=_no_host_token, settings_provider=stored_settings,
                url_prefix=getattr(django_settings, "LTV_URL_PREFIX", "") or conf.DEFAULT_URL_PREFIX,
                capture_source=Source.SALEOR, inbox_applier=sync.make_applier(shops.current_client),
                reconcile_orders=lambda window: sync.reconcile_orders(shops.current_client(), window),
                seal_secret=secrets_box.seal, open_secret=secrets_box.open_,
                staff_home=STAFF_HOME)
