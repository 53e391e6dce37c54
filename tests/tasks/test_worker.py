"""A real Celery worker on the real Redis applies the inbound-event log."""

import uuid

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
from ..support.net import wait_for
from ..support.processes import Worker

BROKER = "redis://127.0.0.1:6379/14"


def test_beat_schedule_is_installed_by_the_app():
    for name in BEAT_SCHEDULE:
        assert name in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["ltv-process-inbound-events"]["task"] == process_inbound_events_task.name


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-test-{uuid.uuid4().hex[:8]}"
    process = Worker("tasks", queue, tmp_path, {"broker": BROKER}).start()
    yield queue
    process.stop()
    print(process.tail())


@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_recorded_events(worker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for index in range(5):
        data = make_order(f"w-{index}", company=f"Worker Test {index}")
        inbox.record("rest", "order", f"order:{data.external_id}", to_jsonable(data))
    from saleor_ltv_plugin.hosts.standalone.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = BROKER
    app.conf.task_always_eager = False
    try:
        # An explicit connection: the app may already hold a pool made under other settings.
        with app.connection_for_write(BROKER) as conn:
            result = process_inbound_events_task.apply_async(queue=worker, connection=conn)
    finally:  # the app is process-wide: later tests expect eager tasks again
        app.conf.broker_url, app.conf.task_always_eager = saved
    wait_for(lambda: OrderFact.objects.count() >= 5, 60, every=0.25)
    assert OrderFact.objects.count() == 5, "the worker did not apply the events in 60 s"
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"done"}
    assert result.id
