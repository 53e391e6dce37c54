from datetime import datetime, timezone

import pytest

from saleor_ltv_plugin.models import ScenarioSetting

from . import smtp_sink

CHANNEL = "default-channel"


@pytest.fixture
def sink(settings):
    controller, sink = smtp_sink.start()
    settings.EMAIL_PORT = controller.port
    # pytest-django swaps in the in-memory backend; these tests want the real wire.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    yield sink
    controller.stop()


@pytest.fixture
def shop_settings(settings):
    """The shop's sending identity; quiet hours off unless a test sets them."""
    settings.LTV_PLUGIN = {
        "account_key": "company", "timezone": "Asia/Tokyo", "sender_name": "山田商店",
        "sender_email": "info@yamada-shop.example", "sender_postal_address": "東京都千代田区1-1",
        "public_url": "https://api.yamada-shop.example/plugins/global/saleor.ltv/",
        "checkout_url_template": "https://yamada-shop.example/cart/{token}", "shop_url": "https://yamada-shop.example/",
        "consent_mode": "opt_out", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
        "staff_alert_emails": "sales@yamada-shop.example",
    }
    return settings.LTV_PLUGIN


def enable(scenario: str, channel: str = CHANNEL, **params) -> ScenarioSetting:
    row, _ = ScenarioSetting.objects.update_or_create(
        channel=channel, scenario=scenario, defaults={"enabled": True, "params": params})
    return row


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)
