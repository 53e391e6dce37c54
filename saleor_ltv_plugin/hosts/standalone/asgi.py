"""The standalone server's ASGI application (`LTV_HOST=standalone saleor-ltv serve` runs it under uvicorn)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.standalone.settings")
os.environ["LTV_ASGI"] = "1"  # settings.py: a connection per request (each runs in a thread of its own)

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
