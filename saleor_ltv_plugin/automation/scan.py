"""The trigger scan, now the flow entry: the ready scenarios' settings published as their
template flows, then every live flow entered (automation/flows/entry.py). The flow runtime
(flows/runtime.py, its own beat task) moves the entered enrollments step by step."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from .flows import scenarios
from .flows.entry import enter
from .flows.runtime import tick

logger = logging.getLogger(__name__)


def scan(now: datetime | None = None, channel: str | None = None) -> dict[str, int]:
    """Returns new enrollments per `channel/flow key`."""
    now = now or timezone.now()
    scenarios.sync(channel)
    counts = enter(now=now, channel=channel)
    tick(now=now)  # what entered runs its first steps now, not a beat later
    return counts
