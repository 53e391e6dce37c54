"""Issue 15 #5: a malformed address or a header-bound value with a line break is refused where it
comes in (naming the field), and one bad message stored before that stays that message's problem
in the sender: the good mail queued behind it still goes out."""

import csv
import io
import json
from datetime import timedelta
from email.utils import getaddresses
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import outbox, render
from saleor_ltv_plugin.models import Contact, Enrollment, OrderFact, OutboxMessage, ScenarioSetting

from ..automation.conftest import CHANNEL, enable, shop_settings, sink  # noqa: F401 — fixtures
from ..graphql.conftest import GraphQLClient

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"

BAD_ADDRESSES = [
    "no-at-sign.example",
    "two@@yamada.example",
    "ta ro@yamada.example",
    "taro@yamada.example\r\nBcc: victim@evil.example",
    "taro@yamada.example\nX-Injected: 1",
    "taro@yamada.example\u2028Bcc: victim@evil.example",
    '"Evil Corp" <taro@yamada.example>',
    "Taro <taro@yamada.example>",
    "taro@yamada.example, victim@evil.example",
    "taro@yamada.example;victim@evil.example",
    '"a\\"b"@yamada.example',
    "x" * 64 + "@" + "d" * 186 + ".example",  # 259 characters
    "x" * 65 + "@yamada.example",  # local part over 64
    "山田@yamada.example",  # non-ASCII local part: needs SMTPUTF8, which the sender does not speak
    "taro@",
    "@yamada.example",
    "taro@localhost\x00",
]
GOOD_ADDRESSES = ["taro@yamada.example", "Taro.Yamada+ltv@sub.yamada.example", "info@例え.jp"]


def rest_order(external_id, email):
    return {"external_id": external_id, "channel": "erp", "currency": "JPY", "created_at": "2026-10-01T10:00:00+09:00",
            "total_gross": "1000", "customer": {"email": email, "company_name": "関西物産株式会社"},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "1000"}]}


@pytest.mark.parametrize("email", BAD_ADDRESSES)
def test_rest_ingest_refuses_a_malformed_address_naming_the_field(key_for, email):
    token = key_for("orders:write")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        BASE + "orders", {"orders": [rest_order("ok-1", "ok@yamada.example"), rest_order("bad-1", email)]},
        content_type="application/json")
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["orders.1.customer.email"], errors
    assert not OrderFact.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize("email", GOOD_ADDRESSES + [""])
def test_rest_ingest_takes_ordinary_addresses_and_none(key_for, email):
    token = key_for("orders:write")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        BASE + "orders", {"orders": [rest_order("ok-1", email)]}, content_type="application/json")
    assert response.status_code == 200, response.content


def test_csv_ingest_reports_each_malformed_address_by_line_and_keeps_the_good_orders(key_for):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", "created_at", "channel", "currency", "total_gross", "email", "company_name"])
    writer.writerow(["good-1", "2026-09-01T09:00:00+09:00", "erp", "JPY", "3000", "a@x.example", "甲社"])
    starts = []  # the physical line each bad row starts on (a quoted line break spans two)
    for i, email in enumerate(BAD_ADDRESSES):
        if "\x00" not in email:  # csv cannot carry NUL
            starts.append(out.getvalue().count("\n") + 1)
            writer.writerow([f"bad-{i}", "2026-09-01T09:00:00+09:00", "erp", "JPY", "1", email, "乙社"])
    upload = SimpleUploadedFile("orders.csv", out.getvalue().encode(), content_type="text/csv")
    token = key_for("orders:write")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(BASE + "orders/csv", {"file": upload})
    body = response.json()
    assert response.status_code == 200 and body["orders"] == 1, body
    assert {e["field"] for e in body["errors"]} == {"email"}
    assert sorted(e["row"] for e in body["errors"]) == starts
    assert list(OrderFact.objects.values_list("external_id", flat=True)) == ["good-1"]


HEADER_INJECTIONS = ["山田商店\r\nBcc: victim@evil.example", "山田商店\nX-Injected: 1", "山田\r商店", "a\u2029b",
                     "tab\x0bvertical"]


@pytest.mark.parametrize("value", HEADER_INJECTIONS)
@pytest.mark.parametrize("name", ["sender_name", "public_url", "shop_url", "checkout_url_template"])
def test_header_bound_settings_refuse_line_breaks(name, value):
    if name != "sender_name":
        value = "https://yamada-shop.example/" + value
    with pytest.raises(conf.SettingsError) as caught:
        conf.build_settings({name: value})
    assert set(caught.value.errors) == {name} and "改行" in caught.value.errors[name]
    with pytest.raises(conf.SettingsError) as caught:
        conf.build_settings({"channel_overrides": {"jp": {name: value}}})
    assert set(caught.value.errors) == {f"channel_overrides.jp.{name}"}


@pytest.mark.parametrize("name, value", [("sender_email", a) for a in BAD_ADDRESSES if a.strip() == a] + [
    # a comma-separated list is what staff_alert_emails holds: one bad address in it is named
    ("staff_alert_emails", f"sales@yamada.example,{a}") for a in BAD_ADDRESSES if a.strip() == a and "," not in a])
def test_address_settings_refuse_malformed_addresses(name, value):
    with pytest.raises(conf.SettingsError) as caught:
        conf.build_settings({name: value})
    assert set(caught.value.errors) == {name}, caught.value.errors


def test_a_sender_name_with_quotes_and_brackets_stays_one_display_name():
    # Not a line break, so allowed; but it must not become a second address in From.
    shop = conf.build_settings({"sender_name": 'Evil" <victim@evil.example>, "x',
                                "sender_email": "info@yamada.example"})
    from_header = render.sender(SimpleNamespace(shop=shop.base))
    assert [address for _, address in getaddresses([from_header])] == ["info@yamada.example"]


UPDATE = """mutation($s: ID!, $input: LtvScenarioInput!) { ltvScenarioUpdate(channel: "default-channel", scenario: $s,
  input: $input) { errors { field message code } } }"""


@pytest.mark.parametrize("subject", HEADER_INJECTIONS + ["件名\r\n\r\n<html>本文を差し替え"])
def test_scenario_copy_refuses_a_subject_with_a_line_break_and_saves_nothing(key_for, subject):
    copy = {"ja": {"subject": subject}}
    result = GraphQLClient()(UPDATE, {"s": "reorder_reminder", "input": {"enabled": True, "params": json.dumps(
        {"copy": copy})}}, key_for("settings:write"))["data"]["ltvScenarioUpdate"]
    (error,) = result["errors"]
    assert error["field"] == "input.params.copy" and "subject" in error["message"] and "改行" in error["message"]
    assert not ScenarioSetting.objects.exists()


def test_intro_may_span_lines(key_for):
    result = GraphQLClient()(UPDATE, {"s": "reorder_reminder", "input": {"params": json.dumps(
        {"copy": {"ja": {"intro": "{name}様\nいつもありがとうございます。"}}})}},
        key_for("settings:write"))["data"]["ltvScenarioUpdate"]
    assert result["errors"] == []


# --- the sender: rows stored before validation existed (or by a source that skipped it) -----

def _due(email: str, scenario: str = "reorder_reminder") -> OutboxMessage:
    now = timezone.now()
    contact = Contact.objects.create(email=email, marketing_consent="granted")
    enrollment = Enrollment.objects.create(scenario=scenario, channel=CHANNEL, trigger_ref=f"t{contact.pk}",
                                           contact=contact, anchor_at=now,
                                           context={"items": [{"sku": "SKU-TONER", "name": "トナー"}]})
    return OutboxMessage.objects.create(
        idempotency_key=f"{scenario}:{CHANNEL}:t{contact.pk}:0:{contact.pk}", enrollment=enrollment,
        scenario=scenario, channel=CHANNEL, step=0, kind="email", contact=contact, due_at=now - timedelta(minutes=1))


@pytest.mark.django_db(transaction=True)
def test_one_malformed_address_does_not_stop_the_outbox(sink, shop_settings):  # noqa: F811
    enable("reorder_reminder")
    good_before = [_due(f"before{i}@yamada.example") for i in range(3)]
    bad = [_due(email) for email in BAD_ADDRESSES if "\x00" not in email and len(email) <= 254]  # what the column holds
    good_after = [_due(f"after{i}@yamada.example") for i in range(3)]
    result = outbox.send_due()
    assert result.get("sent") == 6, result
    delivered = sorted(rcpt for _, rcpts in sink.envelopes for rcpt in rcpts)
    assert delivered == sorted(m.contact.email for m in good_before + good_after)
    for message in bad:
        message.refresh_from_db()
        assert message.status == "skipped" and message.skip_reason == "invalid_address", (message.contact.email,
                                                                                          message.status)
    assert not OutboxMessage.objects.filter(status__in=["pending", "sending", "committing", "failed", "dead"]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_subject_with_a_line_break_saved_before_validation_fails_only_its_own_mail(sink, shop_settings):  # noqa: F811
    enable("reorder_reminder")
    ScenarioSetting.objects.update_or_create(channel=CHANNEL, scenario="winback", defaults={
        "enabled": True, "params": {"copy": {"ja": {"subject": "お久しぶりです\r\nBcc: victim@evil.example"}}}})
    broken = _due("broken@yamada.example", scenario="winback")
    good = [_due(f"buyer{i}@yamada.example") for i in range(4)]
    result = outbox.send_due()
    assert result.get("sent") == 4 and result.get("dead") == 1, result
    assert sorted(r for _, rcpts in sink.envelopes for r in rcpts) == sorted(m.contact.email for m in good)
    assert not any("victim@evil.example" in r for _, rcpts in sink.envelopes for r in rcpts)
    broken.refresh_from_db()
    assert broken.status == "dead" and "cannot build the message" in broken.last_error, broken.last_error
    assert outbox.send_due(now=timezone.now() + timedelta(days=1)) == {}  # not retried: it can never be built
