"""The App host's settings for bench/app_scale.py and its worker processes.

Only ROOT_URLCONF differs: the night's tasks serve no request, and Django's system checks (which
the Celery worker runs at start-up) import the URLconf, so the bench does not depend on the App's
views being importable. Everything a task touches — tenancy backend, router, installations,
Celery app and its per-shop fan-out — is the App host's own.
"""

from saleor_ltv_plugin.hosts.saleor_app.settings import *  # noqa: F403

ROOT_URLCONF = "saleor_ltv_plugin.hosts.standalone.urls"
