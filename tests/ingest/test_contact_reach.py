"""Phone, postal address, LINE id, birthday and per-medium consent: in from REST, orders and
customer events (Saleor's Address shape), through the inbox's JSON, and out again on erasure."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from django.test import Client

from saleor_ltv_plugin.hosts.saleor_plugin import mapping as saleor_mapping
from saleor_ltv_plugin.ingest import consents
from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef, PostalAddress, to_jsonable
from saleor_ltv_plugin.ingest.identity import erase_customer, upsert_customers
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.ingest.payloads import customer_from_json
from saleor_ltv_plugin.models import Contact, ContactConsent

from ..conftest import make_order as make_plain_order

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
LINE_ID = "U" + "4af4980629" * 3 + "ab"
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
OFFICE = {"postal_code": "〒５３０－０００１", "prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1",
          "line2": "梅田ビル5階", "company": "関西物産株式会社", "department": "購買部", "person": "山田 花子"}


def make_order(external_id, *, user_id, email, **reach):
    order = make_plain_order(external_id, user_id=user_id, email=email)
    return replace(order, customer=replace(order.customer, **reach))


def post_orders(token, orders):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(BASE + "orders", {"orders": orders},
                                                              content_type="application/json")


def rest_order(external_id="erp-1", **customer):
    return {"external_id": external_id, "channel": "erp", "currency": "JPY", "created_at": "2026-10-01T10:00:00+09:00",
            "total_gross": "22000", "lines": [{"sku": "TONER-9", "quantity": 2, "unit_price": "11000"}],
            "customer": {"email": "hanako@kansai.example", "company_name": "関西物産株式会社", **customer}}


def test_rest_orders_store_the_contact_data_normalised(key_for):
    response = post_orders(key_for("orders:write"), [rest_order(
        phone="０６－６１２３－４５６７", address=OFFICE, line_user_id=LINE_ID, birthday="1980-04-01")])
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(email="hanako@kansai.example")
    assert (contact.phone, contact.line_user_id, contact.birthday) == ("+81661234567", LINE_ID, date(1980, 4, 1))
    label = [contact.address_postal_code, contact.address_prefecture, contact.address_city, contact.address_line1,
             contact.address_line2, contact.address_company, contact.address_department, contact.address_person]
    assert label == ["530-0001", "大阪府", "大阪市北区", "梅田1-1-1", "梅田ビル5階", "関西物産株式会社", "購買部", "山田 花子"]
    assert contact.address_country == "JP"


@pytest.mark.parametrize("customer, field", [
    ({"phone": "06-6123-456"}, "orders.1.customer.phone"),
    ({"phone": "内線12"}, "orders.1.customer.phone"),
    ({"address": {**OFFICE, "postal_code": "530-001"}}, "orders.1.customer.address.postal_code"),
    ({"address": {**OFFICE, "country": "japan"}}, "orders.1.customer.address.country"),
    ({"address": {**OFFICE, "line1": "x" * 257}}, "orders.1.customer.address.line1"),
    ({"line_user_id": "hanako"}, "orders.1.customer.line_user_id"),
    ({"birthday": "2999-01-01"}, "orders.1.customer.birthday"),
    ({"birthday": "1980-13-01"}, "orders.1.customer.birthday"),
])
def test_a_bad_contact_field_rejects_the_batch_naming_it(key_for, customer, field):
    response = post_orders(key_for("orders:write"), [rest_order("ok-1"), rest_order("bad-1", **customer)])
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, response.json()
    assert not Contact.objects.exists()


def test_an_order_fills_gaps_and_the_users_profile_replaces_them():
    first = PostalAddress(postal_code="100-0001", prefecture="東京都", city="千代田区", line1="千代田1-1")
    upsert_order(make_order("o1", user_id="7", email="t@yamada.example", phone="+81312345678", address=first))
    later = PostalAddress(postal_code="530-0001", prefecture="大阪府", city="大阪市北区", line1="梅田1-1-1")
    upsert_order(make_order("o2", user_id="7", email="t@yamada.example", phone="+819012345678", address=later))
    contact = Contact.objects.get()
    assert (contact.phone, contact.address_postal_code) == ("+81312345678", "100-0001")  # an order only fills gaps
    upsert_customers([CustomerData(source="saleor", customer=CustomerRef(
        user_id="7", email="t@yamada.example", phone="+819012345678",
        address=PostalAddress(postal_code="530-0001", line1="梅田1-1-1")))])
    contact.refresh_from_db()
    # the profile moves the whole address: no prefecture of the old one is left with the new lines
    assert (contact.phone, contact.address_postal_code, contact.address_line1, contact.address_prefecture) == (
        "+819012345678", "530-0001", "梅田1-1-1", "")


def test_the_inbox_json_keeps_every_field():
    ref = CustomerRef(email="a@x.example", phone="+81312345678", line_user_id=LINE_ID, birthday=date(1980, 4, 1),
                      address=PostalAddress(postal_code="100-0001", line1="千代田1-1", department="総務部"))
    assert customer_from_json(to_jsonable(ref)) == ref


def saleor_address(**fields):
    """An object with the attributes of saleor.account.models.Address that the mapping reads."""
    values = dict(first_name="花子", last_name="山田", company_name="関西物産株式会社", street_address_1="梅田1-1-1",
                  street_address_2="梅田ビル5階", city="大阪市北区", city_area="", postal_code="5300001",
                  country=SimpleNamespace(code="JP"), country_area="大阪府", phone="+81661234567",
                  metadata={"department": "購買部"})
    return SimpleNamespace(**{**values, **fields})


def test_a_saleor_address_becomes_a_label(settings):
    address = saleor_mapping.postal_address(saleor_address())
    assert address == PostalAddress(postal_code="530-0001", country="JP", prefecture="大阪府", city="大阪市北区",
                                    line1="梅田1-1-1", line2="梅田ビル5階", company="関西物産株式会社",
                                    department="購買部", person="山田 花子")
    us = saleor_mapping.postal_address(saleor_address(first_name="Taro", last_name="Yamada", postal_code="94043",
                                                      country=SimpleNamespace(code="US"), metadata={}))
    assert (us.person, us.postal_code, us.department) == ("Taro Yamada", "94043", "")
    assert saleor_mapping.postal_address(None) is None


def test_saleor_user_metadata_gives_line_id_and_birthday_and_bad_values_are_dropped(settings):
    user = SimpleNamespace(pk=7, email="h@kansai.example", first_name="", last_name="",
                           metadata={"birthday": "1980-04-01", "ltv_line_user_id": "U" + "f" * 32},
                           private_metadata={"ltv_line_user_id": LINE_ID})
    ref = saleor_mapping._address_customer(saleor_address(), user, "", "ja")
    # the LINE id only from private metadata: a buyer writes their own public metadata
    assert (ref.phone, ref.line_user_id, ref.birthday) == ("+81661234567", LINE_ID, date(1980, 4, 1))
    user.metadata, user.private_metadata = {"birthday": "someday"}, {"ltv_line_user_id": "nope"}
    ref = saleor_mapping._address_customer(saleor_address(phone="12"), user, "", "ja")
    assert (ref.phone, ref.line_user_id, ref.birthday) == ("", "", None)


def test_consent_per_medium_keeps_source_and_time_and_the_latest_event_wins():
    contact = Contact.objects.create(email="a@x.example", line_user_id=LINE_ID)
    assert consents.line_follow(LINE_ID, True, T0) == 1
    assert consents.line_follow(LINE_ID, False, T0 + timedelta(hours=1)) == 1
    assert consents.line_follow(LINE_ID, True, T0 + timedelta(minutes=30)) == 0  # a late redelivery
    row = ContactConsent.objects.get(contact=contact, medium="line")
    assert (row.state, row.source, row.updated_at) == ("revoked", "line_unfollow", T0 + timedelta(hours=1))
    assert consents.line_follow(LINE_ID, True, T0 + timedelta(days=1)) == 1
    assert ContactConsent.objects.get(contact=contact, medium="line").state == "granted"
    assert consents.line_follow("U" + "0" * 32, True, T0) == 0


def test_erasure_clears_all_contact_data():
    upsert_order(make_order("o1", user_id="5", email="p@x.example", phone="+81312345678", line_user_id=LINE_ID,
                            address=PostalAddress(postal_code="100-0001", line1="千代田1-1"), birthday=date(1980, 4, 1)))
    consents.line_follow(LINE_ID, True, T0)
    assert ContactConsent.objects.count() == 1
    assert erase_customer("5", "p@x.example") == 1
    assert not Contact.objects.exists() and not ContactConsent.objects.exists()
    assert not Contact.objects.filter(phone="+81312345678").exists()
