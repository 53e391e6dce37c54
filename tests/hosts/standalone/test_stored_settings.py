"""Standalone settings edited in the Dashboard (LTV_SETTINGS_IN_DATABASE): the stored document over
Django's LTV_PLUGIN, secrets sealed with keys derived from SECRET_KEY, saved over REST or GraphQL."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from saleor_ltv_plugin import conf, hosts, shop_settings
from saleor_ltv_plugin.auth import new_api_key
from saleor_ltv_plugin.hosts.standalone import host as standalone_host
from saleor_ltv_plugin.models import SettingsDocument

pytestmark = pytest.mark.django_db
API = "/plugins/global/saleor.ltv/api/v1/settings"


@pytest.fixture
def standalone_stored(settings):
    previous = hosts.current()
    settings.LTV_SETTINGS_IN_DATABASE = True
    hosts.install(standalone_host.build(settings))
    shop_settings.forget_cached()
    yield settings
    hosts.install(previous)
    shop_settings.forget_cached()


def _patch(key: str, body) -> dict:
    response = Client().patch(API, data=json.dumps(body), content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {key}")
    return response.status_code, response.json()


def test_saved_settings_win_over_ltv_plugin_and_secrets_are_sealed(standalone_stored):
    raw, _ = new_api_key("ops", ["settings:write"])
    assert conf.get_settings().base.timezone == "Asia/Tokyo"  # LTV_PLUGIN's, before any save
    status, body = _patch(raw, {"sender_name": "山田商店", "twilio_auth_token": "tw-secret-123456"})
    assert status == 200 and body["changed"] == ["sender_name", "twilio_auth_token"] and body["editable"]
    assert body["values"]["sender_name"] == "山田商店" and body["values"]["twilio_auth_token"] is None
    assert "twilio_auth_token" in body["secrets_set"]
    stored = SettingsDocument.objects.get().values
    assert stored["twilio_auth_token"].startswith("sealed:") and "tw-secret" not in json.dumps(stored)
    shop = conf.get_settings().base
    assert shop.sender_name == "山田商店" and shop.twilio_auth_token == "tw-secret-123456"
    assert shop.timezone == "Asia/Tokyo" and shop.sender_email == "shop@ltv.example"  # LTV_PLUGIN beneath
    # null restores what LTV_PLUGIN says (the deployment's value), not an empty field.
    assert _patch(raw, {"sender_name": None})[0] == 200
    assert conf.get_settings().base.sender_name == standalone_stored.LTV_PLUGIN["sender_name"]


def test_bad_values_are_named_in_both_languages_and_nothing_is_written(standalone_stored):
    raw, _ = new_api_key("ops", ["settings:write"])
    status, body = _patch(raw, {"holdout_percent": 80, "sender_email": "nope"})
    assert status == 422
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"holdout_percent", "sender_email"}
    assert fields["holdout_percent"]["message_ja"] == "50 以下を指定してください"
    assert not SettingsDocument.objects.exists() or SettingsDocument.objects.get().values == {}
    assert _patch(raw, [1, 2])[0] == 422  # not an object: named, never a 500


def test_a_rotated_secret_key_still_opens_what_the_old_one_sealed(standalone_stored):
    shop_settings.update({"staff_webhook_secret": "hook-secret-7"}, by="a")
    old = standalone_stored.SECRET_KEY
    standalone_stored.SECRET_KEY = "n" * 8 + "-a-new-key-with-enough-random-characters"
    shop_settings.forget_cached()
    assert conf.get_settings().base.staff_webhook_secret == ""  # no key opens it: unset, not a crash
    standalone_stored.SECRET_KEY_FALLBACKS = [old]
    shop_settings.forget_cached()
    assert conf.get_settings().base.staff_webhook_secret == "hook-secret-7"


def test_with_the_database_off_the_page_says_where_they_are_edited():
    raw, _ = new_api_key("ops", ["settings:write"])
    status, body = _patch(raw, {"sender_name": "x"})  # the suite's standalone host reads LTV_PLUGIN alone
    assert status == 409 and "LTV_SETTINGS_IN_DATABASE" in body["detail"]
