"""The standalone host: no Saleor. Our own Dashboard tokens (and the staff login's), the shop's
settings stored in its database over Django's LTV_PLUGIN (LTV_SETTINGS_IN_DATABASE, on by default),
their secrets sealed with keys derived from SECRET_KEY, writes as they come, and the URL prefix from
the LTV_URL_PREFIX setting."""

from __future__ import annotations

from ... import conf
from .. import Host

# Where the settings are edited with LTV_SETTINGS_IN_DATABASE off (the Settings page is read-only).
SETTINGS_HOME = {"ja": "Django の設定 LTV_PLUGIN（または環境変数 LTV_PLUGIN_JSON）で編集し、サーバーを再起動します。"
                       "画面で編集するには LTV_SETTINGS_IN_DATABASE=1 にします。",
                 "en": "Edited in Django's LTV_PLUGIN setting (or the LTV_PLUGIN_JSON environment variable); "
                       "restart the server after changing it. LTV_SETTINGS_IN_DATABASE=1 makes them editable here."}


def _django_settings() -> dict:
    from django.conf import settings

    return dict(getattr(settings, "LTV_PLUGIN", {}))


def build(django_settings) -> Host:
    # Our Celery app becomes the current one in every process (web too), so .delay() from an API
    # call honours CELERY_* settings instead of Celery's defaults.
    from . import celery  # noqa: F401
    from . import seal, staff, tokens

    stored = getattr(django_settings, "LTV_SETTINGS_IN_DATABASE", False)
    provider = None
    if stored:
        from ...shop_settings import layered_over

        provider = layered_over(_django_settings)
    return Host(name="standalone", token_resolver=tokens.resolve, settings_provider=provider,
                settings_home=None if stored else SETTINGS_HOME,
                url_prefix=getattr(django_settings, "LTV_URL_PREFIX", "") or conf.DEFAULT_URL_PREFIX,
                seal_secret=seal.seal if stored else None, open_secret=seal.open_ if stored else None,
                staff_users=staff)
