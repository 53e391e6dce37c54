"""A fake LINE Messaging API per test module, and the shop's LINE settings pointing at it."""

import pytest

from .fake_line import FakeLine

LINE_SECRET = "line-channel-secret"


@pytest.fixture(scope="module")
def line_fake():
    server = FakeLine().start()
    yield server
    server.stop()


@pytest.fixture
def line_settings(line_fake, shop_settings, settings):
    """The shop's settings with a LINE account at the fake (opt-in consent, as a Japanese shop runs)."""
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in", "line_channel_access_token": line_fake.token,
                           "line_channel_secret": LINE_SECRET, "line_api_url": line_fake.url}
    return settings.LTV_PLUGIN
