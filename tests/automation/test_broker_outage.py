"""Redis stopped while orders and checkouts arrive, under two beat schedulers started by mistake:
nothing is lost and every due message is sent once. The beats run the schedule at a fifth of its
intervals (inbound events every 2 s, outbox 3 s, scenario scan 12 s), so the 13 s outage makes each
of those entries fail at least once, and the 13 s watch afterwards spans a whole scan period."""

import json
import subprocess
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.ingest.facts import to_jsonable
from saleor_ltv_plugin.models import CheckoutFact, OrderFact, OutboxMessage

from ..support.facts import make_checkout
from . import smtp_sink
from .conftest import CHANNEL, enable
from .workers import Worker, start_beat, wait_for, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BEAT_SCALE = 0.2
OUTAGE_SECONDS = 13
WATCH_SECONDS = 13


class RedisServer:
    def __init__(self, tmp_path):
        self.port, self.dir, self.process = smtp_sink.free_port(), tmp_path, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        import redis

        assert wait_for(lambda: _pings(redis.Redis(port=self.port)), 10), "redis-server did not start"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def cart(i, now):
    return make_checkout(f"outage-{i}", channel=CHANNEL, last_change=now - timedelta(hours=2), gross="3300",
                         email=f"cart{i}@outage.example", company=f"Outage {i}",
                         lines=[{"sku": "SKU-TONER", "name": "トナー", "quantity": 1, "amount": "3300"}])


def test_a_broker_outage_loses_nothing_and_two_beats_send_nothing_twice(tmp_path, key_for):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    controller, sink = smtp_sink.start()
    broker = RedisServer(tmp_path)
    broker.start()
    plugin = {"consent_mode": "opt_out", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
              "sender_email": "info@yamada-shop.example"}
    env = {"LTV_TEST_SMTP_PORT": str(controller.port), "LTV_TEST_PLUGIN_SETTINGS": json.dumps(plugin),
           "broker": broker.url, "LTV_TEST_BEAT_SCALE": str(BEAT_SCALE)}
    enable("abandoned_checkout")
    worker = Worker("outage", "celery", tmp_path, dict(env)).start()
    beats = [start_beat(tmp_path, f"beat{i}", worker_env(env["broker"], **{k: v for k, v in env.items() if k != "broker"}))
             for i in (1, 2)]
    try:
        time.sleep(3)
        broker.stop()
        now = timezone.now()
        token = key_for("orders:write")
        for i in range(20):  # what Saleor's hooks and the storefront keep sending meanwhile
            inbox.record("rest", "checkout", f"checkout:outage-{i}", to_jsonable(cart(i, now)))
        response = Client().post("/plugins/global/saleor.ltv/api/v1/orders", json.dumps({"orders": [
            {"external_id": f"outage-o{i}", "channel": CHANNEL, "currency": "JPY", "created_at": now.isoformat(),
             "status": "fulfilled", "total_gross": "1100", "customer": {"email": f"o{i}@outage.example"},
             "lines": [{"sku": "SKU-TONER", "quantity": 1, "unit_price": "1100"}]} for i in range(10)]}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code < 300, response.content
        time.sleep(OUTAGE_SECONDS)
        assert sink.count() == 0 and not CheckoutFact.objects.exists()
        broker.start()
        sent = OutboxMessage.objects.filter(status="sent")
        assert wait_for(lambda: sent.count() >= 20, 180, every=1), (
            f"{sent.count()} sent; {CheckoutFact.objects.count()} checkouts applied\n{worker.tail()}")
        time.sleep(WATCH_SECONDS)  # both beats keep ticking: nothing more may go out
        assert OrderFact.objects.filter(external_id__startswith="outage-o").count() == 10
        assert CheckoutFact.objects.count() == 20
        assert sent.count() == 20 and sink.count() == 20
        assert sorted(m["To"].strip() for m in sink.messages) == sorted(f"cart{i}@outage.example" for i in range(20))
    finally:
        for process in beats:
            process.terminate()
            process.wait(timeout=30)
        worker.stop()
        broker.stop()
        controller.stop()
        print(worker.tail(), *[(tmp_path / f"beat{i}.log").read_text()[-1500:] for i in (1, 2)])

