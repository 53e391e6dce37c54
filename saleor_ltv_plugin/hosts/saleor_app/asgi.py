"""The App host's ASGI application (`saleor-ltv serve` runs it under uvicorn)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.saleor_app.settings")
os.environ["LTV_ASGI"] = "1"  # settings.py: the server's threads share a connection pool

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
