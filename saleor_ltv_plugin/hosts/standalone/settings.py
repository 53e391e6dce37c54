"""Standalone mode: the same app without Saleor.

SQLite in the working directory by default; PostgreSQL when DATABASE_URL is
set, Redis (or any broker) when CELERY_BROKER_URL is set, otherwise Celery
tasks run eagerly in-process. SECRET_KEY is required (the demo makes its own).
"""

import os
from pathlib import Path

import dj_database_url

from .secret import plugin_settings_from_env, secret_key

BASE_DIR = Path(os.environ.get("LTV_DATA_DIR", Path.cwd()))
SECRET_KEY = secret_key(BASE_DIR)
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "saleor_ltv_plugin",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "saleor_ltv_plugin.hosts.standalone.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'ltv-standalone.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL: pages keep reading while an import or the demo's load writes; IMMEDIATE: a writer
    # waits for the lock up front instead of failing when its read upgrades to a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict = {}

# Where the app's routes hang (conf.url_prefix); the default is the plugin's route inside Saleor.
LTV_URL_PREFIX = os.environ.get("LTV_URL_PREFIX", "")

LTV_PLUGIN = {
    "account_key": os.environ.get("LTV_ACCOUNT_KEY", "company"),
    "timezone": os.environ.get("LTV_TIMEZONE", "Asia/Tokyo"),
    **plugin_settings_from_env(),  # LTV_PLUGIN_JSON: any plugin setting, e.g. the sender block
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"saleor_ltv_plugin": {"handlers": ["console"], "level": "INFO"}},
}
