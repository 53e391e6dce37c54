"""Import jobs (POST imports → a worker → GET imports/{id}): the same facts as the direct import,
idempotent, refusals with their error report for Excel, and a worker SIGKILLed mid-file replaced
by another that loses and duplicates nothing — real Celery workers on the real Redis."""

from __future__ import annotations

import csv
import io
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from saleor_ltv_plugin.api import import_jobs
from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.models import ImportFilePart, ImportJob, ImportJobAccount, OrderFact
from saleor_ltv_plugin.tasks.ingest import resume_imports_task, run_import_task

from ..support.processes import Worker, enqueue, stop_all
from .test_imports import BASE, FIXTURES, client, facts, rakuten_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingest_key(key_for):
    return key_for(Scope.INGEST.value)


def submit(token: str, data: bytes, name: str = "orders.csv", **fields):
    return client(token).post(BASE + "imports", {"file": SimpleUploadedFile(name, data), **fields})


def test_a_job_stores_what_the_direct_import_stores_and_a_second_upload_changes_nothing(ingest_key):
    data, _ = rakuten_file(300, seed=11)
    direct = client(ingest_key).post(BASE + "imports/orders", {"file": SimpleUploadedFile("r.csv", data)})
    assert direct.status_code == 200, direct.content[:500]
    from_direct = facts()
    OrderFact.objects.all().delete()
    response = submit(ingest_key, data, "rakuten.csv")  # tests run tasks eagerly: the job is done on return
    assert response.status_code == 202, response.content[:1000]
    job = response.json()
    assert (job["state"], job["format"], job["encoding"], job["orders_total"], job["orders_done"], job["created"]) == (
        "finished", "rakuten", "cp932", 300, 300, 300)
    assert job["progress"] == 1.0 and job["accounts_rescored"] > 0 and job["same_file_as"] is None
    assert facts() == from_direct
    assert not ImportFilePart.objects.exists()  # the uploaded bytes are gone with the job's end
    again = submit(ingest_key, data, "rakuten.csv").json()
    assert (again["created"], again["updated"], again["unchanged"], again["accounts_rescored"]) == (0, 0, 300, 0)
    assert again["same_file_as"] == job["id"] and facts() == from_direct
    shown = client(ingest_key).get(BASE + f"imports/{job['id']}").json()
    assert shown["id"] == job["id"] and shown["state"] == "finished"
    listed = client(ingest_key).get(BASE + "imports").json()
    assert [j["id"] for j in listed] == [again["id"], job["id"]]


def test_bad_rows_refuse_the_job_and_its_error_report_opens_in_excel(ingest_key):
    text = (FIXTURES / "rakuten_orders.sjis.csv").read_bytes().decode("cp932").splitlines()
    text[2] = text[2].rsplit(",", 1)[0] + ",二"  # line 3: a quantity in kanji
    text[4] = text[4].replace("2024-04-20 18:30:00", "2024/02/30")  # line 5: no such day
    data = ("\r\n".join(text) + "\r\n").encode("cp932")
    job = submit(ingest_key, data).json()
    assert job["state"] == "refused" and job["rows_refused"] == 2 and not OrderFact.objects.exists()
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(3, "quantity"), (5, "created_at")]
    for encoding, codec in (("utf-8-sig", "utf-8-sig"), ("shift_jis", "cp932")):
        report = client(ingest_key).get(BASE + f"imports/{job['id']}/errors", {"encoding": encoding})
        assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
        if encoding == "utf-8-sig":
            assert report.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with its BOM
        rows = list(csv.reader(io.StringIO(report.content.decode(codec))))
        assert rows[0] == ["行 / line", "項目 / field", "理由", "reason"]
        assert [(r[0], r[1]) for r in rows[1:]] == [("3", "quantity"), ("5", "created_at")]
        assert "数量" in rows[1][2] and rows[1][3] and "日付" in rows[2][2]
    partial = submit(ingest_key, data, partial="true").json()
    assert (partial["state"], partial["created"], partial["rows_refused"]) == ("finished", 1, 2)


def test_whole_file_problems_are_named(ingest_key):
    unknown = submit(ingest_key, "品番,数\r\nA,1\r\n".encode("cp932")).json()
    assert unknown["state"] == "refused" and "column mapping" in unknown["error"]
    assert unknown["errors"][0]["message_ja"]
    missing = submit(ingest_key, b"x", mapping="nope")
    assert missing.status_code == 404 and "nope" in missing.content.decode()
    assert client(ingest_key).get(BASE + "imports/999999").status_code == 404
    assert client(ingest_key).post(BASE + "imports", {}).status_code in (400, 422)


def test_a_read_only_key_cannot_import(key_for):
    reader = key_for(Scope.READ.value)
    assert submit(reader, b"x").status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_file_is_replaced_and_nothing_is_lost_or_stored_twice(tmp_path):
    n = 3 * import_jobs.CHUNK  # three chunks: the worker is killed after the first commits
    data, as_json = rakuten_file(n, seed=5)
    job = import_jobs.create(data, caller="test", file_name="big.csv",
                             options={"channel": "default-channel", "currency": "JPY", "partial": False})
    queue = f"ltv-imp-{uuid.uuid4().hex[:8]}"
    first = Worker("imp-a", queue, tmp_path, {}).start()
    workers = [first]
    try:
        enqueue(run_import_task, queue, job_id=job.pk)
        deadline = time.monotonic() + 240
        while True:
            job.refresh_from_db()
            if 0 < job.orders_done < n:
                break
            assert time.monotonic() < deadline and job.state != "finished", (job.state, job.orders_done,
                                                                             first.tail())
            time.sleep(0.05)
        first.kill()
        killed_at = ImportJob.objects.get(pk=job.pk).orders_done
        assert ImportJob.objects.get(pk=job.pk).state == "running"
        # Its lease runs out (five minutes in production; here the clock is moved, not waited for).
        ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
        second = Worker("imp-b", queue, tmp_path, {}).start()
        workers.append(second)
        enqueue(resume_imports_task, queue)  # what the beat does every minute
        deadline = time.monotonic() + 300
        while ImportJob.objects.get(pk=job.pk).state != "finished":
            assert time.monotonic() < deadline, (ImportJob.objects.get(pk=job.pk).orders_done, second.tail())
            time.sleep(0.2)
    finally:
        stop_all(workers)
    job.refresh_from_db()
    assert 0 < killed_at < n and job.attempts == 2
    expected = {o["external_id"] for o in as_json}
    stored = list(OrderFact.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == n and set(stored) == expected
    # Each order counted once across both workers: the killed chunk rolled back whole.
    assert (job.created, job.updated, job.unchanged, job.orders_done) == (n, 0, 0, n)
    accounts = set(OrderFact.objects.values_list("account_id", flat=True))
    assert job.accounts_rescored == len(accounts) == ImportJobAccount.objects.filter(job=job).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM saleor_ltv_plugin_importfilepart WHERE job_id = %s", [job.pk])
        assert cursor.fetchone()[0] == 0
