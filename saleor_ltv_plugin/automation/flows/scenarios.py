"""The nine ready scenarios as flows: a ScenarioSetting row is the form of its template flow.

A scenario's switch and parameters (ltvScenarioUpdate, the settings pages, the demo) publish
a version of the flow `key` made from `templates.template(key, params)`; on → live, off →
paused (or draft, never published). A flow edited in the flow editor after the row's last
change is left alone: whichever was changed last wins.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ... import conf
from ...models import Flow, FlowState, FlowVersion, ScenarioSetting
from ..catalog import SCENARIOS
from .templates import template

PUBLISHED_BY = "scenario settings"


def publish_setting(row, language: str, *, by: str = "", now: datetime | None = None,
                    flows=Flow, versions=FlowVersion):
    """The row's flow, created or updated, a new version published when its document changed.
    `flows`/`versions` let the data migration pass its historical models."""
    now = now or timezone.now()
    definition = template(row.scenario, row.params)
    scenario = SCENARIOS[row.scenario]
    flow = flows.objects.filter(channel=row.channel, key=row.scenario).first()
    if flow is None:
        flow = flows.objects.create(
            channel=row.channel, key=row.scenario, kind="flow", template_key=row.scenario,
            name=scenario.title.get(language) or scenario.title["en"],
            description=scenario.description.get(language) or scenario.description["en"],
            draft=definition, created_by=by or PUBLISHED_BY, created_at=now)
    live = versions.objects.filter(pk=flow.live_version_id).first() if flow.live_version_id else None
    if row.enabled and (live is None or live.definition != definition):
        number = (versions.objects.filter(flow=flow).aggregate(n=Max("number"))["n"] or 0) + 1
        live = versions.objects.create(flow=flow, number=number, definition=definition, published_at=now,
                                       published_by=by or PUBLISHED_BY)
        flow.live_version = live
    flow.draft = definition
    flow.state = FlowState.LIVE if row.enabled else (FlowState.PAUSED if live else FlowState.DRAFT)
    flow.updated_by = by or PUBLISHED_BY
    flow.save()
    return flow


def sync(channel: str | None = None) -> int:
    """Publish the scenario rows changed since their flow was (rows written directly: the demo,
    imports of settings, tests). Returns how many flows changed."""
    rows = ScenarioSetting.objects.filter(scenario__in=list(SCENARIOS))
    if channel:
        rows = rows.filter(channel=channel)
    flows = {(f.channel, f.key): f.updated_at for f in Flow.objects.filter(key__in=list(SCENARIOS))}
    changed = 0
    for row in rows:
        seen = flows.get((row.channel, row.scenario))
        if seen is not None and row.updated_at <= seen:
            continue
        with transaction.atomic():  # two scans at once: the second waits, then finds it done
            row = ScenarioSetting.objects.select_for_update().get(pk=row.pk)
            flow = Flow.objects.filter(channel=row.channel, key=row.scenario).first()
            if flow is None or row.updated_at > flow.updated_at:
                publish_setting(row, conf.channel_settings(row.channel).default_language, by=row.updated_by)
                changed += 1
    return changed
