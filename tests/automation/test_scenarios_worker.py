"""Every ready scenario end to end: facts → recompute → scan and send in a real Celery worker →
the SMTP sink, the staff webhook receiver and the alert inbox."""

import hashlib
import hmac
import json
import threading
import uuid
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import redis
from django.utils import timezone

from saleor_ltv_plugin.automation.triggers import SEND_HOUR
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.ingest.facts import CheckoutData, CustomerRef
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import Alert, ChannelInsight, Contact, OutboxMessage, ProductView
from saleor_ltv_plugin.tasks import scan_scenarios_task, send_outbox_task

from ..conftest import make_order
from . import smtp_sink
from .conftest import CHANNEL, enable
from .workers import BROKER, Worker, enqueue, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "s3cret"


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.headers, body))  # case-insensitive lookups
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def orders_every(company, emails, days_ago, sku="SKU-TONER", now=None):
    return [make_order(f"{company}-{i}", company=company, email=emails[i % len(emails)],
                       created_at=now - timedelta(days=d), lines=[("l1", sku, 1, "5000")])
            for i, d in enumerate(days_ago)]


def build_shop(now):
    orders = []
    orders += orders_every("Churn Co", ["buyer@churn.example"], [280, 250, 220, 190, 160, 130, 100], now=now)
    orders += orders_every("Reorder Co", ["a@reorder.example", "b@reorder.example"], [118, 88, 58, 28],
                           sku="SKU-PAPER", now=now)
    orders += orders_every("Sleepy Co", ["sleepy@sleepy.example"], [300, 125], now=now)
    # The follow-ups fall due at SEND_HOUR on (first / last purchase day + delay); a step more than
    # a day late is not sent. So the purchase is dated for the latest SEND_HOUR before now: today's
    # from 10:00 shop time on, yesterday's before it (a fixed 15 days failed every afternoon in Tokyo).
    late = 0 if now.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).hour >= SEND_HOUR else 1
    orders += orders_every("New Co", ["new@new.example"], [14 + late], now=now)
    orders += orders_every("Xsell Co", ["x@xsell.example"], [7 + late], sku="SKU-A", now=now)
    upsert_orders(orders)
    recompute(now=now)
    ChannelInsight.objects.update_or_create(channel=CHANNEL, kind="transitions", defaults={
        "data": [{"from_sku": "SKU-A", "to_sku": "SKU-B", "lift": 3.0, "accounts": 5}], "computed_at": now})
    # the dormant company is back on the site: a fresh cart (high intent); a viewer and a new member
    upsert_checkout(CheckoutData(source="rest", token="sleepy-cart", channel=CHANNEL, currency="JPY",
                                 last_change=now - timedelta(minutes=5),
                                 customer=CustomerRef(email="sleepy@sleepy.example", company_name="Sleepy Co"),
                                 total_gross=Decimal("5000"), lines=({"sku": "SKU-TONER", "quantity": 1},)))
    viewer = Contact.objects.create(email="viewer@browse.example", marketing_consent="granted")
    ProductView.objects.create(contact=viewer, channel=CHANNEL, product_id="p-9", sku="SKU-VIEWED",
                               viewed_at=now - timedelta(hours=3))
    Contact.objects.create(email="member@signup.example", registered_at=now - timedelta(hours=25))
    Contact.objects.update(marketing_consent="granted")


@pytest.fixture
def world(tmp_path):
    controller, sink = smtp_sink.start()
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    redis.Redis.from_url(BROKER).flushdb()
    plugin = {"consent_mode": "opt_in", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
              "sender_email": "info@yamada-shop.example", "staff_alert_emails": "sales@yamada-shop.example",
              "staff_webhook_url": f"http://127.0.0.1:{server.server_port}/hook", "staff_webhook_secret": SECRET}
    queue = f"ltv-scn-{uuid.uuid4().hex[:8]}"
    worker = Worker("scenarios", queue, tmp_path, {
        "LTV_TEST_SMTP_PORT": str(controller.port), "LTV_TEST_PLUGIN_SETTINGS": json.dumps(plugin),
        "HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS": "1"}).start()
    yield queue, sink
    worker.stop()
    server.shutdown()
    controller.stop()
    print(worker.tail())


def test_every_scenario_runs_end_to_end_in_a_real_worker(world):
    queue, sink = world
    now = timezone.now()
    build_shop(now)
    for key in ("abandoned_checkout", "browse_abandonment", "registered_no_purchase", "reorder_reminder",
                "churn_risk", "high_intent", "winback", "f2_followup", "cross_sell"):
        enable(key, **({"call_top_rfm_rank": 7, "call_after_hours": 0} if key == "churn_risk" else {}))
    enqueue(scan_scenarios_task, queue)
    due = OutboxMessage.objects.filter(due_at__lte=timezone.now() + timedelta(minutes=1))
    unfinished = ["pending", "sending", "committing", "failed"]
    assert wait_for(lambda: due.exists() and not due.filter(status__in=unfinished).exists(), 90, every=0.5), \
        list(due.values_list("scenario", "kind", "status", "last_error"))
    enqueue(send_outbox_task, queue)  # a second sender finds nothing more to do

    by_scenario = {}
    for mail in sink.messages:
        by_scenario.setdefault(mail["X-LTV-Scenario"], []).append(mail)
    recipients = {key: sorted(m["To"].strip() for m in mails) for key, mails in by_scenario.items()}
    # both buyers of the company; Sleepy Co's toner is also due by its (prior-shrunk) rhythm
    assert {"a@reorder.example", "b@reorder.example"} <= set(recipients["reorder_reminder"])
    assert "buyer@churn.example" not in recipients["reorder_reminder"]
    # Churn Co is overdue on its 30-day rhythm; Sleepy Co too (and dormant): one staff mail each
    assert recipients["churn_risk"] == ["buyer@churn.example", "sales@yamada-shop.example",
                                        "sales@yamada-shop.example", "sleepy@sleepy.example"]
    assert recipients["winback"] == ["sleepy@sleepy.example"]
    assert recipients["f2_followup"] == ["new@new.example"]
    assert recipients["cross_sell"] == ["x@xsell.example"]
    assert recipients["browse_abandonment"] == ["viewer@browse.example"]
    assert recipients["registered_no_purchase"] == ["member@signup.example"]
    assert recipients["high_intent"] == ["sales@yamada-shop.example"]
    reorder_text = by_scenario["reorder_reminder"][0].get_body(("plain",)).get_content()
    assert "SKU-PAPER" in reorder_text
    xsell_text = by_scenario["cross_sell"][0].get_body(("plain",)).get_content()
    assert "SKU-B" in xsell_text
    # the abandoned-checkout scenario waits its hour: the fresh cart got nothing yet
    assert "abandoned_checkout" not in by_scenario

    alerts = sorted((a.kind, a.account.display_name) for a in Alert.objects.select_related("account"))
    assert alerts == [("call", "Churn Co"), ("call", "Sleepy Co"), ("churn_risk", "Churn Co"),
                      ("churn_risk", "Sleepy Co"), ("high_intent", "Sleepy Co")]
    assert len(Receiver.received) == 3  # two churn risks and one high intent, once each
    for headers, body in Receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), headers["X-LTV-Timestamp"].encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-LTV-Signature"], expected)
        assert json.loads(body)["text"]
    assert due.filter(status="sent").count() == len(sink.messages) + 3 + Alert.objects.count()
    assert not due.filter(status__in=["dead", "skipped"]).exists()
