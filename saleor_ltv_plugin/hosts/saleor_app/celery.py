"""Celery app for the App host: `saleor-ltv worker` and `saleor-ltv beat` run it.

The same app object as standalone's (one per process: a second would become Celery's current app
and take every task sent after it), with the App's settings and its fan-out task."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.saleor_app.settings")

from ..standalone.celery import app  # noqa: E402

app.autodiscover_tasks(["saleor_ltv_plugin.hosts.saleor_app"])
