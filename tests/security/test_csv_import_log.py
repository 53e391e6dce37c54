"""Issue 15 #13: every CSV upload is recorded before its orders are stored, so one cut off
midway stays visible as unfinished; a body declared over the limit is refused before reading."""

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.api import orders as orders_api
from saleor_ltv_plugin.models import CsvImport, OrderFact

URL = "/plugins/global/saleor.ltv/api/v1/orders/csv"
HEADER = "external_id,created_at,channel,currency,total_gross,company_name,sku,quantity,unit_price"
GOOD = [f"c-{i},2026-09-01T09:00:00+09:00,erp,JPY,1000,甲社,S-1,1,1000" for i in range(3)]
BAD_ROW = "c-9,2026-09-01T09:00:00+09:00,erp,JPY,not-a-number,甲社,S-1,1,1000"


def upload(key, data: bytes, client=None, **extra):
    file = SimpleUploadedFile("受注.csv", data, content_type="text/csv")
    return (client or Client()).post(URL, {"file": file}, HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


def ingest_key(name="ERP連携"):
    raw, _ = auth.new_api_key(name, [auth.Scope.INGEST.value])
    return raw


@pytest.mark.django_db
def test_a_finished_import_is_recorded_with_its_counts_and_caller():
    response = upload(ingest_key(), "\n".join([HEADER, *GOOD, BAD_ROW]).encode())
    assert response.status_code == 200, response.content
    record = CsvImport.objects.get()
    assert (record.status, record.caller, record.file_name) == ("finished", "ERP連携", "受注.csv")
    assert (record.rows_read, record.orders_written, record.rows_rejected) == (4, 3, 1)
    assert record.finished_at >= record.started_at and record.file_bytes > 0


@pytest.mark.django_db
@pytest.mark.parametrize("data,words", [
    (b"\xff\xfe not utf-8", "UTF-8"),
    ("\n".join([HEADER, 'c-1,"2026-09-01T09:00:00+09:00,erp,JPY,1000,甲社,S-1,1,1000']).encode(), "line 2"),
    (b"external_id,channel\nc-1,erp", "missing column"),
])
def test_a_refused_file_is_recorded_as_failed_with_the_reason(data, words):
    assert upload(ingest_key(), data).status_code == 422
    record = CsvImport.objects.get()
    assert record.status == "failed" and words in record.error and record.finished_at is not None
    assert not OrderFact.objects.exists()


def _imports_seen_from_another_connection() -> list[tuple]:
    db = settings.DATABASES["default"]
    with psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                         user=db.get("USER") or "postgres", dbname=db["NAME"], autocommit=True) as conn:
        return conn.execute(f"SELECT status, finished_at FROM {CsvImport._meta.db_table}").fetchall()


@pytest.mark.django_db(transaction=True)
def test_an_import_cut_off_midway_is_visible_as_unfinished(monkeypatch):
    seen = []

    def dies_midway(batch):
        seen.extend(_imports_seen_from_another_connection())  # what a kill here would leave
        raise RuntimeError("worker killed")

    monkeypatch.setattr(orders_api, "store_orders", dies_midway)
    response = upload(ingest_key(), "\n".join([HEADER, *GOOD]).encode(), Client(raise_request_exception=False))
    assert response.status_code == 500
    assert seen == [("running", None)]
    record = CsvImport.objects.get()
    assert record.status == "failed" and "worker killed" in record.error
    assert not OrderFact.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("declared", [orders_api.CSV_BODY_LIMIT + 1, 64 * 2**20, 10**12])
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(declared):
    response = upload(ingest_key(), "\n".join([HEADER, *GOOD]).encode(), CONTENT_LENGTH=str(declared))
    assert response.status_code == 413, response.content
    assert "at most 20" in response.json()["errors"][0]["message"]
    assert not CsvImport.objects.exists() and not OrderFact.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_upload_is_not_recorded():
    file = SimpleUploadedFile("a.csv", "\n".join([HEADER, *GOOD]).encode())
    assert Client().post(URL, {"file": file}).status_code == 401
    assert not CsvImport.objects.exists()
