"""Standalone mode: the same app without Saleor.

SQLite in the working directory by default; PostgreSQL when DATABASE_URL is
set, Redis (or any broker) when CELERY_BROKER_URL is set, otherwise Celery
tasks run eagerly in-process; mail through EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER /
EMAIL_HOST_PASSWORD / EMAIL_USE_TLS / EMAIL_USE_SSL (1 = on). SECRET_KEY is required (the demo makes its own); DEBUG is off
unless DEBUG=1. Staff sign in at /login/ (Django auth users, `saleor-ltv ltv_staff create`); the
shop's settings are edited on the Dashboard's Settings page, over what LTV_PLUGIN below gives.
"""

import os
from pathlib import Path

import dj_database_url

from .secret import plugin_settings_from_env, secret_key

BASE_DIR = Path(os.environ.get("LTV_DATA_DIR", Path.cwd()))
SECRET_KEY = secret_key(BASE_DIR)
DEBUG = os.environ.get("DEBUG", "0") == "1"
# `saleor-ltv ltv_demo`: its own secret, the harness's token links (#session=…) and plain-http cookies.
LTV_DEMO = os.environ.get("LTV_DEMO") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "saleor_ltv_plugin",
]
STAFF_LOGIN_MIDDLEWARE = ("django.contrib.sessions.middleware.SessionMiddleware",
                          "django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The staff login's session; CSRF is checked by the views that read it (login, logout, the
    # harness's session token), so the mail links' one-click POSTs and webhooks stay as they are.
    *STAFF_LOGIN_MIDDLEWARE,
]
# Served over TLS in production: the cookies go over HTTPS only. LTV_INSECURE_COOKIES=1 (and the demo)
# for plain http on a workstation.
_SECURE_COOKIES = os.environ.get("LTV_INSECURE_COOKIES", "1" if LTV_DEMO else "0") != "1"
SESSION_COOKIE_NAME = "ltv_session"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True  # the pages get the CSRF token in the HTML
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("LTV_SESSION_HOURS", "12")) * 3600
CSRF_COOKIE_NAME = "ltv_csrftoken"
# Behind a TLS proxy on another name: its origins (https://crm.example.com), comma-separated.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
LOGIN_URL = "/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The shop's settings live in the database, edited on the Dashboard's Settings page (LTV_PLUGIN
# below is what they start from). Off: LTV_PLUGIN alone, read-only on that page.
LTV_SETTINGS_IN_DATABASE = os.environ.get("LTV_SETTINGS_IN_DATABASE", "1") == "1"
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
if os.environ.get("LTV_ASGI") == "1":  # kept connections would pile up, one per thread
    DATABASES["default"]["CONN_MAX_AGE"] = 0
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

# The request counters (failed logins, throttle.py) are per process in the default cache: with
# several web processes, LTV_CACHE_URL=redis://… makes them one count.
if os.environ.get("LTV_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["LTV_CACHE_URL"], "KEY_PREFIX": "ltv"}}

# The deployment's mail server (a shop may name its own: the smtp_* settings); Django's defaults,
# localhost:25 without login, where these are unset.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ValueError("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both (STARTTLS or TLS from the start)")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

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
