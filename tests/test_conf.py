import pytest

from saleor_ltv_plugin.conf import SettingsError, build_settings


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
    ],
)
def test_bad_values_name_the_field_and_the_reason(raw, field, reason):
    with pytest.raises(SettingsError) as error:
        build_settings(raw)
    assert field in error.value.errors
    assert reason in error.value.errors[field]
