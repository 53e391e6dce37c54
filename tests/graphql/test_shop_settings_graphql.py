"""ltvShopSettings and ltvShopSettingsUpdate: the Dashboard's Settings page (shop_settings.py)."""

import dataclasses
import json

import pytest

from saleor_ltv_plugin import auth, conf, hosts, shop_settings
from saleor_ltv_plugin.hosts.saleor_plugin import config as plugin_config
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.models import SettingsChange, SettingsDocument

pytestmark = pytest.mark.django_db

QUERY = """query($l: String) { ltvShopSettings { editable editedIn(language: $l) canEdit host updatedBy
  settings { name group kind value default isSet choices label(language: $l) help(language: $l) }
  channelOverrides overrideSecretsSet changes { changedBy names } } }"""
UPDATE = """mutation($input: JSONString!) { ltvShopSettingsUpdate(input: $input) { changed
  errors { field message messageJa code } shopSettings { updatedBy settings { name value isSet } } } }"""
ADMIN, STAFF = ["MANAGE_PLUGINS", "MANAGE_USERS"], ["MANAGE_USERS", "MANAGE_ORDERS"]


def update(gql, changes, permissions=ADMIN):
    body = gql(UPDATE, {"input": json.dumps(changes)}, token=tokens.mint("admin@shop.example", permissions))
    return body.get("errors") or body["data"]["ltvShopSettingsUpdate"]


def test_each_setting_comes_with_its_kind_default_and_both_languages(gql, stored_host):
    for language, pair in (("ja", 0), ("en", 1)):
        body = gql(QUERY, {"l": language}, token=tokens.mint("staff@shop.example", STAFF))
        settings = {s["name"]: s for s in body["data"]["ltvShopSettings"]["settings"]}
        assert list(settings) == list(conf.SETTING_NAMES)
        assert settings["sender_name"]["label"] == conf.SETTING_TEXT["sender_name"]["label"][pair]
        assert settings["timezone"]["help"] == conf.SETTING_TEXT["timezone"]["help"][pair]
    kinds = {name: s["kind"] for name, s in settings.items()}
    assert (kinds["merge_same_day_orders"], kinds["holdout_percent"], kinds["consent_mode"], kinds["sender_name"],
            kinds["twilio_auth_token"], kinds["channel_overrides"]) == (
        "BOOLEAN", "INTEGER", "CHOICE", "STRING", "SECRET", "JSON")
    assert settings["consent_mode"]["choices"] == ["opt_in", "opt_out"]
    assert settings["holdout_percent"]["value"] == settings["holdout_percent"]["default"] == "10"  # JSON text
    assert settings["sender_name"]["group"] == "sender" and settings["twilio_from"]["group"] == "sms"
    page = body["data"]["ltvShopSettings"]
    assert page["editable"] and page["editedIn"] is None and page["host"] == "saleor_app"
    assert page["canEdit"] is False  # MANAGE_USERS and MANAGE_ORDERS read; only MANAGE_PLUGINS writes
    plugins_only = gql(QUERY, token=tokens.mint("admin@shop.example", ["MANAGE_PLUGINS"]))["data"]["ltvShopSettings"]
    assert plugins_only["canEdit"] is True  # who may edit them may read them
    denied = gql(QUERY, token=auth.new_api_key("importer", [auth.Scope.INGEST.value])[0])
    assert denied["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_a_save_is_read_back_with_who_and_which_names_but_never_a_secret(gql, stored_host):
    payload = update(gql, {"sender_name": "LTV商店", "holdout_percent": 20, "twilio_auth_token": "tw-token-9",
                           "channel_overrides": {"jp": {"line_channel_secret": "line-secret-8", "timezone": "Asia/Tokyo"}}})
    assert payload["errors"] == [] and payload["changed"] == [
        "holdout_percent", "sender_name", "twilio_auth_token",
        "channel_overrides.jp.line_channel_secret", "channel_overrides.jp.timezone"]
    assert {s["name"]: s["value"] for s in payload["shopSettings"]["settings"]}["holdout_percent"] == "20"
    response = gql.post(QUERY, {"l": "ja"}, token=tokens.mint("admin@shop.example", ADMIN))
    text = response.content.decode()
    assert "tw-token-9" not in text and "line-secret-8" not in text
    page = response.json()["data"]["ltvShopSettings"]
    settings = {s["name"]: s for s in page["settings"]}
    assert settings["twilio_auth_token"]["isSet"] and settings["twilio_auth_token"]["value"] is None
    assert page["overrideSecretsSet"] == ["channel_overrides.jp.line_channel_secret"]
    assert page["canEdit"] and page["updatedBy"] == "admin@shop.example"
    assert page["changes"] == [{"changedBy": "admin@shop.example", "names": payload["changed"]}]


def test_errors_name_each_field_in_both_languages_and_nothing_is_saved(gql, stored_host):
    payload = update(gql, {"sender_email": "two@x.example,three@x.example", "quiet_hours_start": 25,
                           "consent_mode": "always", "channel_overrides": {"jp": {"holdout_percent": "many"}}})
    errors = {e["field"]: e for e in payload["errors"]}
    assert set(errors) == {"sender_email", "quiet_hours_start", "consent_mode", "channel_overrides.jp.holdout_percent"}
    assert {e["code"] for e in errors.values()} == {"INVALID"}
    assert errors["quiet_hours_start"]["messageJa"] == "0〜23 の時を指定してください"
    assert errors["consent_mode"]["messageJa"] == "次のいずれかを指定してください：opt_in, opt_out"
    assert payload["shopSettings"] is None
    assert not SettingsDocument.objects.exists() and not SettingsChange.objects.exists()


def test_without_manage_plugins_nothing_is_written_nor_granted(gql, stored_host):
    denied = update(gql, {"sender_name": "Mine"}, permissions=STAFF)
    assert denied[0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert denied[0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]
    reader = auth.new_api_key("reader", [auth.Scope.READ.value])[0]
    body = gql(UPDATE, {"input": '{"sender_name": "Mine"}'}, token=reader)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not SettingsDocument.objects.exists()
    # Settings hold no credentials of the API: the standalone master key is not a setting.
    granted = update(gql, {"api_key": "ltv_let-me-in"})
    assert [(e["field"], e["message"]) for e in granted["errors"]] == [("api_key", "unknown setting")]
    assert gql.post(QUERY, token="ltv_let-me-in").status_code == 401


@pytest.mark.parametrize("where", ["standalone", "saleor_plugin"])
def test_hosts_whose_settings_live_elsewhere_refuse_naming_where(gql, where):
    previous = hosts.current()
    home = plugin_config.SETTINGS_HOME if where == "saleor_plugin" else previous.settings_home
    if where == "saleor_plugin":  # its provider stands in for Saleor's saved PluginConfiguration
        hosts.install(dataclasses.replace(previous, name="saleor_plugin", settings_home=home,
                                          settings_provider=lambda: {"sender_name": "Plugins page"}))
    try:
        page = gql(QUERY, {"l": "ja"}, token=tokens.mint("admin@shop.example", ADMIN))["data"]["ltvShopSettings"]
        payload = update(gql, {"sender_name": "Here"})
    finally:
        hosts.install(previous)
    assert not page["editable"] and not page["canEdit"] and page["host"] == where
    assert page["editedIn"] == home["ja"]
    shown = {s["name"]: s["value"] for s in page["settings"]}["sender_name"]
    assert json.loads(shown) == ("Plugins page" if where == "saleor_plugin" else "LTVテスト商店")  # in force there
    [error] = payload["errors"]
    assert error["code"] == "SETTINGS_ELSEWHERE" and error["field"] is None
    assert where in error["message"] and home["en"] in error["message"] and error["messageJa"].endswith(home["ja"])
    assert not SettingsDocument.objects.exists()


def test_an_inline_jsonstring_that_is_not_json_is_a_400_not_a_500(gql, stored_host):
    """Found by the fuzzer: graphene 2 parses an inline JSONString literal while validating."""
    answer = gql.post('mutation { ltvShopSettingsUpdate(input: "not json") { changed } }',
                      token=tokens.mint("admin@shop.example", ADMIN))
    assert answer.status_code == 400 and "not valid JSON" in answer.json()["errors"][0]["message"]
    assert not SettingsDocument.objects.exists()
