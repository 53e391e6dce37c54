"""Which scenarios a saved segment drives (their `segment_id` parameter).

A segment in use decides whom a scenario mails, so it is neither deleted nor moved to another
channel behind the scenarios' back: callers refuse, naming the uses, unless asked to detach.
"""

from __future__ import annotations

from ..models import ScenarioSetting


def uses_of(segment_id: int, *, lock: bool = False) -> list[ScenarioSetting]:
    """The scenario settings (any channel, on or off) whose parameters name the segment.
    `lock` holds them until the transaction ends, so none is pointed at it meanwhile."""
    rows = ScenarioSetting.objects.filter(params__segment_id=segment_id).order_by("channel", "scenario")
    return list(rows.select_for_update() if lock else rows)


def describe(rows: list[ScenarioSetting]) -> str:
    """`churn_risk (default-channel, on), winback (default-channel, off)`, for messages."""
    return ", ".join(f"{r.scenario} ({r.channel}, {'on' if r.enabled else 'off'})" for r in rows)


def detach(rows: list[ScenarioSetting], by: str) -> None:
    """Drop the segment trigger from these scenarios; their other triggers stay as they were."""
    for row in rows:
        row.params = {k: v for k, v in row.params.items() if k != "segment_id"}
        row.updated_by = by
        row.save(update_fields=["params", "updated_by", "updated_at"])
