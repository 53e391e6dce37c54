"""Which scenarios and flows a saved segment drives.

A segment in use decides whom a scenario or flow reaches, so it is neither deleted nor moved to
another channel behind their back: callers refuse, naming the uses. A ready scenario can be
detached (its `segment_id` parameter dropped and its flow republished); a shop's own flow cannot
be edited from here — its author changes or archives it first.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import conf
from ..models import Flow, FlowState, ScenarioSetting
from .flows.definition import segment_ids_in


@dataclass(frozen=True)
class SegmentUse:
    kind: str  # "scenario" (a ready scenario's settings) or "flow" (a shop's own flow)
    channel: str
    key: str  # the scenario's key, or the flow's
    enabled: bool  # the scenario is on, the flow live
    name: str
    row: ScenarioSetting | None = None

    @property
    def detachable(self) -> bool:
        return self.row is not None


def uses_of(segment_id: int, *, lock: bool = False) -> list[SegmentUse]:
    """Scenario settings (any channel, on or off) whose parameters name the segment, then the
    flows (not archived) whose draft or live version names it. `lock` holds them until the
    transaction ends, so none is pointed at it meanwhile."""
    rows = ScenarioSetting.objects.filter(params__segment_id=segment_id).order_by("channel", "scenario")
    scenarios = list(rows.select_for_update() if lock else rows)
    uses = [SegmentUse("scenario", r.channel, r.scenario, r.enabled, r.scenario, row=r) for r in scenarios]
    mirrored = {(r.channel, r.scenario) for r in scenarios}  # their template flows follow the row
    flows = Flow.objects.exclude(state=FlowState.ARCHIVED).select_related("live_version").order_by("channel", "key")
    for flow in flows.select_for_update(of=("self",)) if lock else flows:
        live = flow.live_version.definition if flow.live_version_id else None
        if (flow.channel, flow.key) in mirrored or segment_id not in segment_ids_in(flow.draft) | segment_ids_in(live):
            continue
        uses.append(SegmentUse("flow", flow.channel, flow.key, flow.state == FlowState.LIVE, flow.name))
    return uses


def describe(uses: list[SegmentUse]) -> str:
    """`scenario churn_risk (default-channel, on), flow "誕生日" (default-channel, live)`, for messages."""
    return ", ".join(f"scenario {u.key} ({u.channel}, {'on' if u.enabled else 'off'})" if u.kind == "scenario"
                     else f"flow {u.name!r} ({u.channel}, {'live' if u.enabled else 'not live'})" for u in uses)


def detach(uses: list[SegmentUse], by: str) -> None:
    """Drop the segment trigger from the scenarios among `uses` and republish their flows; their
    other triggers stay as they were. Flows are left to their authors (callers refuse them)."""
    from .flows.scenarios import publish_setting

    for use in uses:
        if not use.detachable:
            continue
        row = use.row
        row.params = {k: v for k, v in row.params.items() if k != "segment_id"}
        row.updated_by = by
        row.save(update_fields=["params", "updated_by", "updated_at"])
        publish_setting(row, conf.channel_settings(row.channel).default_language, by=by)
