"""Settings stored in the shop's database (shop_settings.py): the App host's provider and its one writer."""

import dataclasses
import json

import pytest
from django.db import connection

from saleor_ltv_plugin import conf, hosts, shop_settings
from saleor_ltv_plugin.models import SettingsChange, SettingsDocument

pytestmark = pytest.mark.django_db


def test_every_setting_is_in_exactly_one_group_and_has_both_languages():
    grouped = [name for _, names in shop_settings.GROUPS for name in names]
    assert sorted(grouped) == sorted(conf.SETTING_NAMES) and len(grouped) == len(set(grouped))
    for name in conf.SETTING_NAMES:
        ja, en = conf.SETTING_TEXT[name]["label"]
        assert ja and en and ja != en


def test_the_stored_document_feeds_conf_typed_as_conf_reads_it(stored_host):
    changed = shop_settings.update({"new_customer_days": "90", "merge_same_day_orders": "false",
                                    "channel_overrides": {"jp": {"timezone": "Asia/Tokyo", "holdout_percent": "20"}}},
                                   by="admin@shop.example")
    assert changed == ["merge_same_day_orders", "new_customer_days", "channel_overrides.jp.holdout_percent",
                       "channel_overrides.jp.timezone"]
    stored = SettingsDocument.objects.get().values
    assert stored["new_customer_days"] == 90 and stored["merge_same_day_orders"] is False
    assert stored["channel_overrides"] == {"jp": {"timezone": "Asia/Tokyo", "holdout_percent": 20}}
    shop = conf.get_settings()
    assert shop.base.new_customer_days == 90 and shop.base.merge_same_day_orders is False
    assert shop.for_channel("jp").holdout_percent == 20 and shop.for_channel("jp").new_customer_days == 90
    assert shop.for_channel("other").timezone == "UTC"  # the standalone LTV_PLUGIN's Asia/Tokyo is not read
    change = SettingsChange.objects.get()
    assert change.changed_by == "admin@shop.example" and change.names == changed


def test_invalid_values_are_all_named_and_nothing_is_written(stored_host):
    shop_settings.update({"sender_name": "LTV商店"}, by="a")
    before = SettingsDocument.objects.get().values
    with pytest.raises(conf.SettingsError) as refused:
        shop_settings.update({"sender_name": "Other", "sender_email": "not-an-address", "holdout_percent": 80,
                              "api_key": "ltv_mine", "channel_overrides": {"jp": {"timezone": "Mars/Base"}}},
                             by="a")
    assert set(refused.value.errors) == {"sender_email", "holdout_percent", "api_key", "channel_overrides.jp.timezone"}
    assert refused.value.errors["api_key"] == "unknown setting"
    assert SettingsDocument.objects.get().values == before and SettingsChange.objects.count() == 1
    with pytest.raises(conf.SettingsError) as bad_json:
        shop_settings.update({"channel_overrides": "{not json"}, by="a")
    assert list(bad_json.value.errors) == ["channel_overrides"]
    assert shop_settings.reason_ja(refused.value.errors["holdout_percent"]) == "50 以下を指定してください"


def test_a_failing_write_leaves_the_document_as_it_was(stored_host, monkeypatch):
    shop_settings.update({"sender_name": "Before"}, by="a")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SettingsChange.objects, "create", broken)
    with pytest.raises(RuntimeError):
        shop_settings.update({"sender_name": "After"}, by="a")
    assert SettingsDocument.objects.get().values == {"sender_name": "Before"}
    assert conf.get_settings().base.sender_name == "Before"


def test_secrets_are_write_only_blank_keeps_them_null_clears_them(stored_host):
    shop_settings.update({"twilio_auth_token": "tw-secret-1", "staff_webhook_secret": "hook-secret-2",
                          "channel_overrides": {"jp": {"line_channel_access_token": "line-secret-3"}}}, by="a")
    reading = shop_settings.read()
    shown = json.dumps([dataclasses.asdict(r) for r in reading.rows] + [reading.overrides], default=str)
    for secret in ("tw-secret-1", "hook-secret-2", "line-secret-3"):
        assert secret not in shown
        assert secret not in json.dumps(list(SettingsChange.objects.values("names", "changed_by")))
    rows = {r.name: r for r in reading.rows}
    assert rows["twilio_auth_token"].is_set and rows["twilio_auth_token"].value is None
    assert not rows["line_channel_secret"].is_set
    assert reading.override_secrets_set == ["channel_overrides.jp.line_channel_access_token"]
    # What was read, sent back as it is ("" for every secret), changes nothing.
    assert shop_settings.update({"twilio_auth_token": "", "channel_overrides": reading.overrides}, by="a") == []
    assert conf.get_settings().for_channel("jp").line_channel_access_token == "line-secret-3"
    assert shop_settings.update({"twilio_auth_token": None, "channel_overrides": {"jp": {}}}, by="a") == [
        "twilio_auth_token", "channel_overrides.jp.line_channel_access_token"]
    assert conf.get_settings().base.twilio_auth_token == ""
    assert conf.get_settings().base.staff_webhook_secret == "hook-secret-2"


def test_the_cache_is_per_shop_and_forgotten_on_write(stored_host, monkeypatch):
    assert shop_settings.stored_settings() == {}
    SettingsDocument.objects.create(values={"sender_name": "behind the cache's back"})
    assert shop_settings.stored_settings() == {}  # cached: a read is not a query per call
    shop_settings.update({"sender_name": "Saved"}, by="a")
    assert shop_settings.stored_settings() == {"sender_name": "Saved"}  # at once, not after CACHE_SECONDS
    SettingsDocument.objects.update(values={"sender_name": "Another process"})
    monkeypatch.setattr(shop_settings.tenancy, "current", lambda: "ltv_shop_b")  # another shop: its own entry
    assert shop_settings.stored_settings() == {"sender_name": "Another process"}
    assert ((connection.settings_dict["NAME"], "ltv_shop_b") in shop_settings._cache)


def test_the_cache_expires(stored_host, monkeypatch):
    assert shop_settings.stored_settings() == {}
    SettingsDocument.objects.create(values={"sender_name": "Later"})
    monkeypatch.setattr(shop_settings, "CACHE_SECONDS", 0.0)
    assert shop_settings.stored_settings() == {"sender_name": "Later"}


def test_hosts_whose_settings_live_elsewhere_refuse_and_say_where():
    assert hosts.current().name == "standalone" and not shop_settings.is_stored()
    with pytest.raises(shop_settings.SettingsElsewhere) as refused:
        shop_settings.update({"sender_name": "X"}, by="a")
    assert "LTV_PLUGIN" in str(refused.value) and "LTV_PLUGIN" in refused.value.message_ja
    assert not SettingsDocument.objects.exists() and not SettingsChange.objects.exists()
    reading = shop_settings.read()
    assert not reading.editable and reading.home == hosts.current().settings_home
    # It still shows the values in force: the standalone LTV_PLUGIN's.
    assert {r.name: r.value for r in reading.rows}["timezone"] == "Asia/Tokyo"


@pytest.fixture
def sealing_host(stored_host, settings):
    """The stored-settings host with the App host's box (Fernet keys from LTV_APP_ENCRYPTION_KEYS)."""
    from cryptography.fernet import Fernet

    from saleor_ltv_plugin.hosts.saleor_app import secrets_box

    settings.LTV_APP_ENCRYPTION_KEYS = Fernet.generate_key().decode()
    hosts.install(dataclasses.replace(hosts.current(), seal_secret=secrets_box.seal, open_secret=secrets_box.open_))
    return settings


def test_secrets_are_sealed_at_rest_and_read_in_the_clear(sealing_host):
    shop_settings.update({"twilio_auth_token": "tw-secret-1", "sender_name": "LTV商店",
                          "channel_overrides": {"jp": {"line_channel_secret": "line-secret-3"}}}, by="a")
    stored = SettingsDocument.objects.get().values
    raw = json.dumps(stored)
    assert "tw-secret-1" not in raw and "line-secret-3" not in raw and "LTV商店" in json.loads(raw)["sender_name"]
    assert stored["twilio_auth_token"].startswith("sealed:")
    assert stored["channel_overrides"]["jp"]["line_channel_secret"].startswith("sealed:")
    shop = conf.get_settings()
    assert shop.base.twilio_auth_token == "tw-secret-1" and shop.for_channel("jp").line_channel_secret == "line-secret-3"
    # Sent back as read ("" keeps a secret): nothing changes, the sealed values stay as they were.
    assert shop_settings.update({"twilio_auth_token": "", "channel_overrides": shop_settings.read().overrides}, by="a") == []
    assert SettingsDocument.objects.get().values == stored


def test_a_secret_stored_plain_reads_and_is_sealed_at_the_next_save(sealing_host):
    SettingsDocument.objects.create(values={"staff_webhook_secret": "written-before-sealing"})
    assert conf.get_settings().base.staff_webhook_secret == "written-before-sealing"
    assert shop_settings.update({}, by="a") == []  # no name changed, yet the document is rewritten sealed
    stored = SettingsDocument.objects.get().values["staff_webhook_secret"]
    assert stored.startswith("sealed:") and "written-before-sealing" not in stored
    assert conf.get_settings().base.staff_webhook_secret == "written-before-sealing"


def test_a_secret_no_key_opens_reads_as_unset_and_the_rest_still_reads(sealing_host, caplog):
    from cryptography.fernet import Fernet

    shop_settings.update({"twilio_auth_token": "tw-secret-1", "sender_name": "LTV商店"}, by="a")
    sealing_host.LTV_APP_ENCRYPTION_KEYS = Fernet.generate_key().decode()  # the old key is gone
    shop_settings.forget_cached()
    shop = conf.get_settings()
    assert shop.base.twilio_auth_token == "" and shop.base.sender_name == "LTV商店"
    assert "does not open" in caplog.text and "tw-secret-1" not in caplog.text
    assert not {r.name: r for r in shop_settings.read().rows}["twilio_auth_token"].is_set
