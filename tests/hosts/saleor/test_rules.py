"""Marketing consent from the Saleor user's metadata (Saleor itself has no consent field)."""

import pytest

from saleor_ltv_plugin.hosts.saleor.rules import consent_from_metadata


@pytest.mark.parametrize("metadata, expected", [
    ({"marketing_consent": "true"}, True), ({"marketing_consent": "Granted"}, True),
    ({"marketing_consent": "false"}, False), ({"marketing_consent": " revoked "}, False),
    ({"marketing_consent": "maybe"}, None), ({}, None), ({"newsletter": "true"}, None),
])
def test_consent_is_read_from_the_configured_metadata_key(metadata, expected):
    assert consent_from_metadata(metadata) is expected


def test_the_key_is_a_setting(settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "consent_metadata_key": "newsletter"}
    assert consent_from_metadata({"newsletter": "yes", "marketing_consent": "no"}) is True
