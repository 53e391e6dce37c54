from datetime import datetime, timezone

import pytest

from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
from saleor_ltv_plugin.ingest.identity import erase_customer, upsert_customer
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.models import Account, CheckoutFact, Contact, OrderFact

from ..conftest import make_order

pytestmark = pytest.mark.django_db


def test_customer_event_creates_a_prospect_and_updates_profile():
    upsert_customer(CustomerData(source="rest", customer=CustomerRef(user_id="9", email="a@x.example"),
                                 registered_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    upsert_customer(CustomerData(source="rest", customer=CustomerRef(
        user_id="9", email="new@x.example", first_name="Taro", company_name="㈱X", metadata={"ltv_account": "X-1"}),
        marketing_consent=True))
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.company_name) == ("new@x.example", "Taro", "㈱X")
    assert contact.metadata == {"ltv_account": "X-1"} and contact.marketing_consent == "granted"
    assert contact.registered_at is not None and contact.orders.count() == 0


def test_erasure_removes_personal_data_and_keeps_anonymous_aggregates(settings):
    settings.LTV_PLUGIN = {"account_key": "user"}
    upsert_order(make_order("o1", user_id="5", email="p@x.example", company="", gross="1000"))
    upsert_order(make_order("o2", user_id="5", email="p@x.example", company="", gross="2000"))
    assert erase_customer("5", "p@x.example") == 1
    assert not Contact.objects.exists()
    account = Account.objects.get()
    assert account.erased and account.display_name == "" and account.key.startswith("erased:")
    assert account.key != "5" and "p@x" not in account.key
    assert sorted(OrderFact.objects.values_list("amount", flat=True)) == [1000, 2000]
    assert all(raw == {} for raw in OrderFact.objects.values_list("raw", flat=True))


def test_an_order_replayed_after_erasure_stays_anonymous(settings):
    settings.LTV_PLUGIN = {"account_key": "user"}
    upsert_order(make_order("o1", user_id="5", email="p@x.example", company=""))
    erase_customer("5", "p@x.example")
    # Saleor keeps user_email on orders after the user is deleted; reconcile may re-read it.
    upsert_order(make_order("o1", user_id=None, email="p@x.example", company=""))
    upsert_order(make_order("o3", user_id=None, email="P@x.example", company=""))
    assert not Contact.objects.exists()
    assert Account.objects.count() == 1
    assert set(OrderFact.objects.values_list("account__key", flat=True)) == {Account.objects.get().key}


def test_company_accounts_survive_a_buyer_erasure():
    upsert_order(make_order("o1", user_id="5", email="p@yamada.example"))
    upsert_order(make_order("o2", user_id="6", email="q@yamada.example"))
    erase_customer("5", "p@yamada.example")
    account = Account.objects.get()
    assert account.key == "山田製作所" and not account.erased
    assert list(account.contacts.values_list("email", flat=True)) == ["q@yamada.example"]
    assert OrderFact.objects.filter(contact__isnull=True).count() == 1
    assert not CheckoutFact.objects.filter(email="p@yamada.example").exists()
