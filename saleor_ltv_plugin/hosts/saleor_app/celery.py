"""Celery app for the App host: `saleor-ltv worker` and `saleor-ltv beat` run it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.saleor_app.settings")

app = Celery("saleor_ltv_plugin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["saleor_ltv_plugin", "saleor_ltv_plugin.hosts.saleor_app"])
