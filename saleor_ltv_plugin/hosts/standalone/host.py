"""The standalone host: no Saleor. Our own Dashboard tokens, Django's LTV_PLUGIN settings, writes
as they come, and the URL prefix from the LTV_URL_PREFIX setting."""

from __future__ import annotations

from ... import conf
from .. import Host

SETTINGS_HOME = {"ja": "Django の設定 LTV_PLUGIN（または環境変数 LTV_PLUGIN_JSON）で編集し、サーバーを再起動します。",
                 "en": "Edited in Django's LTV_PLUGIN setting (or the LTV_PLUGIN_JSON environment variable); "
                       "restart the server after changing it."}


def build(django_settings) -> Host:
    # Our Celery app becomes the current one in every process (web too), so .delay() from an API
    # call honours CELERY_* settings instead of Celery's defaults.
    from . import celery  # noqa: F401
    from . import tokens

    return Host(name="standalone", token_resolver=tokens.resolve, settings_home=SETTINGS_HOME,
                url_prefix=getattr(django_settings, "LTV_URL_PREFIX", "") or conf.DEFAULT_URL_PREFIX)
