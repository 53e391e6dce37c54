"""Celery app for standalone mode: `celery -A saleor_ltv_plugin.hosts.standalone.celery worker -B`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_ltv_plugin.hosts.standalone.settings")

app = Celery("saleor_ltv_plugin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["saleor_ltv_plugin"])
