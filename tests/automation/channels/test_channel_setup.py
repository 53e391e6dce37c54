"""The channel settings page's API: each registered channel's configured/missing state (secrets as set or
unset only) and the connection test through the real channel code against the local LINE and Twilio fakes
and an SMTP sink, answering what the provider said; MANAGE_PLUGINS only, throttled per staff user."""

import json

import pytest
from django.core.cache import cache

from saleor_ltv_plugin import channel_setup
from saleor_ltv_plugin.automation.channels import registry
from saleor_ltv_plugin.hosts.standalone import tokens

from ...graphql.conftest import GraphQLClient
from .. import smtp_sink
from .fake_line import FakeLine
from .fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
LINE_ID = "U" + "0123456789abcdef" * 2
QUERY = """query($c: String!, $l: String) { ltvDeliveryChannels(channel: $c) { kind configured missingSettings
  settings { name label(language: $l) secret isSet required } needs consentKey consentUntilRevoked twoPhase
  limits { weeklyCap quietHours perSecond } testRecipient } }"""
TEST = """mutation($c: String!, $k: String!, $to: String, $l: String) {
  ltvDeliveryChannelTest(channel: $c, kind: $k, to: $to) { sentTo
    answer { ok code providerMessage summary(language: $l) } errors { field code message } } }"""
ADMIN = ["MANAGE_PLUGINS"]


@pytest.fixture(scope="module")
def fakes():
    line, twilio = FakeLine().start(), FakeTwilio().start()
    yield line, twilio
    line.stop()
    twilio.stop()


@pytest.fixture
def configured(fakes, shop_settings, settings):
    line, twilio = fakes
    cache.clear()  # the per-user test counters
    settings.LTV_PLUGIN = {**shop_settings, "line_channel_access_token": line.token, "line_channel_secret": "s3cret",
                           "line_api_url": line.url, "twilio_account_sid": twilio.account_sid,
                           "twilio_auth_token": twilio.auth_token, "twilio_from": "+15005550006",
                           "twilio_api_url": twilio.url}
    return settings.LTV_PLUGIN


def admin(email="admin@shop.example"):
    return tokens.mint(email, ADMIN)


def test_every_registered_channel_is_listed_with_what_it_misses_and_never_a_secret(shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "line_channel_access_token": "tok-VALUE-never-shown"}
    gql = GraphQLClient()
    body = gql(QUERY, {"c": CHANNEL, "l": "ja"}, token=admin())
    assert "errors" not in body, body
    rows = {row["kind"]: row for row in body["data"]["ltvDeliveryChannels"]}
    assert sorted(rows) == registry.kinds()
    assert "tok-VALUE-never-shown" not in json.dumps(body)
    line = rows["line"]
    assert line["configured"] is False and line["missingSettings"] == ["line_channel_secret"]
    token = next(s for s in line["settings"] if s["name"] == "line_channel_access_token")
    assert token == {"name": "line_channel_access_token", "label": "LINE チャネルアクセストークン", "secret": True,
                     "isSet": True, "required": True}
    assert line["consentKey"] == "line" and line["needs"] == ["line_id"] and line["testRecipient"] == "line_id"
    assert line["limits"] == {"weeklyCap": True, "quietHours": True, "perSecond": 2000.0}
    sms = rows["sms"]
    assert sms["missingSettings"] == ["twilio_account_sid", "twilio_auth_token", "twilio_from"]
    assert sms["twoPhase"] is True and sms["consentKey"] == "sms"
    assert rows["email"]["configured"] is True and rows["email"]["testRecipient"] == "email"
    assert rows["postal_dm"]["consentUntilRevoked"] is True and rows["postal_dm"]["testRecipient"] is None
    assert rows["staff_alert"]["limits"] == {"weeklyCap": False, "quietHours": False, "perSecond": None}
    # the page's permission: MANAGE_PLUGINS, as the settings it describes
    denied = gql(QUERY, {"c": CHANNEL}, token=tokens.mint("staff@shop.example", ["MANAGE_USERS", "MANAGE_ORDERS"]))
    assert denied["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]


def test_a_line_test_reaches_the_fake_and_its_error_comes_back_in_lines_words(configured, fakes, settings):
    line, _ = fakes
    gql = GraphQLClient()
    before = len(line.delivered)
    body = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID, "l": "ja"}, token=admin())
    payload = body["data"]["ltvDeliveryChannelTest"]
    assert payload["errors"] == [] and payload["sentTo"] == LINE_ID
    assert payload["answer"]["ok"] is True and payload["answer"]["code"] == "200"
    assert payload["answer"]["summary"].startswith("送信先が受け付けました (200): request ")
    assert [d["to"] for d in line.delivered[before:]] == [LINE_ID]
    assert line.delivered[-1]["messages"][0]["type"] == "text"

    settings.LTV_PLUGIN = {**configured, "line_channel_access_token": "revoked-token"}
    payload = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID}, token=admin())["data"]["ltvDeliveryChannelTest"]
    assert payload["answer"]["ok"] is False and payload["answer"]["code"] == "401"
    assert "invalid token" in payload["answer"]["providerMessage"]
    assert len(line.delivered) == before + 1

    bad = gql(TEST, {"c": CHANNEL, "k": "line", "to": "hanako"}, token=admin())["data"]["ltvDeliveryChannelTest"]
    assert bad["answer"] is None and bad["errors"][0]["field"] == "to" and bad["errors"][0]["code"] == "INVALID"


def test_an_sms_test_reaches_the_fake_twilio_and_twilios_error_code_is_answered(configured, fakes):
    _, twilio = fakes
    gql = GraphQLClient()
    body = gql(TEST, {"c": CHANNEL, "k": "sms", "to": "090-1234-5678", "l": "en"}, token=admin())
    payload = body["data"]["ltvDeliveryChannelTest"]
    assert payload["errors"] == [] and payload["sentTo"] == "+819012345678"
    assert payload["answer"]["ok"] is True and payload["answer"]["providerMessage"].startswith("SM")
    assert twilio.messages[-1]["to"] == "+819012345678"
    twilio.unsubscribed.add("+819011112222")
    refused = gql(TEST, {"c": CHANNEL, "k": "sms", "to": "09011112222"}, token=admin())["data"]["ltvDeliveryChannelTest"]
    assert refused["answer"]["ok"] is False and refused["answer"]["code"] == "21610"
    assert "unsubscribed" in refused["answer"]["providerMessage"]


def test_an_email_test_goes_to_the_callers_own_address_through_the_buyer_mail_sender(configured, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    controller, sink = smtp_sink.start()
    try:
        settings.EMAIL_PORT = controller.port
        payload = GraphQLClient()(TEST, {"c": CHANNEL, "k": "email", "to": "someone@else.example"},
                                  token=admin())["data"]["ltvDeliveryChannelTest"]
        assert payload["errors"] == [] and payload["sentTo"] == "admin@shop.example"
        assert payload["answer"]["ok"] is True and payload["answer"]["code"] == "250"
        assert len(sink.to("admin@shop.example")) == 1 and not sink.to("someone@else.example")
    finally:
        controller.stop()
    settings.EMAIL_PORT = smtp_sink.free_port()
    payload = GraphQLClient()(TEST, {"c": CHANNEL, "k": "email"}, token=admin())["data"]["ltvDeliveryChannelTest"]
    assert payload["answer"]["ok"] is False and payload["answer"]["code"] == "unreachable"


def test_tests_need_manage_plugins_a_configured_channel_and_are_throttled_per_user(configured, fakes, settings):
    gql = GraphQLClient()
    staff = tokens.mint("staff@shop.example", ["MANAGE_USERS", "MANAGE_ORDERS"])
    denied = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID}, token=staff)
    assert denied["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
    for _ in range(channel_setup.TESTS_PER_WINDOW):
        ok = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID}, token=admin("a@shop.example"))
        assert ok["data"]["ltvDeliveryChannelTest"]["answer"]["ok"] is True
    over = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID}, token=admin("a@shop.example"))
    assert over["data"]["ltvDeliveryChannelTest"]["errors"][0]["code"] == "RATE_LIMITED"
    other = gql(TEST, {"c": CHANNEL, "k": "line", "to": LINE_ID}, token=admin("b@shop.example"))
    assert other["data"]["ltvDeliveryChannelTest"]["answer"]["ok"] is True
    settings.LTV_PLUGIN = {**configured, "twilio_auth_token": ""}
    missing = gql(TEST, {"c": CHANNEL, "k": "sms", "to": "09012345678"}, token=admin("b@shop.example"))
    assert missing["data"]["ltvDeliveryChannelTest"]["errors"][0]["code"] == "NOT_CONFIGURED"
    no_test = gql(TEST, {"c": CHANNEL, "k": "staff_alert"}, token=admin("b@shop.example"))
    assert no_test["data"]["ltvDeliveryChannelTest"]["errors"][0]["field"] == "kind"
