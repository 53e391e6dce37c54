"""A typed company name is not an identity: storefront queries show a buyer a company's rhythm
only once the shop confirmed them (issue 15, #7). Staff analysis still groups by company."""

from datetime import datetime, timedelta, timezone

import pytest

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
from saleor_ltv_plugin.ingest.identity import upsert_customers
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import Account, AccountContact, Contact, Source

from ..conftest import make_order
from ..graphql.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)
REAL = "AR金属株式会社"
MEMBER, COLLEAGUE, SPOOFER = "VXNlcjox", "VXNlcjoy", "VXNlcjoz"
# Each normalises to the real company's key.
SPOOFS = ["ＡＲ金属（株）", "(株)AR金属", "㈱ＡＲ金属", "ar 金属 株式会社", "AR金属 Co., Ltd.", "AR 金属 K.K.",
          "ＡＲ　金属　Inc."]
STOREFRONT = """{ myReorderSuggestions(dueWithinDays: 3650, first: 100) { sku }
  myAccountInsights { ordersCount } }"""
NOTHING = {"myReorderSuggestions": [], "myAccountInsights": []}


def _shop(spoof, spoofer_email="mallory@gmail.com", spoofer_metadata=None):
    start = NOW - timedelta(days=200)
    orders = [make_order(f"m{i}", company=REAL, user_id=MEMBER, email="alice@ar-kinzoku.co.jp",
                         created_at=start + timedelta(days=30 * i), lines=[("l1", "SKU-AR-SECRET", 3, "1000")])
              for i in range(5)]
    orders.append(make_order("spoof", company=spoof, user_id=SPOOFER, email=spoofer_email,
                             created_at=NOW - timedelta(days=10), lines=[("l1", "SKU-MINE", 1, "500")]))
    upsert_orders(orders)
    if spoofer_metadata is not None:
        upsert_customers([CustomerData(source=Source.REST, customer=CustomerRef(
            user_id=SPOOFER, email=spoofer_email, company_name=spoof, metadata=spoofer_metadata))])
    recompute(now=NOW)
    assert Account.objects.filter(key_kind="company").count() == 1  # the spoof joined the company


def _colleague(email):
    upsert_orders([make_order("c1", company="AR金属", user_id=COLLEAGUE, email=email,
                              created_at=NOW - timedelta(days=5), lines=[("l1", "SKU-COLLEAGUE", 1, "500")])])
    recompute(now=NOW)


def _storefront(user_id):
    return GraphQLClient()(STOREFRONT, token=f"customer:{user_id}")["data"]


def _sees_company(data) -> bool:
    return "SKU-AR-SECRET" in {r["sku"] for r in data["myReorderSuggestions"]} or any(
        i["ordersCount"] >= 5 for i in data["myAccountInsights"])


def _mode(settings, mode):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "company_membership": mode}


CONFIRM = """mutation($account: ID!, $contact: ID!, $confirmed: Boolean!) {
  ltvContactMembershipSet(account: $account, contact: $contact, confirmed: $confirmed) {
    contact { email membership membershipConfirmedBy } errors { field code message } } }"""
STAFF_VIEW = """query($id: ID!) { ltvAccount(id: $id) { unconfirmedContacts
  contacts { contactId email membership } metrics { frequency } } }"""


def _account_gid():
    from graphene import relay
    return relay.Node.to_global_id("LtvAccount", Account.objects.get(key_kind="company").pk)


def _contact_gid(user_id):
    return _contact_gid_of(Contact.objects.get(saleor_user_id=user_id))


@pytest.mark.parametrize("spoof", SPOOFS)
def test_unconfirmed_spoofer_sees_nothing_of_the_company(spoof, as_customer):
    _shop(spoof)
    assert not _sees_company(_storefront(SPOOFER))
    assert _storefront(SPOOFER) == NOTHING


def test_sole_buyer_sees_their_own_account_until_someone_else_joins(as_customer):
    upsert_orders([make_order(f"m{i}", company=REAL, user_id=MEMBER, created_at=NOW - timedelta(days=30 * i),
                              lines=[("l1", "SKU-AR-SECRET", 3, "1000")]) for i in range(4)])
    recompute(now=NOW)
    assert _sees_company(_storefront(MEMBER))  # every order is theirs


def test_staff_confirms_a_member_who_then_sees_the_company(as_customer, key_for):
    _shop("ＡＲ金属（株）")
    staff = key_for("metrics:read", "segments:write")
    gql = GraphQLClient()
    view = gql(STAFF_VIEW, {"id": _account_gid()}, staff)["data"]["ltvAccount"]
    assert view["unconfirmedContacts"] == 2 and view["metrics"]["frequency"] >= 6  # analysis still groups
    assert {c["membership"] for c in view["contacts"]} == {"UNCONFIRMED"}
    assert not _sees_company(_storefront(MEMBER))  # not theirs alone any more, and not confirmed

    done = gql(CONFIRM, {"account": _account_gid(), "contact": _contact_gid(MEMBER), "confirmed": True},
               staff)["data"]["ltvContactMembershipSet"]
    assert done["errors"] == [] and done["contact"]["membership"] == "CONFIRMED"
    assert done["contact"]["membershipConfirmedBy"] == "test"
    assert _sees_company(_storefront(MEMBER))
    assert _storefront(SPOOFER) == NOTHING
    assert gql(STAFF_VIEW, {"id": _account_gid()}, staff)["data"]["ltvAccount"]["unconfirmedContacts"] == 1

    undone = gql(CONFIRM, {"account": _account_gid(), "contact": _contact_gid(MEMBER), "confirmed": False},
                 staff)["data"]["ltvContactMembershipSet"]
    assert undone["contact"]["membership"] == "UNCONFIRMED"
    assert not _sees_company(_storefront(MEMBER))


def test_membership_mutation_needs_manage_users_and_valid_ids(as_customer, key_for):
    _shop("ＡＲ金属（株）")
    gql = GraphQLClient()
    args = {"account": _account_gid(), "contact": _contact_gid(SPOOFER), "confirmed": True}
    for token in (f"customer:{SPOOFER}", key_for("metrics:read"), key_for("alerts:write"), None):
        body = gql(CONFIRM, args, token)
        assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not AccountContact.objects.filter(confirmed_at__isnull=False).exists()
    staff = key_for("segments:write")
    for bad, field in (({**args, "account": "bogus"}, "account"), ({**args, "contact": "bogus"}, "contact"),
                       ({**args, "account": args["contact"]}, "account")):
        errors = gql(CONFIRM, bad, staff)["data"]["ltvContactMembershipSet"]["errors"]
        assert errors[0]["field"] == field and errors[0]["code"] == "NOT_FOUND" and errors[0]["message"]
    other = Contact.objects.create(email="nobody@example.com")
    errors = gql(CONFIRM, {**args, "contact": _contact_gid_of(other)}, staff)["data"]["ltvContactMembershipSet"]["errors"]
    assert errors[0]["field"] == "contact" and errors[0]["code"] == "NOT_FOUND"
    assert not AccountContact.objects.filter(confirmed_at__isnull=False).exists()


def _contact_gid_of(contact):
    from graphene import relay
    return relay.Node.to_global_id("LtvContact", contact.pk)


@pytest.mark.parametrize("colleague, sees", [
    ("bob@ar-kinzoku.co.jp", True), ("bob@AR-KINZOKU.CO.JP", True),
    ("bob@ar-kinzoku.co.jp.evil.example", False), ("bob@evil-ar-kinzoku.co.jp", False),
    ("bob@sub.ar-kinzoku.co.jp", False), ("bob@gmail.com", False),
])
def test_email_domain_mode_follows_a_confirmed_members_domain(colleague, sees, settings, as_customer, key_for):
    _mode(settings, "email_domain")
    _shop("ＡＲ金属（株）")
    AccountContact.objects.filter(contact__saleor_user_id=MEMBER).update(confirmed_at=NOW, confirmed_by="staff")
    _colleague(colleague)
    assert _sees_company(_storefront(COLLEAGUE)) is sees
    assert _storefront(SPOOFER) == NOTHING  # gmail.com


@pytest.mark.parametrize("free", ["gmail.com", "yahoo.co.jp", "outlook.com", "icloud.com", "docomo.ne.jp",
                                  "ezweb.ne.jp", "softbank.ne.jp"])
def test_email_domain_mode_never_trusts_free_mail(free, settings, as_customer):
    _mode(settings, "email_domain")
    _shop("(株)AR金属", spoofer_email=f"mallory@{free}")
    Contact.objects.filter(saleor_user_id=MEMBER).update(email=f"alice@{free}")
    AccountContact.objects.filter(contact__saleor_user_id=MEMBER).update(confirmed_at=NOW, confirmed_by="staff")
    assert _sees_company(_storefront(MEMBER))  # confirmed by staff
    assert _storefront(SPOOFER) == NOTHING  # same free-mail domain proves nothing


def test_metadata_mode_trusts_private_metadata_only(settings, as_customer):
    _mode(settings, "metadata")
    # The buyer can write their own public metadata in Saleor: it must not confirm them.
    _shop("ＡＲ金属（株）", spoofer_metadata={"ltv_company_confirmed": "true"})
    assert _storefront(SPOOFER) == NOTHING
    upsert_customers([CustomerData(source=Source.REST, customer=CustomerRef(
        user_id=MEMBER, email="alice@ar-kinzoku.co.jp", company_name=REAL, company_confirmed=True))])
    assert _sees_company(_storefront(MEMBER))
    upsert_customers([CustomerData(source=Source.REST, customer=CustomerRef(
        user_id=MEMBER, email="alice@ar-kinzoku.co.jp", company_name=REAL, company_confirmed=False))])
    assert not _sees_company(_storefront(MEMBER))


def test_metadata_flag_is_read_from_saleor_private_metadata():
    from saleor_ltv_plugin.hosts.saleor.rules import company_confirmed_from_metadata

    for value, expected in (("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False),
                            ("yes please", False)):
        assert company_confirmed_from_metadata({"ltv_company_confirmed": value}) is expected
    assert company_confirmed_from_metadata({}) is False


def test_open_mode_is_todays_unsafe_behaviour(settings, as_customer):
    _mode(settings, "open")
    _shop("ＡＲ金属（株）")
    assert _sees_company(_storefront(SPOOFER))


@pytest.mark.parametrize("value", ["bogus", "", "OPEN ", "confirmed"])
def test_bad_membership_setting_is_named(value):
    with pytest.raises(conf.SettingsError) as caught:
        conf.build_settings({"company_membership": value})
    assert "company_membership" in caught.value.errors
    with pytest.raises(conf.SettingsError) as caught:
        conf.build_settings({"channel_overrides": {"b2b": {"company_membership": value}}})
    assert "channel_overrides.b2b.company_membership" in caught.value.errors


def test_membership_setting_has_help_in_both_languages():
    assert conf.ChannelSettings().company_membership == "confirmed_only"
    text = conf.FIELD_HELP["company_membership"]
    assert "open" in text and "unsafe" in text and "安全" in text
