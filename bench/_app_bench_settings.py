"""The App host's settings with one extra route, /bench/bare: a Django view that only reads the body,
timed beside the webhook endpoint by bench/app_webhooks.py."""

from saleor_ltv_plugin.hosts.saleor_app.settings import *  # noqa: F403

ROOT_URLCONF = "_app_bench_urls"
