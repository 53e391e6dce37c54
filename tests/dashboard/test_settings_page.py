"""The Settings page on the demo server. Standalone reads Django's LTV_PLUGIN, so the page shows the
values in force read-only and says where they are edited; saving is the App host's, tested in the main
tier (tests/test_shop_settings.py, tests/graphql/test_shop_settings_graphql.py) and by Vitest
(dashboard_extension/src/pages/Settings.test.tsx) until an App host can serve this harness."""

from __future__ import annotations

import json

from saleor_ltv_plugin import shop_settings
from saleor_ltv_plugin.hosts.standalone.host import SETTINGS_HOME

QUERY = "query { ltvShopSettings { editable settings { name value } } }"


def test_the_page_shows_the_values_in_force_read_only_and_where_they_are_edited(harness):
    page = harness.server.api(QUERY)["ltvShopSettings"]
    in_force = {s["name"]: s["value"] for s in page["settings"]}
    # MANAGE_PLUGINS alone reads no channel: the page is the shop's, not a channel's, and opens all the same.
    harness.open("settings", locale="ja", token=harness.server.token(["MANAGE_PLUGINS"]))
    app = harness.app
    note = app.get_by_test_id("settings-elsewhere")
    note.wait_for()
    assert not page["editable"] and SETTINGS_HOME["ja"] in note.inner_text()
    groups = [g.get_attribute("data-group") for g in app.locator("fieldset[data-group]").all()]
    assert groups == [name for name, _ in shop_settings.GROUPS]  # every section, in the server's order
    assert app.locator('fieldset[data-group="sender"] legend').inner_text() == "送信者"
    sender = app.locator('[data-setting="sender_name"] input')
    assert sender.input_value() == json.loads(in_force["sender_name"]) and sender.is_disabled()
    assert app.locator('[data-setting="twilio_auth_token"] input').input_value() == ""  # never a secret's value
    assert app.get_by_test_id("settings-save").count() == 0
