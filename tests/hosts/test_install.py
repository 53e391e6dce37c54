"""The host is chosen once and installs every seam in one call; the layers below see only the seams."""

import contextlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.test import Client

from saleor_ltv_plugin import auth, conf, db, hosts
from saleor_ltv_plugin.automation import links
from saleor_ltv_plugin.hosts.saleor import manifest
from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.models import InboundEvent, InboundStatus


@pytest.fixture
def restore_host(settings):
    yield
    hosts.install(hosts.choose(settings, apps))  # what apps.ready installed


def test_outside_saleor_the_standalone_host_is_chosen(settings):
    host = hosts.choose(settings, apps)
    assert host.name == "standalone" and host.capture_source is None and host.reconcile_orders is None
    assert host.url_prefix == conf.DEFAULT_URL_PREFIX == hosts.current().url_prefix


def test_an_unknown_host_is_refused_naming_the_setting(settings):
    settings.LTV_HOST = "saleor_cloud"
    with pytest.raises(conf.SettingsError) as refused:
        hosts.choose(settings, apps)
    assert "LTV_HOST" in refused.value.errors and "saleor_cloud" in refused.value.errors["LTV_HOST"]


@pytest.mark.parametrize("prefix, reason", [("crm/", "path"), ("/crm//x/", "path"), ("/crm?x=1", "path")])
def test_a_bad_url_prefix_is_refused(prefix, reason):
    with pytest.raises(conf.SettingsError) as refused:
        conf.clean_url_prefix(prefix)
    assert reason in refused.value.errors["LTV_URL_PREFIX"]


@pytest.mark.django_db
def test_one_install_sets_every_seam(restore_host):
    applied, written = [], []

    @contextlib.contextmanager
    def writer():
        written.append("in")
        yield

    def resolver(request, token):
        return auth.Principal(kind="app", label=token) if token == "host-token" else None

    hosts.install(hosts.Host(
        name="test", url_prefix="/crm", token_resolver=resolver,
        settings_provider=lambda: {"account_key": "user", "public_url": ""},
        capture_source="test-capture", inbox_applier=applied.extend, writer=writer))
    request = SimpleNamespace(META={"HTTP_AUTHORIZATION": "Bearer host-token"})
    assert auth.authenticate(request).label == "host-token"
    assert conf.get_settings().base.account_key == "user"
    assert conf.url_prefix() == "/crm/"
    with db.writer():
        pass
    assert written == ["in"]
    ours = inbox.record("test-capture", "order_created", "order:1")
    other = inbox.record("rest", "mystery", "m:1", {})  # no host applier for it: the payload applier refuses
    inbox.drain()
    assert [e.pk for e in applied] == [ours.pk]
    assert InboundEvent.objects.get(pk=other.pk).status == InboundStatus.FAILED
    # Everything built from the prefix follows it.
    assert links.base_url(conf.ChannelSettings()).endswith("/crm/")
    built = manifest.build("https://shop.example")
    assert built["appUrl"] == "https://shop.example/crm/app/"
    assert built["tokenTargetUrl"] == "https://shop.example/crm/app/register"


@pytest.mark.django_db
def test_the_standalone_host_does_not_send_saleor_references_to_saleor_code():
    # Standalone has no Saleor: a "saleor" reference left in the log fails as an unknown kind
    # instead of importing Saleor's ORM mapping.
    event = inbox.record("saleor", "order_created", "order:1")
    inbox.drain()
    event.refresh_from_db()
    assert event.status == InboundStatus.FAILED and "unknown event kind" in event.last_error


def test_the_dashboard_page_names_where_it_is_served(restore_host, settings):
    from saleor_ltv_plugin.app_pages import BUILD

    if not (BUILD / "index.html").is_file():
        pytest.skip("no Dashboard build")
    page = Client().get(conf.url_prefix() + "app/overview").content.decode()
    assert f'<base href="{conf.DEFAULT_URL_PREFIX}app/" />' in page
    assert 'src="./assets/' in page  # the build itself holds no prefix
