import pytest
from django.core.management import call_command

from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Account, AccountContact, OrderFact

from ..conftest import make_order

pytestmark = pytest.mark.django_db


def orders_per_account():
    return sorted(
        sorted(OrderFact.objects.filter(account=a).values_list("external_id", flat=True))
        for a in Account.objects.all()
    )


def test_switching_from_company_to_user_and_back(settings):
    upsert_orders([
        make_order("a1", company="㈱ABC", email="x@abc.example", user_id="1"),
        make_order("a2", company="ABC 株式会社", email="y@abc.example", user_id="2"),
        make_order("a3", company="(株)ABC", email="x@abc.example", user_id="1"),
        make_order("g1", company="", email="guest@z.example"),
    ])
    assert orders_per_account() == [["a1", "a2", "a3"], ["g1"]]
    settings.LTV_PLUGIN = {"account_key": "user"}
    call_command("ltv_rekey_accounts", verbosity=0)
    assert orders_per_account() == [["a1", "a3"], ["a2"], ["g1"]]
    assert set(Account.objects.values_list("key_kind", flat=True)) == {"user", "email"}
    assert AccountContact.objects.filter(account__key_kind="user").count() == 2
    settings.LTV_PLUGIN = {"account_key": "company"}
    call_command("ltv_rekey_accounts", verbosity=0)
    assert orders_per_account() == [["a1", "a2", "a3"], ["g1"]]
    assert Account.objects.get(key="abc").contacts.count() == 2


def test_rekey_keeps_erased_people_anonymous(settings):
    settings.LTV_PLUGIN = {"account_key": "user"}
    upsert_orders([make_order("p1", company="", email="p@x.example", user_id="9")])
    erase_customer("9", "p@x.example")
    settings.LTV_PLUGIN = {"account_key": "company"}
    call_command("ltv_rekey_accounts", verbosity=0)
    account = OrderFact.objects.get().account
    assert account.erased and account.key.startswith("erased:")


def test_metadata_rule_groups_buyers_by_their_metadata(settings):
    from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
    from saleor_ltv_plugin.ingest.identity import upsert_customers

    upsert_customers([
        CustomerData(source="rest", customer=CustomerRef(user_id=str(i), email=f"b{i}@x.example",
                                                         metadata={"erp_customer": "C-100" if i < 3 else "C-200"}))
        for i in range(4)
    ])
    upsert_orders([make_order(f"m{i}", company=f"Spelled {i}", email=f"b{i}@x.example", user_id=str(i))
                   for i in range(4)])
    settings.LTV_PLUGIN = {"account_key": "metadata", "account_metadata_key": "erp_customer"}
    call_command("ltv_rekey_accounts", verbosity=0)
    assert orders_per_account() == [["m0", "m1", "m2"], ["m3"]]
    assert set(Account.objects.values_list("key", flat=True)) == {"c-100", "c-200"}


def test_a_metadata_change_moves_the_buyers_orders(settings):
    from saleor_ltv_plugin.ingest import inbox
    from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef, to_jsonable

    settings.LTV_PLUGIN = {"account_key": "metadata", "account_metadata_key": "erp"}
    profile = CustomerData(source="rest", customer=CustomerRef(user_id="1", email="b@x.example", metadata={"erp": "A"}))
    inbox.record("rest", "customer", "user:1", to_jsonable(profile))
    inbox.drain()
    upsert_orders([make_order("o1", email="b@x.example", user_id="1")])
    assert OrderFact.objects.get().account.key == "a"
    moved = CustomerData(source="rest", customer=CustomerRef(user_id="1", email="b@x.example", metadata={"erp": "B"}))
    inbox.record("rest", "customer", "user:1", to_jsonable(moved))
    inbox.drain()
    assert OrderFact.objects.get().account.key == "b"
    assert set(Account.objects.values_list("key", flat=True)) == {"b"}


def test_a_prospect_from_a_customer_list_outlives_a_rekey_and_a_buyers_move(settings):
    """Accounts are dropped only when a move emptied them: a tagged prospect (no order ever) stays."""
    from saleor_ltv_plugin.ingest.customers import store_customers
    from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
    from saleor_ltv_plugin.ingest.rekey import rekey_orders_of
    from saleor_ltv_plugin.models import Contact

    store_customers([CustomerData(source="rest", customer=CustomerRef(email="new@prospect.example",
                                                                      company_name="見込商事"), tags=("展示会",))],
                    "default-channel", "JPY")
    prospect = Account.objects.get()
    upsert_orders([make_order("r1", company="旧社名", email="buyer@x.example", user_id="5")])
    settings.LTV_PLUGIN = {"account_key": "user"}
    call_command("ltv_rekey_accounts", verbosity=0)  # 旧社名's account is emptied (its order moves to the user)
    assert Account.objects.filter(pk=prospect.pk).exists()
    assert not Account.objects.filter(key="旧社名").exists() and OrderFact.objects.get().account.key_kind == "user"
    settings.LTV_PLUGIN = {"account_key": "company"}
    buyer = Contact.objects.get(email="buyer@x.example")
    assert rekey_orders_of(buyer) == 1  # back under the company; the user account it left is dropped
    assert Account.objects.filter(pk=prospect.pk).exists() and prospect.tags.filter(tag="展示会").exists()
    assert set(Account.objects.values_list("key_kind", flat=True)) == {"company"}
