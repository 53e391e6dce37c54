"""Two shops installed in one App deployment, each from its own (fake) Saleor: same channel slug,
same user ids, different schemas. Installed once per module — a schema's migrations take seconds —
and removed afterwards."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.test import Client, override_settings

from saleor_ltv_plugin import conf, hosts, tenancy
from saleor_ltv_plugin.hosts.saleor_app import host as app_host
from saleor_ltv_plugin.hosts.saleor_app import installations
from saleor_ltv_plugin.hosts.saleor_app.models import Installation

from ...support.fake_saleor import FakeSaleor

PREFIX = conf.DEFAULT_URL_PREFIX
APP_SETTINGS = {
    "PUBLIC_URL": "https://ltv.example",
    "LTV_APP_ALLOWED_SALEOR_URLS": r"http://127\.0\.0\.1:[0-9]+/graphql/",
    "ROOT_URLCONF": "saleor_ltv_plugin.hosts.saleor_app.urls",
    "LTV_HOST": "saleor_app",
}


def register(client: Client, saleor: FakeSaleor, token: str | None = None):
    return client.post(PREFIX + "app/register", {"auth_token": token or saleor.token}, content_type="application/json",
                       HTTP_SALEOR_API_URL=saleor.api_url, HTTP_SALEOR_DOMAIN=f"127.0.0.1:{saleor.port}")


@pytest.fixture(autouse=True)
def _no_kept_installations():
    """A test's rollback restores rows behind the kept installations' back."""
    installations.forget_all()
    yield
    installations.forget_all()


@pytest.fixture(scope="module")
def app_mode(django_db_setup, django_db_blocker):
    """The App host installed, as `saleor-ltv serve` would run it."""
    overrides = override_settings(**APP_SETTINGS, LTV_APP_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
                                  MIDDLEWARE=[*settings.MIDDLEWARE, "saleor_ltv_plugin.hosts.saleor_app.routing.ShopMiddleware"])
    overrides.enable()
    hosts.install(app_host.build(settings))
    yield
    overrides.disable()
    hosts.install(hosts.choose(settings, apps))


@pytest.fixture(scope="module")
def shops(app_mode, django_db_blocker):
    """{"a": (FakeSaleor, Installation), "b": …}, registered through the real handshake."""
    saleors = {"a": FakeSaleor(app_id="QXBwOjE=", token="token-a"), "b": FakeSaleor(app_id="QXBwOjI=", token="token-b")}
    with django_db_blocker.unblock():
        for saleor in saleors.values():
            answer = register(Client(), saleor)
            assert answer.status_code == 200, answer.content
        installed = {name: (saleor, Installation.objects.get(saleor_api_url=saleor.api_url))
                     for name, saleor in saleors.items()}
    yield installed
    with django_db_blocker.unblock():
        for _saleor, installation in installed.values():
            tenancy.drop(installation.schema)
        Installation.objects.all().delete()
    for saleor in saleors.values():
        saleor.close()
