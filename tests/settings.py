"""Test settings: the standalone app on a real PostgreSQL (LTV_TEST_DATABASE_URL to override)."""

import json
import os
import secrets

import dj_database_url

# Standalone refuses to start without a secret; each test run makes its own (workers and servers
# the tests start inherit it through the environment).
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
# A complete sender block (buyer-mail scenarios cannot be switched on without one), for the
# servers the tests start too.
SENDER = {"sender_name": "LTVテスト商店", "sender_email": "shop@ltv.example",
          "sender_postal_address": "〒100-0005 東京都千代田区丸の内1-1-1",
          "public_url": "https://shop.ltv.example/plugins/global/saleor.ltv/"}
os.environ.setdefault("LTV_PLUGIN_JSON", json.dumps(SENDER))

from saleor_ltv_plugin.hosts.standalone.settings import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LTV_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ltv")
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The App host's backend everywhere: outside a shop it only sets search_path to public, and the
    # app-mode tests enter shops' schemas in the same run.
    DATABASES["default"]["ENGINE"] = "saleor_ltv_plugin.tenancy"
INSTALLED_APPS = [*INSTALLED_APPS, "saleor_ltv_plugin.hosts.saleor_app"]  # noqa: F405
# Eager here and in the test workers (a task a worker queues runs inline), unless a worker's test asks for
# real retries through the broker (LTV_TEST_WORKER_EAGER=0: a countdown is then waited out).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("LTV_TEST_WORKER_EAGER", "1") == "1"
LTV_PLUGIN = {"account_key": "company", "timezone": "Asia/Tokyo", **SENDER,
              **json.loads(os.environ.get("LTV_TEST_PLUGIN_SETTINGS", "{}"))}
# The suite's standalone host reads LTV_PLUGIN alone, as each test sets it; the standalone settings'
# stored document is tested where a test installs that host (tests/hosts/standalone).
LTV_SETTINGS_IN_DATABASE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail goes to a real SMTP server on loopback (tests/automation start an aiosmtpd sink).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("LTV_TEST_SMTP_PORT", "2525"))
EMAIL_TIMEOUT = 5
DEFAULT_FROM_EMAIL = "shop@ltv.example"
LTV_OUTBOX_LEASE_SECONDS = int(os.environ.get("LTV_TEST_LEASE_SECONDS", "300"))
# Saleor's names for its outgoing-request filter; the webhook tests' receiver is on loopback.
HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = os.environ.get("HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS") == "1"
# A beat a test starts may run the schedule faster (LTV_TEST_BEAT_SCALE=0.2: the 10 s entry every 2 s),
# so a test that waits for beat ticks waits a fifth as long. The app merges its entries under these.
_BEAT_SCALE = float(os.environ.get("LTV_TEST_BEAT_SCALE", "1"))
if _BEAT_SCALE != 1:
    from saleor_ltv_plugin.schedule import BEAT_SCHEDULE

    CELERY_BEAT_SCHEDULE = {name: {**entry, "schedule": entry["schedule"] * _BEAT_SCALE}
                            for name, entry in BEAT_SCHEDULE.items()}
