"""The trigger scan, now the flow entry: the ready scenarios' settings published as their
template flows, then every live flow entered (automation/flows/entry.py)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from .flows import interim, scenarios
from .flows.entry import enter

logger = logging.getLogger(__name__)


def scan(now: datetime | None = None, channel: str | None = None) -> dict[str, int]:
    """Returns new enrollments per `channel/flow key`."""
    now = now or timezone.now()
    scenarios.sync(channel)
    counts = enter(now=now, channel=channel)
    if interim.runtime_missing():
        interim.lay_out(now, channel)
    return counts
