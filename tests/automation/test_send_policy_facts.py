"""The send policy's facts for a batch, read in one statement on PostgreSQL: the same facts as the
query per fact (the other databases' path), and the values the fixture put there."""

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from saleor_ltv_plugin.automation import send_policy
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.models import (CheckoutFact, Contact, ContactConsent, DeliveryKind, Enrollment, MessageStatus,
                                      OrderFact, OutboxMessage)

from ..support.facts import make_checkout, make_order
from .conftest import CHANNEL

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)


def _shop() -> list[OutboxMessage]:
    """Three companies' buyers: orders (one cancelled), carts (one completed), recent sends, consents."""
    for i, (company, email) in enumerate([("田中商事", "hanako@tanaka.example"), ("山田製作所", "taro@yamada.example"),
                                          ("佐藤物産", "jiro@sato.example")]):
        upsert_order(make_order(f"o-{i}-a", company=company, email=email, created_at=NOW - timedelta(days=40 + i)))
        upsert_order(make_order(f"o-{i}-b", company=company, email=email, created_at=NOW - timedelta(days=10 + i)))
        upsert_order(make_order(f"o-{i}-c", company=company, email=email, created_at=NOW - timedelta(days=2),
                                status="canceled"))
        upsert_checkout(make_checkout(f"cart-{i}", email=email, company=company, last_change=NOW - timedelta(days=i)))
    upsert_order(make_order("o-cart", company="田中商事", email="hanako@tanaka.example",
                            created_at=NOW - timedelta(days=30), checkout_token="cart-0"))
    contacts = list(Contact.objects.order_by("id"))
    ContactConsent.objects.create(contact=contacts[0], medium="line", state="granted", source="line_follow",
                                  updated_at=NOW)
    ContactConsent.objects.create(contact=contacts[1], medium="sms", state="revoked", source="keyword", updated_at=NOW)
    messages = []
    for i, contact in enumerate(contacts):
        account = contact.accountcontact_set.first().account
        enrollment = Enrollment.objects.create(scenario="churn_risk", channel=CHANNEL, trigger_ref=f"t-{i}",
                                               contact=contact, account=account, anchor_at=NOW,
                                               context={"checkout_token": f"cart-{i}"})
        for j, (status, sent_days_ago, kind) in enumerate([(MessageStatus.SENT, 3, DeliveryKind.EMAIL),
                                                           (MessageStatus.SENT, 9, DeliveryKind.EMAIL),
                                                           (MessageStatus.COMMITTING, None, DeliveryKind.LINE),
                                                           (MessageStatus.SENT, 1, DeliveryKind.STAFF_ALERT)][:i + 2]):
            OutboxMessage.objects.create(
                idempotency_key=f"k-{i}-{j}", enrollment=enrollment, scenario="churn_risk", channel=CHANNEL, step=j,
                kind=kind, contact=contact, account=account, due_at=NOW, status=status,
                sent_at=NOW - timedelta(days=sent_days_ago) if sent_days_ago else None)
        messages.append(OutboxMessage.objects.create(
            idempotency_key=f"due-{i}", enrollment=enrollment, scenario="churn_risk", channel=CHANNEL, step=9,
            kind=DeliveryKind.EMAIL, contact=contact, account=account, due_at=NOW, status=MessageStatus.SENDING))
    return list(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).select_related("enrollment", "contact")
                .order_by("id"))


FACTS = ("last_order_by_account", "last_order_by_contact", "last_checkout_by_contact", "completed_checkouts",
         "sent_this_week", "consents")


def test_the_batch_facts_in_one_statement_are_the_facts_read_one_query_each(shop_settings):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement read is PostgreSQL's; elsewhere the policy reads a query per fact")
    messages = _shop()
    at_once = send_policy.SendPolicy(messages, NOW)
    each = send_policy.SendPolicy.__new__(send_policy.SendPolicy)
    each.now, each.consents = NOW, defaultdict(dict)
    each._facts({m.account_id for m in messages}, {m.contact_id for m in messages},
                {m.enrollment.context["checkout_token"] for m in messages})
    for fact in FACTS:
        assert getattr(at_once, fact) == getattr(each, fact), fact
    # and what the fixture put there, counted here from its own rows
    contacts = [m.contact_id for m in messages]
    assert at_once.last_order_by_contact == {c: NOW - timedelta(days=10 + i) for i, c in enumerate(contacts)}
    assert set(at_once.last_order_by_account) == {m.account_id for m in messages}
    assert at_once.completed_checkouts == {"cart-0"} == set(
        CheckoutFact.objects.filter(state="completed").values_list("token", flat=True))
    assert set(at_once.last_checkout_by_contact) == set(contacts)
    # sent within 7 days or committing, staff alerts not capped: 1, 1 + committing, 1 + committing
    assert dict(at_once.sent_this_week) == {contacts[0]: 1, contacts[1]: 2, contacts[2]: 2}
    assert dict(at_once.consents) == {contacts[0]: {"line": "granted"}, contacts[1]: {"sms": "revoked"}}
    assert not OrderFact.objects.filter(counts_as_purchase=True, created_at__gt=NOW - timedelta(days=10)).exists()
