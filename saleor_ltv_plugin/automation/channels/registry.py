"""Delivery channels by kind: the built-in ones, and any a package adds through an entry point.

A third party adds a channel without forking: in its own package's metadata,

    [project.entry-points."saleor_ltv_plugin.channels"]
    fax = "my_package.fax:FaxChannel"

The entry point's name is informational; the class's `kind` is what outbox rows store.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from .base import DeliveryChannel

logger = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "saleor_ltv_plugin.channels"
MAX_KIND_LENGTH = 16  # OutboxMessage.kind's column

_channels: dict[str, type[DeliveryChannel]] = {}
_loaded = False


class UnknownChannel(LookupError):
    pass


def register(channel: type[DeliveryChannel]) -> type[DeliveryChannel]:
    """Add a channel class (usable as a decorator); a second class for a taken kind is an error."""
    kind = getattr(channel, "kind", "")
    if not (isinstance(channel, type) and issubclass(channel, DeliveryChannel)):
        raise TypeError(f"{channel!r} is not a DeliveryChannel subclass")
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise ValueError(f"{channel.__name__}.kind must be 1–{MAX_KIND_LENGTH} characters, got {kind!r}")
    known = _channels.get(kind)
    if known is not None and known is not channel:
        raise ValueError(f"delivery kind {kind!r} is taken by {known.__module__}.{known.__qualname__}")
    _channels[str(kind)] = channel
    return channel


def unregister(kind: str) -> None:
    _channels.pop(kind, None)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from .buyer_email import BuyerEmail
    from .line import LinePush
    from .postal_dm import PostalDM
    from .sms import SmsMessage
    from .staff_alert import CallTask, StaffAlert
    from .staff_email import StaffEmail
    from .staff_webhook import StaffWebhook

    for channel in (BuyerEmail, LinePush, SmsMessage, PostalDM, StaffEmail, StaffWebhook, StaffAlert, CallTask):
        register(channel)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register(point.load())
        except Exception:  # one broken add-on must not stop the built-in channels
            logger.exception("ltv channels: cannot load entry point %s = %s", point.name, point.value)


def reload() -> None:
    """Read the entry points again (after installing a package, and in tests)."""
    global _loaded
    _loaded = False
    _load()


def get(kind: str) -> type[DeliveryChannel]:
    _load()
    try:
        return _channels[kind]
    except KeyError:
        raise UnknownChannel(f"no delivery channel for kind {kind!r}; known: {', '.join(sorted(_channels))}") from None


def kinds() -> list[str]:
    _load()
    return sorted(_channels)


def buyer_kinds() -> list[str]:
    """The media that reach a buyer (they need contact data): their sends are touches reports attribute."""
    return [kind for kind in kinds() if _channels[kind].needs]
