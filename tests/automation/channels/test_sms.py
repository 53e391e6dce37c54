"""SMS end to end against the local fake Twilio API (fake_twilio.py): segments counted as carriers
count them, texts sent once through the outbox, STOP/START on the inbound webhook, signed delivery
reports, 429/5xx retried, and a row whose worker was lost after Twilio accepted found, not resent."""

import math
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.channels import sms_segments, twilio
from saleor_ltv_plugin.models import Contact, ContactConsent, DeliveryKind, Enrollment, OutboxMessage

from ..conftest import CHANNEL, enable
from .fake_twilio import FakeTwilio, twilio_signature

pytestmark = pytest.mark.django_db
PHONE = "+819012345678"
INBOUND = "/plugins/global/saleor.ltv/sms/twilio/inbound"


@pytest.fixture
def fake():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def sms_shop(fake, shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in", "twilio_account_sid": fake.account_sid,
                           "twilio_auth_token": fake.auth_token, "twilio_from": "+15005550006",
                           "twilio_api_url": fake.url}
    enable("reorder_reminder")
    return settings.LTV_PLUGIN


def inbound(fake, body, from_=PHONE, signature=None):
    url = conf.channel_settings(None).public_url + "sms/twilio/inbound"
    form, signed = fake.inbound(url, from_, body)
    return Client().post(INBOUND, form, HTTP_X_TWILIO_SIGNATURE=signature if signature is not None else signed)


def report(fake, sid, status, error_code=None, signature=None):
    url, form, signed = fake.status_callback(sid, status, error_code)
    parts = urlsplit(url)
    return Client().post(f"{parts.path}?{parts.query}", form,
                         HTTP_X_TWILIO_SIGNATURE=signature if signature is not None else signed)


def buyer(phone=PHONE, **fields) -> Contact:
    return Contact.objects.create(email=f"{phone[-4:]}@kansai.example", first_name="花子", last_name="山田",
                                  phone=phone, language_code="ja", **fields)


def due(contact: Contact, items=("トナー TN-9",)) -> OutboxMessage:
    now = timezone.now()
    enrollment = Enrollment.objects.create(
        scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"t{contact.pk}:{now.timestamp()}",
        contact=contact, anchor_at=now, context={"items": [{"sku": f"SKU-{i}", "name": n} for i, n in enumerate(items)]})
    return OutboxMessage.objects.create(
        idempotency_key=f"reorder_reminder:{CHANNEL}:{enrollment.trigger_ref}:0:sms", enrollment=enrollment,
        scenario="reorder_reminder", channel=CHANNEL, step=0, kind=DeliveryKind.SMS, contact=contact,
        due_at=now - timedelta(minutes=1))


def consented(phone=PHONE) -> Contact:
    contact = buyer(phone)
    ContactConsent.objects.create(contact=contact, medium="sms", state="granted", source="rest",
                                  updated_at=timezone.now() - timedelta(days=1))
    return contact


@pytest.mark.parametrize("text, segments", [
    ("a" * 160, 1), ("a" * 161, math.ceil(161 / 153)), ("a" * 306, 2), ("a" * 307, 3),
    ("あ" * 70, 1), ("あ" * 71, 2), ("あ" * 134, 2), ("あ" * 135, math.ceil(135 / 67)),
    ("a" * 69 + "€", 1), ("a" * 159 + "€", 2),  # € is in the extension table: 71 septets, then 161
    ("{" * 80, 1), ("{" * 81, 2),  # 2 septets each: 160, then 162
    # 152 septets, then an escape pair that would straddle the boundary opens segment 2: 1 + 2 + 1 → 3
    ("a" * 152 + "{" + "a" * 152, 3),
    ("😀" * 35, 1), ("😀" * 36, 2),  # two UTF-16 units each; a pair never splits (33 + 3)
    ("お届けは3日後です。a", 1), ("", 0),
])
def test_segments_are_counted_as_carriers_count_them(text, segments):
    assert sms_segments.count(text).count == segments


def test_japanese_text_goes_as_ucs2_and_ascii_as_gsm7():
    assert sms_segments.count("ご注文ありがとうございます").encoding == "UCS-2"
    assert sms_segments.count("Order 123 ships today @ 10:00 {A}").encoding == "GSM-7"
    assert sms_segments.count("a" * 100 + "é").units == 101 and sms_segments.count("a" * 100 + "ç").encoding == "UCS-2"


def test_our_signature_is_twilios():
    """Twilio's published example (TwilioDevEd/api-snippets, security/signature_validation): this URL,
    these parameters and the token 12345 sign to GvWf1cFY/Q7PnoempGyD5oXAezc=."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234",
              "From": "+14158675310", "To": "+18005551212"}
    expected = "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert twilio.signature("12345", url, params.items()) == expected == twilio_signature("12345", url, params)


def test_settings_refuse_a_bad_account_sid_and_sender():
    with pytest.raises(conf.SettingsError) as error:
        conf.build_settings({"twilio_account_sid": "AC123", "twilio_from": "03-1234-5678", "sms_max_segments": 0,
                             "twilio_messaging_service_sid": "XX"})
    assert set(error.value.errors) == {"twilio_account_sid", "twilio_from", "sms_max_segments",
                                       "twilio_messaging_service_sid"}
    assert conf.build_settings({"twilio_from": "YAMADA SHOP"}).base.twilio_from == "YAMADA SHOP"


def test_stop_and_start_on_the_inbound_webhook_set_sms_consent(sms_shop, fake):
    contact = buyer()
    assert inbound(fake, "START", signature="forged").status_code == 403
    assert inbound(fake, "START", signature="").status_code == 403
    assert not ContactConsent.objects.exists()
    answer = inbound(fake, " start ")
    assert answer.status_code == 200 and answer["Content-Type"] == "text/xml"
    assert ContactConsent.objects.get(contact=contact, medium="sms").state == "granted"
    inbound(fake, "配信停止します")  # a sentence, not the keyword
    assert ContactConsent.objects.get(contact=contact).state == "granted"
    inbound(fake, "ＳＴＯＰ。")  # full-width, with a full stop
    consent = ContactConsent.objects.get(contact=contact)
    assert (consent.state, consent.source) == ("revoked", "sms_stop")
    inbound(fake, "UNSTOP")
    inbound(fake, "配信停止")
    assert ContactConsent.objects.get(contact=contact).state == "revoked"
    message = due(contact)
    assert outbox.send_due() == {"skipped": 1} and not fake.messages
    message.refresh_from_db()
    assert message.skip_reason == "no_consent"


def test_a_text_reaches_twilio_once_with_its_segments_and_its_delivery_report(sms_shop, fake):
    contact = consented()
    message = due(contact)
    result = outbox.send_due()
    message.refresh_from_db()
    assert result == {"sent": 1}, message.skip_reason
    [sent] = fake.messages
    print(f"sms body ({len(sent['body'])} characters, {sent['num_segments']} segments):\n{sent['body']}")
    assert sent["to"] == PHONE and sent["from"] == "+15005550006"
    assert "山田 花子様" in sent["body"] and "・トナー TN-9" in sent["body"] and "/t/s/" in sent["body"]
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_ref == sent["sid"]
    assert message.segments == int(sent["num_segments"]) == math.ceil(len(sent["body"]) / 67)
    assert fake.callbacks[sent["sid"]].endswith(f"sms/twilio/status/{CHANNEL}?m={message.pk}")
    assert report(fake, sent["sid"], "delivered", signature="x" * 28).status_code == 403
    assert report(fake, sent["sid"], "delivered").status_code == 204
    assert report(fake, sent["sid"], "sent").status_code == 204  # late and out of order: ignored
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    assert outbox.send_due(now=timezone.now() + timedelta(days=1)) == {}
    assert fake.requests == {"create": 1}  # a first attempt posts without looking
    link = urlsplit(sent["body"].split(": ")[-1]).path
    assert Client().get(link[:-1] + ("A" if link[-1] != "A" else "B")).status_code == 400
    followed = Client().get(link)
    assert followed.status_code == 302 and followed["Location"] == sms_shop["shop_url"]
    message.refresh_from_db()
    assert message.clicked_at is not None


def test_items_are_dropped_to_fit_the_segment_limit_and_a_text_that_cannot_fit_is_skipped(sms_shop, fake, settings):
    names = [f"業務用トナーカートリッジ {n}番" for n in range(8)]
    settings.LTV_PLUGIN = {**sms_shop, "sms_max_segments": 3}
    message = due(consented(), items=names)
    assert outbox.send_due() == {"sent": 1}
    [sent] = fake.messages
    shown = [n for n in names if n in sent["body"]]
    assert 0 < len(shown) < len(names) and shown == names[:len(shown)]
    assert int(sent["num_segments"]) <= 3
    settings.LTV_PLUGIN = {**sms_shop, "sms_max_segments": 1}
    other = due(consented("+819011112222"), items=names)
    assert outbox.send_due() == {"skipped": 1}
    other.refresh_from_db()
    assert other.skip_reason == "too_long" and len(fake.messages) == 1
    message.refresh_from_db()
    assert message.segments == int(sent["num_segments"])


def test_429_waits_for_retry_after_500_is_retried_and_the_retry_looks_first(sms_shop, fake):
    message = due(consented())
    fake.fail_next(429, Retry_After="600")
    started = timezone.now()
    assert outbox.send_due() == {"retry": 1}
    message.refresh_from_db()
    assert message.status == "failed" and message.due_at >= started + timedelta(seconds=600)
    assert "Twilio 20429" in message.last_error
    fake.fail_next(500)
    assert outbox.send_due(now=started + timedelta(seconds=601)) == {"retry": 1}
    assert outbox.send_due(now=started + timedelta(hours=1)) == {"sent": 1}
    assert len(fake.messages) == 1 and fake.requests == {"create": 3, "list": 2}


def test_twilio_21610_gives_up_and_revokes_sms_consent(sms_shop, fake):
    contact = consented()
    fake.unsubscribed.add(PHONE)
    message = due(contact)
    assert outbox.send_due() == {"dead": 1}
    message.refresh_from_db()
    assert "Twilio 21610" in message.last_error
    consent = ContactConsent.objects.get(contact=contact)
    assert (consent.state, consent.source) == ("revoked", "twilio_21610")


def test_wrong_credentials_give_up_and_none_skip(sms_shop, fake, settings):
    message = due(consented())
    settings.LTV_PLUGIN = {**sms_shop, "twilio_auth_token": "revoked"}
    assert outbox.send_due() == {"dead": 1}
    message.refresh_from_db()
    assert "HTTP 401 Twilio 20003" in message.last_error and not fake.messages
    settings.LTV_PLUGIN = {**sms_shop, "twilio_account_sid": ""}
    other = due(consented("+819011112222"))
    assert outbox.send_due() == {"skipped": 1}
    other.refresh_from_db()
    assert other.skip_reason == "not_configured"
    assert report_without_token(fake, settings, sms_shop) == 404


def report_without_token(fake, settings, sms_shop) -> int:
    settings.LTV_PLUGIN = {**sms_shop, "twilio_auth_token": ""}
    return Client().post(f"/plugins/global/saleor.ltv/sms/twilio/status/{CHANNEL}?m=1", {}).status_code


def test_a_worker_lost_after_twilio_accepted_is_found_not_sent_again(sms_shop, fake):
    """The state a kill between Twilio's 201 and our record leaves: Twilio has it, the row is `committing`.
    The sweeper hands it out again once the lease runs out; the retry lists the number's messages,
    finds the one carrying this row's signed link, and marks it sent with that sid."""
    other = due(consented("+819011112222"))
    message = due(consented())
    assert outbox.send_due() == {"sent": 2}
    first_sid = OutboxMessage.objects.get(pk=message.pk).provider_ref
    OutboxMessage.objects.filter(pk=message.pk).update(status="committing", sent_at=None, provider_ref="",
                                                       lease_until=timezone.now() - timedelta(seconds=1))
    assert outbox.send_due() == {"sent": 1}
    assert len(fake.messages) == 2 and fake.requests == {"create": 2, "list": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_ref) == ("sent", 2, first_sid)
    # A row whose first attempt never reached Twilio is posted on its retry: the list has nothing of it.
    OutboxMessage.objects.filter(pk=other.pk).update(status="committing", sent_at=None, attempts=1,
                                                     lease_until=timezone.now() - timedelta(seconds=1))
    fake.messages[:] = [m for m in fake.messages if m["to"] != "+819011112222"]
    assert outbox.send_due() == {"sent": 1}
    assert [m["to"] for m in fake.messages].count("+819011112222") == 1
