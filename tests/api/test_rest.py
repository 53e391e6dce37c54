"""The REST API: credentials and scopes, idempotent JSON ingest, CSV with per-row errors,
the account list checked against the rows, streamed exports, recompute."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client, override_settings

from saleor_ltv_plugin.models import AccountMetrics, ApiKey, OrderFact, OrderLineFact, RecomputeRun, SavedSegment

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"


def client(token=None):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()


def order(external_id="erp-1", **overrides):
    body = {
        "external_id": external_id, "channel": "erp", "currency": "JPY", "created_at": "2026-10-01T10:00:00+09:00",
        "total_gross": "22000", "customer": {"email": "buyer@kansai.example", "company_name": "関西物産株式会社"},
        "lines": [{"sku": "TONER-9", "quantity": 2, "unit_price": "11000"}],
    }
    body.update(overrides)
    return body


def post_orders(token, orders):
    return client(token).post(BASE + "orders", {"orders": orders}, content_type="application/json")


def test_credentials_and_scopes(key_for):
    assert client().get(BASE + "accounts").status_code == 401
    response = client("ltv_wrong").get(BASE + "accounts")
    assert response.status_code == 401 and response.json()["errors"][0]["field"] == "Authorization"
    reader = key_for("metrics:read")
    assert client(reader).get(BASE + "accounts").status_code == 200
    denied = post_orders(reader, [order()])
    assert denied.status_code == 403 and "orders:write" in denied.json()["detail"]
    ApiKey.objects.update(revoked_at="2026-11-01T00:00:00Z")
    assert client(reader).get(BASE + "accounts").status_code == 401
    with override_settings(LTV_PLUGIN={"api_key": "master-123"}):
        assert client("master-123").get(BASE + "accounts").status_code == 200
    assert Client(HTTP_X_API_KEY=key_for("metrics:read")).get(BASE + "accounts").status_code == 200


def test_customers_get_nothing_here(as_customer):
    assert client(as_customer("7")).get(BASE + "accounts").status_code == 403


def test_json_ingest_is_idempotent(key_for):
    token = key_for("orders:write")
    batch = [order(f"erp-{i}", total_gross=str(1000 * (i + 1)),
                   lines=[{"sku": "A", "quantity": 1, "unit_price": str(1000 * (i + 1))}]) for i in range(300)]
    first = post_orders(token, batch)
    assert first.status_code == 200
    assert first.json() == {"received": 300, "created": 300, "updated": 0, "unchanged": 0, "written": 300}
    again = post_orders(token, batch)
    assert again.json() == {"received": 300, "created": 0, "updated": 0, "unchanged": 300, "written": 0}
    assert OrderFact.objects.filter(source="rest", channel="erp").count() == 300
    assert OrderLineFact.objects.filter(order__channel="erp").count() == 300
    stored = OrderFact.objects.get(external_id="erp-4")
    assert stored.total_gross == Decimal("5000") and stored.billing_company_name == "関西物産株式会社"


@pytest.mark.parametrize("mutation,field", [
    ({"created_at": "2026-10-01T10:00:00"}, "orders.1.created_at"),
    ({"currency": "yen"}, "orders.1.currency"),
    ({"total_gross": "-5"}, "orders.1.total_gross"),
    ({"lines": [{"sku": "A", "quantity": 0, "unit_price": "1"}]}, "orders.1.lines.0.quantity"),
    ({"external_id": ""}, "orders.1.external_id"),
])
def test_one_bad_order_rejects_the_batch_naming_the_field(key_for, mutation, field):
    response = post_orders(key_for("orders:write"), [order("ok-1"), {**order("bad-1"), **mutation}])
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert not OrderFact.objects.filter(external_id__in=["ok-1", "bad-1"]).exists()


@pytest.mark.parametrize("body,content_type", [
    ("{not json", "application/json"), ('{"orders": []}', "application/json"),
    ('{"orders": "x"}', "application/json"), ("[]", "application/json"),
])
def test_malformed_bodies_are_4xx(key_for, body, content_type):
    response = client(key_for("orders:write")).post(BASE + "orders", body, content_type=content_type)
    assert 400 <= response.status_code < 500 and response.json()["detail"]


def test_csv_upload_reports_bad_rows_and_keeps_good_orders(key_for):
    rows = [
        "external_id,created_at,channel,currency,total_gross,email,company_name,sku,quantity,unit_price",
        "c-1,2026-09-01T09:00:00+09:00,erp,JPY,3000,a@x.example,甲社,S-1,1,1000",
        "c-1,2026-09-01T09:00:00+09:00,erp,JPY,3000,a@x.example,甲社,S-2,2,1000",
        "c-2,not-a-date,erp,JPY,100,b@x.example,乙社,S-1,1,100",
        "c-3,2026-09-02T09:00:00+09:00,erp,JPY,500,c@x.example,丙社,S-1,1,500",
        "c-3,2026-09-02T09:00:00+09:00,erp,JPY,500,c@x.example,丙社,S-3,zero,1",
        ",2026-09-02T09:00:00+09:00,erp,JPY,1,d@x.example,丁社,S-1,1,1",
    ]
    upload = SimpleUploadedFile("orders.csv", "\n".join(rows).encode(), content_type="text/csv")
    response = client(key_for("orders:write")).post(BASE + "orders/csv", {"file": upload})
    body = response.json()
    assert response.status_code == 200 and body["orders"] == 1 and body["written"] == 1, body
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(4, "created_at"), (6, "quantity"), (7, "external_id")}
    assert list(OrderFact.objects.filter(source="csv").values_list("external_id", flat=True)) == ["c-1"]
    assert OrderLineFact.objects.filter(order__external_id="c-1").count() == 2
    not_utf8 = SimpleUploadedFile("o.csv", "external_id\n注文".encode("shift_jis"), content_type="text/csv")
    assert client(key_for("orders:write")).post(BASE + "orders/csv", {"file": not_utf8}).status_code == 422


def test_account_list_matches_the_rows(scored_shop, key_for):
    token = key_for()
    params = {"stages": ["repeat", "loyal"], "p_alive_gte": 0.1, "sort_by": "clv", "direction": "desc", "first": 20}
    seen, after = [], None
    while True:
        response = client(token).get(BASE + "accounts", {**params, **({"after": after} if after else {})})
        assert response.status_code == 200, response.content
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        if not page["page_info"]["has_next_page"]:
            break
        after = page["page_info"]["end_cursor"]
    rows = [m for m in AccountMetrics.objects.all() if m.stage in ("repeat", "loyal") and (m.p_alive or 0) >= 0.1]
    expected = sorted(rows, key=lambda m: (m.clv is None, -(m.clv or 0), -m.account_id))
    assert seen == [m.account_id for m in expected] and page["total_count"] == len(rows)
    bad = client(token).get(BASE + "accounts", {"stages": "nope", "first": 500, "p_alive_gte": "x"})
    fields = {e["field"] for e in bad.json()["errors"]}
    assert bad.status_code == 422 and {"stages.0", "first", "p_alive_gte"} <= fields, fields
    inverted = client(token).get(BASE + "accounts", {"monetary_gte": 10, "monetary_lte": 1})
    assert inverted.status_code == 422 and inverted.json()["errors"][0]["field"] == "monetary_gte"


def test_account_detail(scored_shop, key_for):
    m = AccountMetrics.objects.order_by("-frequency").first()
    body = client(key_for()).get(BASE + f"accounts/{m.account_id}").json()
    assert body["metrics"]["frequency"] == m.frequency and body["orders"] and body["contacts"]
    assert client(key_for()).get(BASE + "accounts/999999999").status_code == 404


def _read(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def test_exports_stream_every_matching_row(scored_shop, key_for):
    token = key_for()
    response = client(token).get(BASE + "segments/export", {"stages": ["lost", "dormant"], "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(_read(response).decode("utf-8-sig"))))
    expected = AccountMetrics.objects.filter(stage__in=["lost", "dormant"])
    assert sorted(int(r["account_id"]) for r in rows) == sorted(expected.values_list("account_id", flat=True))
    assert response["Content-Disposition"].startswith("attachment")
    lines = _read(client(token).get(BASE + "segments/export", {"format": "json"})).decode().splitlines()
    assert len(lines) == AccountMetrics.objects.count() and json.loads(lines[0])["account_id"]
    segment = SavedSegment.objects.create(name="x", channel="default-channel", filter={"stages": ["loyal"]})
    saved = _read(client(token).get(BASE + f"segments/{segment.pk}/export"))
    assert saved.decode().count("\n") == AccountMetrics.objects.filter(stage="loyal").count() + 1
    assert client(token).get(BASE + "segments/424242/export").status_code == 404


def test_recompute_trigger_and_status(scored_shop, key_for):
    before = RecomputeRun.objects.count()
    assert client(key_for()).post(BASE + "recompute", {}, content_type="application/json").status_code == 403
    response = client(key_for("recompute", "metrics:read")).post(BASE + "recompute", {}, content_type="application/json")
    assert response.status_code == 202, response.content
    assert RecomputeRun.objects.count() == before + 1  # eager Celery in tests: it ran inline
    latest = client(key_for()).get(BASE + "recompute/latest").json()
    assert latest["status"] == "done" and latest["accounts"] == AccountMetrics.objects.count()
    assert client(key_for()).get(BASE + f"recompute/{latest['id']}").json()["id"] == latest["id"]
    assert client(key_for()).get(BASE + "recompute/0").status_code == 404


def test_openapi_is_served_and_committed():
    from saleor_ltv_plugin.management.commands.ltv_export_openapi import OPENAPI_PATH, current_document

    served = Client().get(BASE + "openapi.json").json()
    assert served == json.loads(current_document())
    assert OPENAPI_PATH.read_text(encoding="utf-8") == current_document(), (
        "openapi.json is stale: run `.venv/bin/saleor-ltv ltv_export_openapi` and commit it")


def test_nul_characters_are_refused_by_field(key_for):
    response = post_orders(key_for("orders:write"), [order("nul-1", customer={"email": "a\x00@x.example"})])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "orders.0.customer.email"
    assert client(key_for()).get(BASE + "accounts", {"search": "a\x00"}).status_code == 422
    assert not OrderFact.objects.filter(external_id="nul-1").exists()


def test_api_key_command_creates_lists_and_revokes():
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("ltv_api_key", "create", "--name", "ERP", "--scopes", "orders:write,metrics:read", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("ltv_") and client(raw).get(BASE + "accounts").status_code == 200
    key = ApiKey.objects.get(name="ERP")
    assert raw not in str(ApiKey.objects.values_list()) and key.scopes == ["metrics:read", "orders:write"]
    listing = StringIO()
    call_command("ltv_api_key", "list", stdout=listing)
    assert key.prefix in listing.getvalue() and raw not in listing.getvalue()
    call_command("ltv_api_key", "revoke", key.prefix, stdout=StringIO())
    assert client(raw).get(BASE + "accounts").status_code == 401
    with pytest.raises(CommandError, match="--scopes: unknown scope"):
        call_command("ltv_api_key", "create", "--name", "x", "--scopes", "everything", stdout=StringIO())
