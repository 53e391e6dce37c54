import pytest
from django.db import DatabaseError
from django.test import RequestFactory

from saleor_ltv_plugin import __version__
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.views import dispatch

from .conftest import make_order

pytestmark = pytest.mark.django_db


def test_health_reports_version_database_and_fact_counts(client):
    upsert_order(make_order("a", lines=[("1", "A", 1, "100"), ("2", "B", 1, "100")]))
    response = client.get("/plugins/global/saleor.ltv/health")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == __version__ and body["database"] == "ok"
    assert body["facts"]["orders"] == 1 and body["facts"]["order_lines"] == 2
    assert body["facts"]["accounts"] == 1 and body["inbound"] == {"pending": 0, "dead": 0}


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
