"""The in-process host: the plugin inside Saleor (plugin.py), Saleor's tokens (auth.py), its saved
configuration (config.py), the ORM mapping and backfill/reconcile (mapping.py, sync.py), and the
capture that records one inbound event per object per request (recorder.py).

Only modules here import Saleor, and only host.py and plugin.py at import time: the rest import it
lazily, so the main test tier (no Saleor) can exercise them with Saleor-shaped stand-ins.
"""

# Saleor serves the plugin's URL map at /plugins/global/<PLUGIN_ID>/ (PluginsManager.webhook).
PLUGIN_ID = "saleor.ltv"
URL_PREFIX = f"/plugins/global/{PLUGIN_ID}/"
