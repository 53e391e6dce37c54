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


def _pool_available() -> bool:
    import django

    try:
        import psycopg_pool  # noqa: F401
    except ImportError:
        return False
    return django.VERSION >= (5, 1)


LTV_HOST = "saleor_app"
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL: the App host keeps each shop in a PostgreSQL schema; set postgres://…")
# Standalone's staff login is not the App's: Saleor's Dashboard signs the shops' staff in.
INSTALLED_APPS = [*(a for a in INSTALLED_APPS if a != "django.contrib.sessions"), "saleor_ltv_plugin.hosts.saleor_app"]
MIDDLEWARE = [*(m for m in MIDDLEWARE if m not in STAFF_LOGIN_MIDDLEWARE),  # noqa: F405
              "saleor_ltv_plugin.hosts.saleor_app.routing.ShopMiddleware"]
ROOT_URLCONF = "saleor_ltv_plugin.hosts.saleor_app.urls"
DATABASES["default"]["ENGINE"] = "saleor_ltv_plugin.tenancy"
# Under ASGI each request's sync code runs in a thread of its own and Django's connections are per
# thread: kept connections (CONN_MAX_AGE) pile up until PostgreSQL refuses clients. So the web
# server (asgi.py sets LTV_ASGI) shares a pool among its threads (Django ≥ 5.1 with psycopg-pool,
# as Django's docs advise for ASGI), or opens a connection per request without one. Workers keep
# theirs: a pool does not survive Celery's fork.
if os.environ.get("LTV_ASGI") == "1":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("LTV_ASGI") == "1" and _pool_available():
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": int(os.environ.get("LTV_DB_POOL_SIZE") or 10), "timeout": 10}
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
