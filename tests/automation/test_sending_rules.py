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
