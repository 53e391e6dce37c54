"""The plugin's saved configuration in Saleor: the host's settings provider."""

from __future__ import annotations

import dataclasses
import time

from ... import conf
from ..saleor.manifest import PLUGIN_NAME
from . import PLUGIN_ID

# Where an admin edits them (the external App's Settings page says so instead of editing them).
SETTINGS_HOME = {"ja": f"Saleor ダッシュボードの「設定」→「プラグイン」→「{PLUGIN_NAME}」で編集します。",
                 "en": f"Edited in the Saleor Dashboard under Configuration → Plugins → {PLUGIN_NAME}."}

_defaults = conf.ChannelSettings()


def _default_value(name: str):
    value = getattr(_defaults, name)
    return value if isinstance(value, (bool, str)) else str(value)


DEFAULT_CONFIGURATION = [
    *({"name": f.name, "value": _default_value(f.name)} for f in dataclasses.fields(conf.ChannelSettings)),
    {"name": "channel_overrides", "value": ""},
]

_cache: dict = {"at": 0.0, "values": None}


def saved_configuration() -> dict:
    """Saved plugin configuration merged over defaults (cached 30 s per process)."""
    now = time.monotonic()
    if _cache["values"] is not None and now - _cache["at"] < 30:
        return _cache["values"]
    from saleor.plugins.models import PluginConfiguration

    values = {item["name"]: item["value"] for item in DEFAULT_CONFIGURATION}
    saved = PluginConfiguration.objects.filter(identifier=PLUGIN_ID).first()
    if saved is not None:
        values.update({item["name"]: item["value"] for item in saved.configuration or []})
    _cache.update(at=now, values=values)
    return values
