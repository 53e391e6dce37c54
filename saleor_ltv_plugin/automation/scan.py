"""The trigger scan: every enabled scenario in every channel, enrolled idempotently."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from ..models import ScenarioSetting
from . import settings as scenario_settings
from .enroll import enroll
from .triggers import FINDERS, segment_entries

logger = logging.getLogger(__name__)


def scan(now: datetime | None = None, channel: str | None = None) -> dict[str, int]:
    """Returns new enrollments per `channel/scenario`."""
    now = now or timezone.now()
    enabled = ScenarioSetting.objects.filter(enabled=True)
    if channel:
        enabled = enabled.filter(channel=channel)
    counts: dict[str, int] = {}
    for slug in sorted(set(enabled.values_list("channel", flat=True))):
        for key, config in scenario_settings.load(slug).items():
            if not config.enabled:
                continue
            candidates = list(FINDERS[key](config, now))
            if config.params.get("segment_id"):
                candidates.extend(segment_entries(config, now))
            counts[f"{slug}/{key}"] = enroll(config, candidates, now)
    logger.info("ltv scenario scan: %s", counts)
    return counts
