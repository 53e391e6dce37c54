"""Saleor's settings with this package's plugin taken out: the App-mode tier's Saleor knows nothing
of us but what it installs from the manifest (the plugin is pip-installed in its venv, so Saleor's
entry-point discovery would otherwise load it)."""

from saleor.settings import *  # noqa: F403
from saleor.settings import INSTALLED_APPS, PLUGINS

PLUGINS = [path for path in PLUGINS if not path.startswith("saleor_ltv_plugin")]
INSTALLED_APPS = [name for name in INSTALLED_APPS if not name.startswith("saleor_ltv_plugin")]
