"""The delivery channels' settings page: what each registered channel needs and has, and its connection test.

Reads the channel classes' own declarations (automation/channels/base.py), so a channel added
through the entry point shows up here too. Settings are reported as set or unset only (conf.SECRET_SETTINGS are credentials).
A connection test goes through the channel's provider code now (not through the outbox) to the
staff user's own address or to a LINE id / phone number they give, at most TESTS_PER_WINDOW per
staff user and window (throttle.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import conf, throttle
from .automation.channels import registry
from .automation.channels.base import EMAIL, LINE_ID, PHONE, DeliveryChannel, TestAnswer
from .contact_data import ContactDataError, normalise_phone

TESTS_PER_WINDOW, WINDOW_SECONDS = 5, 600
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")  # the Messaging API's user id form


class TestRefused(ValueError):
    """A test not sent: `field` names the input, `code` says why (the message is English for clients)."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


@dataclass(frozen=True)
class ChannelStatus:
    kind: str
    channel: type[DeliveryChannel]
    missing: list[str]  # required settings still empty
    is_set: dict[str, bool]  # each setting it reads (required ones first) → set? (never the value)

    @property
    def configured(self) -> bool:
        return not self.missing


def overview(sales_channel: str) -> list[ChannelStatus]:
    shop = conf.channel_settings(sales_channel)
    out = []
    for kind in registry.kinds():
        channel = registry.get(kind)
        names = channel.required_settings + channel.optional_settings
        is_set = {name: bool(str(getattr(shop, name, "") or "").strip()) for name in names}
        out.append(ChannelStatus(kind, channel, channel.missing_settings(shop), is_set))
    return out


def recipient(channel: type[DeliveryChannel], to: str, own_email: str | None) -> str:
    """Where the test goes, checked: the caller's own address for e-mail, else the LINE id / number given."""
    if channel.test_recipient == EMAIL:
        if not own_email:
            raise TestRefused("to", "required", "this credential has no e-mail address to send to (use a staff token)")
        return own_email
    to = (to or "").strip()
    if channel.test_recipient == LINE_ID:
        if not LINE_USER_ID.match(to):
            raise TestRefused("to", "invalid", "a LINE user id is U followed by 32 hexadecimal digits")
        return to
    if channel.test_recipient == PHONE:
        try:
            number = normalise_phone(to)
        except ContactDataError as exc:
            raise TestRefused("to", "invalid", f"not a phone number: {exc}") from None
        if not number:
            raise TestRefused("to", "required", "give the phone number to send the test to")
        return number
    raise TestRefused("kind", "invalid", f"the {channel.kind} channel has no connection test")


def send_test(sales_channel: str, kind: str, to: str, who) -> tuple[str, TestAnswer]:
    """(where it went, what the provider answered); raises TestRefused before anything is sent."""
    try:
        channel = registry.get(kind)
    except registry.UnknownChannel as exc:
        raise TestRefused("kind", "invalid", str(exc)) from None
    shop = conf.channel_settings(sales_channel)
    address = recipient(channel, to, who.email)
    missing = channel.missing_settings(shop)
    if missing:
        raise TestRefused("kind", "not_configured", f"set these settings first: {', '.join(missing)}")
    if throttle.over_limit("channel_test", str(who.user_id or who.email or "anonymous"), TESTS_PER_WINDOW,
                           WINDOW_SECONDS):
        raise TestRefused("kind", "rate_limited", f"at most {TESTS_PER_WINDOW} tests per {WINDOW_SECONDS // 60} minutes")
    return address, channel.send_test(shop, address)
