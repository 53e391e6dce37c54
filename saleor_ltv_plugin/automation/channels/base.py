"""The interface every delivery channel implements, and what it declares about itself.

The outbox knows nothing about any medium: it reads these declarations (through the send
policy) and calls `send`. A new medium is one module with one subclass, registered by its
kind (`registry.register`, or the `saleor_ltv_plugin.channels` entry-point group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar

from . import Outcome

if TYPE_CHECKING:
    from ...models import OutboxMessage
    from ..settings import ScenarioConfig

# What a channel cannot send without, read from the row's contact (send_policy checks them).
EMAIL, PHONE, LINE_ID, POSTAL_ADDRESS = "email", "phone", "line_id", "postal_address"
CONTACT_NEEDS = (EMAIL, PHONE, LINE_ID, POSTAL_ADDRESS)


@dataclass(frozen=True)
class SendLimits:
    """Which of the shop's send limits apply to a channel's messages."""

    weekly_cap: bool = True  # counts toward, and is held back by, the per-contact weekly cap
    quiet_hours: bool = True  # waits out the shop's quiet hours
    per_second: float | None = None  # the provider's rate limit, when it has one (None: none known)


@dataclass(frozen=True)
class TestAnswer:
    """What the provider said to a connection test: accepted, or its error code and its own message."""

    ok: bool
    code: str  # the provider's status or error code ("200", "21211", "535"), or "unreachable"
    message: str  # the provider's words (or our reason when nothing reached it)


TEST_TEXT = "LTV: テストメッセージです。/ This is a test message."

BUYER_LIMITS = SendLimits()
STAFF_LIMITS = SendLimits(weekly_cap=False, quiet_hours=False)


class Connections:
    """Connections shared by the channels of one send run (the SMTP one serves buyer and staff mail)."""

    def __init__(self):
        self._open: dict[str, object] = {}

    def get(self, name: str, factory: Callable[[], object]):
        if name not in self._open:
            self._open[name] = factory()
        return self._open[name]

    def close(self, polite: bool = True) -> None:
        for connection in self._open.values():
            connection.close(polite)
        self._open.clear()


class DeliveryChannel:
    """One medium. Subclasses set the class attributes and implement `send`.

    `kind` is the value `OutboxMessage.kind` stores (at most 16 characters). `needs` lists
    the contact data without which a message is skipped (empty: it goes to staff). `consent_key`
    names the consent a buyer must have given for this medium (None: none asked, as for staff).
    `two_phase`: the channel can take a message back until it calls `commit` (SMTP's final
    dot); False: `commit` comes after the receiver accepted, and marks the row sent.
    `marks_later`: the receiver folds a resend of the same row (LINE's retry key), so a one-phase
    `commit` only notes the row and the batch's rows are marked sent together at its end — a
    worker lost before that resends them, and the receiver does not deliver them twice.
    `rechecks_stop_conditions`: False for staff notices, which are about the moment they were
    raised, not about whether the buyer ordered since. `consent_until_revoked`: the medium needs
    no opt-in whatever the shop's consent mode (a letter to a customer's address); a buyer's
    refusal still stops it.
    """

    kind: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    consent_key: ClassVar[str | None] = None
    limits: ClassVar[SendLimits] = BUYER_LIMITS
    two_phase: ClassVar[bool] = False
    marks_later: ClassVar[bool] = False
    rechecks_stop_conditions: ClassVar[bool] = True
    consent_until_revoked: ClassVar[bool] = False

    # What the channel cannot send without among the shop's settings (conf.ChannelSettings names).
    required_settings: ClassVar[tuple[str, ...]] = ()
    optional_settings: ClassVar[tuple[str, ...]] = ()  # read when set (a test server's URL, a signing secret)
    # Whom a connection test goes to (EMAIL: the staff user's own address; LINE_ID, PHONE: one they give);
    # None: the channel has no provider to test (an alert in the inbox, a print job).
    test_recipient: ClassVar[str | None] = None

    @classmethod
    def pace(cls, shop) -> tuple[str, float] | None:
        """(key, sends a second) this channel's sends for `shop` are paced to across workers
        (automation/pacing.py), or None: not paced."""
        return None

    @classmethod
    def missing_settings(cls, shop) -> list[str]:
        """The required settings still empty for `shop` (a conf.ChannelSettings)."""
        return [name for name in cls.required_settings if not str(getattr(shop, name, "") or "").strip()]

    @classmethod
    def send_test(cls, shop, to: str) -> "TestAnswer":
        """Send one short test message to `to` through this channel's provider code, now, not via the outbox."""
        raise NotImplementedError

    def __init__(self, connections: Connections):
        self.connections = connections

    def send(self, message: "OutboxMessage", config: "ScenarioConfig", commit: Callable[[], bool]) -> Outcome:
        raise NotImplementedError
