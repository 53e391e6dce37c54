"""The Settings page on the demo server. Standalone keeps the shop's settings in its database over
Django's LTV_PLUGIN (LTV_SETTINGS_IN_DATABASE, on by default): the page edits them with
MANAGE_PLUGINS (settings:write), seals the secrets it saves, and is read-only without it."""

from __future__ import annotations

import json

from saleor_ltv_plugin import shop_settings

QUERY = "query { ltvShopSettings { editable settings { name value isSet } } }"
RESTORE = 'mutation { ltvShopSettingsUpdate(input: "{\\"sender_name\\": null, \\"twilio_auth_token\\": null}") { errors { field } } }'


def test_the_page_saves_the_settings_and_seals_the_secrets(harness):
    before = {s["name"]: s for s in harness.server.api(QUERY)["ltvShopSettings"]["settings"]}
    # MANAGE_PLUGINS alone reads no channel: the page is the shop's, not a channel's, and opens all the same.
    harness.open("settings", locale="ja", token=harness.server.token(["MANAGE_PLUGINS"]))
    app = harness.app
    groups_seen = app.locator("fieldset[data-group]")
    groups_seen.first.wait_for()
    groups = [g.get_attribute("data-group") for g in groups_seen.all()]
    assert groups == [name for name, _ in shop_settings.GROUPS]  # every section, in the server's order
    assert app.locator('fieldset[data-group="sender"] legend').inner_text() == "送信者"
    assert app.get_by_test_id("settings-elsewhere").count() == 0
    sender = app.locator('[data-setting="sender_name"] input')
    assert sender.input_value() == json.loads(before["sender_name"]["value"]) and sender.is_enabled()
    secret = app.locator('[data-setting="twilio_auth_token"] input')
    assert secret.input_value() == ""  # never a secret's value
    try:
        sender.fill("ブラウザ商事")
        secret.fill("tw-browser-secret-42")
        app.get_by_test_id("settings-save").click()
        app.get_by_test_id("settings-updated").wait_for()
        after = {s["name"]: s for s in harness.server.api(QUERY)["ltvShopSettings"]["settings"]}
        assert json.loads(after["sender_name"]["value"]) == "ブラウザ商事" and after["twilio_auth_token"]["isSet"]
        [(stored,)] = harness.server.sql("SELECT values::text FROM saleor_ltv_plugin_settingsdocument")
        assert "sealed:" in stored and "tw-browser-secret-42" not in stored
    finally:
        assert not harness.server.api(RESTORE)["ltvShopSettingsUpdate"]["errors"]


def test_without_manage_plugins_the_page_is_read_only(harness):
    harness.open("settings", locale="en", token=harness.server.token(["MANAGE_USERS"]))
    app = harness.app
    app.get_by_test_id("missing-permission").wait_for()
    assert app.locator('[data-setting="sender_name"] input').is_disabled()
    assert app.get_by_test_id("settings-save").count() == 0
    # the lifecycle days here are the shop's defaults; the note says a channel's own win, and leads there
    note = app.get_by_test_id("settings-thresholds-note")
    assert "Thresholds page win over these" in note.inner_text()
    app.get_by_test_id("settings-open-thresholds").click()
    app.get_by_test_id("page-thresholds").wait_for()
