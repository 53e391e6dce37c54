"""Send-time rules: quiet hours in the shop's zone (DST too), duplicate scans, the webhook address filter."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.channels import DEAD, webhook
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.models import Enrollment, OutboxMessage

from .conftest import at, enable
from .test_abandoned_checkout import LEFT, leave_cart


@pytest.mark.django_db
@pytest.mark.parametrize("zone, now, resume", [
    # 22:30 in Tokyo: quiet until 08:00 the next morning, Tokyo time
    ("Asia/Tokyo", "2026-06-01T22:30:00+09:00", "2026-06-02T08:00:00+09:00"),
    # New York, the night clocks spring forward (2026-03-08 02:00 → 03:00): 08:00 EDT, not EST
    ("America/New_York", "2026-03-08T01:30:00-05:00", "2026-03-08T08:00:00-04:00"),
    # ... and the night they fall back (2026-11-01): 08:00 EST
    ("America/New_York", "2026-11-01T01:30:00-04:00", "2026-11-01T08:00:00-05:00"),
])
def test_buyer_mail_due_in_quiet_hours_waits_for_their_end(sink, shop_settings, settings, zone, now, resume):
    settings.LTV_PLUGIN = {**shop_settings, "timezone": zone, "quiet_hours_start": 21, "quiet_hours_end": 8}
    enable("abandoned_checkout")
    leave_cart(when=at(now) - timedelta(hours=1, minutes=5))
    scan(now=at(now))
    assert outbox.send_due(now=at(now)) == {"deferred": 1}
    message = OutboxMessage.objects.get(step=0)
    assert (message.status, message.due_at, message.attempts) == ("pending", at(resume), 0)
    assert outbox.send_due(now=at(resume) - timedelta(seconds=1)) == {}
    assert outbox.send_due(now=at(resume)) == {"sent": 1}
    assert sink.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_scans_and_two_senders_at_once_still_send_once(sink, shop_settings):
    """What two beat schedulers started by mistake would do: everything twice, concurrently."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    enable("abandoned_checkout")
    for i in range(40):
        leave_cart(f"cart-{i}", f"buyer{i}@twice.example")
    now = LEFT + timedelta(hours=2)
    errors = []

    def run(job):
        try:
            job()
        except Exception as exc:  # reported below, a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    for job in (lambda: scan(now=now), lambda: outbox.send_due(now=now)):
        threads = [threading.Thread(target=run, args=(job,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert Enrollment.objects.count() == 40
    assert OutboxMessage.objects.filter(step=0).count() == 40
    assert sink.count() == 40 and len({m["To"] for m in sink.messages}) == 40


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[::1]/x",
                                 "http://169.254.169.254/latest/meta-data", "ftp://example.com/x"])
def test_webhooks_to_private_or_loopback_addresses_are_refused(settings, url):
    settings.HTTP_IP_FILTER_ENABLED = True
    settings.HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS = False
    outcome = webhook.post(url, "secret", {"text": "x"}, "key", lambda: True)
    assert outcome.status == DEAD and ("non-public" in outcome.detail or "http(s)" in outcome.detail)


@pytest.mark.django_db
def test_english_buyers_get_english_copy_and_shop_overrides_apply(sink, shop_settings):
    from saleor_ltv_plugin.models import Contact

    enable("abandoned_checkout", copy={"ja": {"subject": "カートのご確認"}})
    leave_cart("cart-en", "mary@smith.example")
    leave_cart("cart-ja", "hanako@tanaka.example")
    Contact.objects.filter(email="mary@smith.example").update(language_code="en-US", first_name="Mary")
    scan(now=LEFT + timedelta(hours=2))
    outbox.send_due(now=LEFT + timedelta(hours=2))
    subjects = {m["To"].strip(): m["Subject"].strip() for m in sink.messages}
    assert subjects == {"mary@smith.example": "You left something in your cart",
                        "hanako@tanaka.example": "カートのご確認"}
    english = next(m for m in sink.messages if "mary" in m["To"]).get_body(("plain",)).get_content()
    assert english.startswith("Mary, your cart is waiting") and "Unsubscribe:" in english


@pytest.mark.django_db
def test_an_account_entering_a_saved_segment_starts_the_scenario_once(sink, shop_settings):
    from saleor_ltv_plugin.ingest.orders import upsert_orders
    from saleor_ltv_plugin.metrics.recompute import recompute
    from saleor_ltv_plugin.models import SavedSegment

    from ..conftest import make_order

    now = at("2026-06-01T10:00:00+09:00")
    upsert_orders([make_order("big-1", company="Big Co", email="big@big.example", gross="900000",
                              created_at=now - timedelta(days=40)),
                   make_order("small-1", company="Small Co", email="small@small.example", gross="1000",
                              created_at=now - timedelta(days=40))])
    recompute(now=now)
    segment = SavedSegment.objects.create(name="Big spenders", channel="default-channel",
                                          filter={"monetary": {"gte": "500000"}})
    enable("winback", segment_id=segment.pk, delays_hours=[0])
    scan(now=now)
    scan(now=now + timedelta(minutes=1))
    outbox.send_due(now=now)
    assert [m["To"].strip() for m in sink.messages] == ["big@big.example"]
    assert Enrollment.objects.get().trigger_ref.startswith(f"segment:{segment.pk}:")
