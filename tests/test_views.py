import re

import pytest
from django.db import DatabaseError
from django.test import RequestFactory

from saleor_ltv_plugin import __version__
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.hosts.saleor_plugin.routes import dispatch

from .conftest import make_order

pytestmark = pytest.mark.django_db


def test_health_reports_version_database_and_fact_counts(client):
    upsert_order(make_order("a", lines=[("1", "A", 1, "100"), ("2", "B", 1, "100")]))
    response = client.get("/plugins/global/saleor.ltv/health")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == __version__ and body["database"] == "ok"
    assert body["facts"]["orders"] == 1 and body["facts"]["order_lines"] == 2
    assert body["facts"]["accounts"] == 1
    assert body["inbound"] == {"pending": 0, "dead": 0, "oldest_pending_seconds": 0}
    assert body["metrics"] == {"accounts_scored": 0, "last_recompute": None}


def test_health_shows_capture_lag_and_the_last_recompute(client):
    from datetime import timedelta

    from django.utils import timezone

    from saleor_ltv_plugin.ingest import inbox
    from saleor_ltv_plugin.metrics.recompute import recompute
    from saleor_ltv_plugin.models import InboundEvent

    upsert_order(make_order("a"))
    recompute()
    event = inbox.record("rest", "order", "order:late", {})
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    body = client.get("/plugins/global/saleor.ltv/health").json()
    assert body["inbound"]["pending"] == 1 and 295 <= body["inbound"]["oldest_pending_seconds"] <= 400
    assert body["metrics"]["accounts_scored"] == 1
    assert body["metrics"]["last_recompute"]["status"] == "done"


def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("saleor_ltv_plugin.views.OrderFact.objects.count", broken)
    response = client.get("/plugins/global/saleor.ltv/health")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_dispatch_routes_saleor_plugin_paths_and_404s_unknown_ones():
    request = RequestFactory().get("/plugins/global/saleor.ltv/health")
    assert dispatch(request, "/health").status_code == 200
    missing = dispatch(RequestFactory().get("/x"), "/nope")
    assert missing.status_code == 404 and b"no route" in missing.content


def test_health_refuses_post(client):
    assert client.post("/plugins/global/saleor.ltv/health").status_code == 405


def test_app_manifest_lists_the_dashboard_extensions(client):
    body = client.get("/plugins/global/saleor.ltv/app/manifest", HTTP_HOST="localhost:8000").json()
    # MANAGE_PLUGINS too: an extension token carries app ∩ user permissions, and switching scenarios needs it
    assert body["id"] == "saleor.ltv" and set(body["permissions"]) == {"MANAGE_USERS", "MANAGE_ORDERS", "MANAGE_PLUGINS"}
    from saleor_ltv_plugin.hosts.saleor.manifest import PLUGIN_NAME  # plugin.py's PLUGIN_NAME

    assert body["name"] != PLUGIN_NAME  # an admin tells the app and the plugin apart
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", n) and re.search(r"[A-Za-z]{4}", n)  # ja and en
               for n in [body["name"], PLUGIN_NAME] + [e["label"] for e in body["extensions"]])
    assert body["tokenTargetUrl"] == "http://localhost:8000/plugins/global/saleor.ltv/app/register"
    mounts = {(e["mount"], e["target"]) for e in body["extensions"]}
    assert mounts == {("NAVIGATION_CUSTOMERS", "APP_PAGE"), ("CUSTOMER_DETAILS_WIDGETS", "WIDGET"),
                      ("ORDER_DETAILS_WIDGETS", "WIDGET"), ("CUSTOMER_OVERVIEW_MORE_ACTIONS", "APP_PAGE")}
    for extension in body["extensions"]:  # Saleor refuses an extension asking more than the app
        assert set(extension["permissions"]) <= set(body["permissions"])
        assert extension["url"].startswith(("/", body["appUrl"]))


def test_app_register_confirms_a_token_and_refuses_junk(client):
    url = "/plugins/global/saleor.ltv/app/register"
    assert client.post(url, {"auth_token": "abc"}, content_type="application/json").json() == {"success": True}
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    assert client.post(url, "{", content_type="application/json").status_code == 400
    assert client.get(url).status_code == 405


def test_health_for_the_demo_banner_counts_nothing(client, django_assert_num_queries):
    upsert_order(make_order("a"))
    with django_assert_num_queries(0):  # the harness polls it beside the first page: no scan of the orders
        body = client.get("/plugins/global/saleor.ltv/health?only=demo").json()
    assert body["version"] == __version__ and "facts" not in body
    assert client.get("/plugins/global/saleor.ltv/health").json()["facts"]["orders"] == 1
