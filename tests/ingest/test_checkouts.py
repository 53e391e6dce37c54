from datetime import datetime, timedelta, timezone

import pytest

from saleor_ltv_plugin.ingest.checkouts import mark_abandoned_checkouts, upsert_checkout
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.models import CheckoutFact

from ..conftest import make_checkout, make_order

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)


def checkout(token="tok-1", at=T0, email="buyer@x.example", lines=1):
    return make_checkout(token, last_change=at, email=email,
                         lines=[{"sku": f"S{i}", "quantity": 1, "amount": "3000"} for i in range(lines)])


def test_checkout_then_order_completes_it():
    upsert_checkout(checkout())
    assert CheckoutFact.objects.get().state == "open"
    upsert_order(make_order("ord-1", checkout_token="tok-1"))
    stored = CheckoutFact.objects.get()
    assert (stored.state, stored.completed_order_id) == ("completed", "ord-1")


def test_order_then_late_checkout_event_stays_completed():
    upsert_order(make_order("ord-1", checkout_token="tok-1"))
    upsert_checkout(checkout(at=T0 + timedelta(minutes=5)))
    assert CheckoutFact.objects.get().state == "completed"


def test_an_older_snapshot_never_moves_the_checkout_back():
    upsert_checkout(checkout(at=T0 + timedelta(minutes=10), lines=3))
    upsert_checkout(checkout(at=T0, lines=1))
    stored = CheckoutFact.objects.get()
    assert stored.line_count == 3 and stored.last_change == T0 + timedelta(minutes=10)


def test_idle_checkouts_with_email_and_lines_become_abandoned_and_reopen_on_change():
    upsert_checkout(checkout("idle", at=T0))
    upsert_checkout(checkout("fresh", at=T0 + timedelta(minutes=50)))
    upsert_checkout(checkout("anonymous", at=T0, email=""))
    upsert_checkout(checkout("empty", at=T0, lines=0))
    assert mark_abandoned_checkouts(now=T0 + timedelta(minutes=61)) == 1
    states = dict(CheckoutFact.objects.values_list("token", "state"))
    assert states == {"idle": "abandoned", "fresh": "open", "anonymous": "open", "empty": "open"}
    upsert_checkout(checkout("idle", at=T0 + timedelta(minutes=70)))
    assert CheckoutFact.objects.get(token="idle").state == "open"
