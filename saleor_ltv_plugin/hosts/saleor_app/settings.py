"""The App host: one deployment that Saleors install from its manifest URL, many shops in it.

PostgreSQL only (a schema per shop). Required, no defaults:
  DATABASE_URL                 postgres://…
  PUBLIC_URL                   where Saleor and buyers reach this deployment (https://ltv.example.com)
  SECRET_KEY                   signs links and cursors
  LTV_APP_ENCRYPTION_KEYS      Fernet key(s) for Saleor's app tokens at rest (secrets_box.py)
  LTV_APP_ALLOWED_SALEOR_URLS  a regular expression every installing Saleor's API URL must match,
                               e.g. https://[a-z0-9-]+\\.saleor\\.cloud/graphql/
  CELERY_BROKER_URL            redis://… (the worker and beat run beside the web server)
"""

import os

from ..standalone.settings import *  # noqa: F403
from ...schedule import BEAT_SCHEDULE
from ..standalone.settings import DATABASES, INSTALLED_APPS, MIDDLEWARE
from .schedule import beat_schedule

LTV_HOST = "saleor_app"
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL: the App host keeps each shop in a PostgreSQL schema; set postgres://…")
INSTALLED_APPS = [*INSTALLED_APPS, "saleor_ltv_plugin.hosts.saleor_app"]
MIDDLEWARE = [*MIDDLEWARE, "saleor_ltv_plugin.hosts.saleor_app.routing.ShopMiddleware"]
ROOT_URLCONF = "saleor_ltv_plugin.hosts.saleor_app.urls"
DATABASES["default"]["ENGINE"] = "saleor_ltv_plugin.tenancy"
DATABASE_ROUTERS = ["saleor_ltv_plugin.tenancy.router.TenantRouter"]
PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
LTV_APP_ENCRYPTION_KEYS = os.environ.get("LTV_APP_ENCRYPTION_KEYS", "")
LTV_APP_ALLOWED_SALEOR_URLS = os.environ.get("LTV_APP_ALLOWED_SALEOR_URLS", "")
USE_X_FORWARDED_HOST = os.environ.get("USE_X_FORWARDED_HOST", "0") == "1"
# A shop's nightly recompute takes seconds to minutes; fifty of them in the queue that carries every
# shop's minute tasks (scans, flow ticks, the outbox) would hold those back until they expire. So the
# nights have a queue of their own: `saleor-ltv worker` consumes both unless given -Q, and a larger
# deployment runs `saleor-ltv worker -Q ltv-nightly` processes (or machines) beside the others.
NIGHTLY_QUEUE = "ltv-nightly"
CELERY_TASK_ROUTES = {"saleor_ltv_plugin.recompute_metrics": {"queue": NIGHTLY_QUEUE}}
# Every periodic task once per shop (tasks.py); the shared schedule keeps its names and periods.
CELERY_BEAT_SCHEDULE = beat_schedule(BEAT_SCHEDULE)
# A failed request's traceback in the server's log (Saleor only shows the delivery's status).
LOGGING["loggers"]["django.request"] = {"handlers": ["console"], "level": "ERROR", "propagate": False}  # noqa: F405
