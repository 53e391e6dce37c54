import re

import pytest

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.conf import SettingsError, build_settings

from .dashboard.test_pages import ALLOWED_WORDS, english_left


def test_defaults_follow_the_seed_thresholds():
    settings = build_settings({}).base
    assert (settings.new_customer_days, settings.dormant_after_days, settings.lost_after_days) == (120, 121, 361)
    assert settings.loyal_min_repeats == 5
    assert settings.account_key == "company"


def test_channel_overrides_apply_only_to_their_channel():
    shop = build_settings(
        {"account_key": "company", "channel_overrides": '{"b2c": {"account_key": "user", "timezone": "Asia/Tokyo"}}'}
    )
    assert shop.for_channel("b2c").account_key == "user"
    assert shop.for_channel("b2c").timezone == "Asia/Tokyo"
    assert shop.for_channel("default-channel").account_key == "company"


def test_values_from_the_dashboard_are_strings_and_are_coerced():
    shop = build_settings({"new_customer_days": "90", "merge_same_day_orders": "false"})
    assert shop.base.new_customer_days == 90 and shop.base.merge_same_day_orders is False


@pytest.mark.parametrize(
    "raw, field, reason",
    [
        ({"account_key": "shop"}, "account_key", "must be one of"),
        ({"new_customer_days": "soon"}, "new_customer_days", "whole number"),
        ({"lost_after_days": "-1"}, "lost_after_days", "negative"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"channel_overrides": "{not json"}, "channel_overrides", "not valid JSON"),
        ({"channel_overrides": '["b2c"]'}, "channel_overrides", "must be an object"),
        ({"channel_overrides": '{"b2c": {"colour": "red"}}'}, "channel_overrides.b2c.colour", "unknown setting"),
        ({"product_url_template": "shop.example/{slug}"}, "product_url_template", "http(s) URL"),
        ({"product_url_template": "https://shop.example/{handle}"}, "product_url_template", "unknown placeholder {handle}"),
    ],
)
def test_bad_values_name_the_field_and_the_reason(raw, field, reason):
    with pytest.raises(SettingsError) as error:
        build_settings(raw)
    assert field in error.value.errors
    assert reason in error.value.errors[field]


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Names a Japanese help text keeps as they are: products, standards, the values to type.
KEPT = ALLOWED_WORDS | {"JSON", "Slack", "Teams", "Incoming", "Django", "IANA", "Asia", "Tokyo", "HMAC", "true", "false",
                        "LINE", "Messaging", "Developers", "API", "Signature", "Twilio", "SID", "Service",
                        "Basic", "Auth", "Token", "Webhook", "SMTP", "DKIM", "STARTTLS", "AUTH",
                        "granted", "revoked"} | {v for values in conf.CHOICES.values() for v in values}


def _without_code(text: str) -> str:
    """Drop what is typed, not read: URLs, `commands`, {placeholders} and JSON, identifiers, key=value."""
    text = re.sub(r"https?://\S+|`[^`]*`|\{.*\}|\b\w+[_.=-]\w[\w.=-]*", " ", text)
    return text


def test_every_plugin_setting_has_label_and_help_in_japanese_and_english():
    """Saleor's plugin page shows one label and one help text per setting to everyone: "日本語 / English"."""
    assert set(conf.SETTING_TEXT) == set(conf.SETTING_NAMES)
    problems = []
    for name in conf.SETTING_NAMES:
        for part in ("label", "help"):
            ja, en = conf.SETTING_TEXT[name][part]
            if not JAPANESE.search(ja) or english_left([_without_code(ja)], KEPT):
                problems.append(f"{name}.{part} ja: {ja!r} {english_left([_without_code(ja)], KEPT)}")
            if not en.strip() or JAPANESE.search(en):
                problems.append(f"{name}.{part} en: {en!r}")
        assert conf.FIELD_LABEL[name] == " / ".join(conf.SETTING_TEXT[name]["label"])
        assert conf.FIELD_HELP[name] == " / ".join(conf.SETTING_TEXT[name]["help"])
        assert "\n" not in conf.FIELD_HELP[name]  # the Dashboard's helper text does not keep line breaks
    assert problems == []


def test_the_plugin_page_takes_its_texts_from_conf():
    """plugin.py imports Saleor (its Saleor tier runs it); here: it builds CONFIG_STRUCTURE from conf alone."""
    from pathlib import Path

    source = (Path(conf.__file__).parent / "hosts" / "saleor_plugin" / "plugin.py").read_text()
    assert "CONFIG_STRUCTURE = {name: _field(name) for name in conf.SETTING_NAMES}" in source
    assert '"label": conf.FIELD_LABEL[name], "help_text": conf.FIELD_HELP[name]' in source
