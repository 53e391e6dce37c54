"""A real Celery worker on the real Redis applies the inbound-event log."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.ingest.facts import to_jsonable
from saleor_ltv_plugin.models import InboundEvent, OrderFact
from saleor_ltv_plugin.schedule import BEAT_SCHEDULE
from saleor_ltv_plugin.tasks import process_inbound_events_task

from ..conftest import make_order

BROKER = "redis://127.0.0.1:6379/14"
REPO = Path(__file__).resolve().parents[2]


def test_beat_schedule_is_installed_by_the_app():
    for name in BEAT_SCHEDULE:
        assert name in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["ltv-process-inbound-events"]["task"] == process_inbound_events_task.name


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_BROKER_URL": BROKER,
        "LTV_TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "saleor_ltv_plugin.standalone.celery", "worker",
         "--pool", "solo", "--concurrency", "1", "-Q", queue, "--without-heartbeat", "--without-gossip",
         "--loglevel", "INFO"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)
    log.close()
    print((tmp_path / "worker.log").read_text()[-3000:])


@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_recorded_events(worker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for index in range(5):
        data = make_order(f"w-{index}", company=f"Worker Test {index}")
        inbox.record("rest", "order", f"order:{data.external_id}", to_jsonable(data))
    from saleor_ltv_plugin.standalone.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = BROKER
    app.conf.task_always_eager = False
    try:
        # An explicit connection: the app may already hold a pool made under other settings.
        with app.connection_for_write(BROKER) as conn:
            result = process_inbound_events_task.apply_async(queue=worker, connection=conn)
    finally:  # the app is process-wide: later tests expect eager tasks again
        app.conf.broker_url, app.conf.task_always_eager = saved
    deadline = time.monotonic() + 60
    while OrderFact.objects.count() < 5 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert OrderFact.objects.count() == 5, "the worker did not apply the events in 60 s"
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"done"}
    assert result.id
