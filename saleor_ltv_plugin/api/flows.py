"""Flows and their reports, read-only (metrics:read): the same figures as GraphQL's ltvFlowReport.

Changing flows is GraphQL's (ltvFlowCreate, ltvFlowPublish …), where the editor works.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, Optional

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ..auth import Scope
from ..automation.flows import report as flow_report
from ..automation.flows import service
from ..models import Flow, FlowKind, FlowState
from .errors import NotFound
from .schemas import ErrorOut, Input, Text
from .security import need

router = Router(tags=["flows"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_LISTED = 500


class FlowVersionOut(Schema):
    number: int
    definition: dict[str, Any]
    published_at: dt.datetime
    published_by: str


class FlowProblemOut(Schema):
    field: str
    message: str
    code: str
    step: Optional[str]


class FlowOut(Schema):
    id: int
    key: str
    channel: str
    kind: str
    name: str
    description: str
    template_key: Optional[str]
    state: str
    draft: Any
    has_unpublished_changes: bool
    live_version: Optional[FlowVersionOut]
    problems: list[FlowProblemOut]
    entered: int
    active: int
    updated_at: dt.datetime


class FlowDetailOut(FlowOut):
    versions: list[FlowVersionOut]


class FlowListQuery(Input):
    channel: Text
    kind: Optional[Literal[tuple(FlowKind.values)]] = None  # type: ignore[valid-type]
    state: Optional[Literal[tuple(FlowState.values)]] = None  # type: ignore[valid-type]


class ReportQuery(Input):
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None


class StepFiguresOut(Schema):
    step_id: str
    kind: str
    name: str
    passed: int
    sent: int
    opened: int
    clicked: int
    branches: dict[str, int]


class VariantFiguresOut(Schema):
    step_id: str
    key: str
    recipients: int
    delivered: int
    opened: int
    clicked: int
    orders: int
    converted: int
    revenue: Decimal
    revenue_per_recipient: Optional[Decimal]
    probability_best: Optional[float]
    p_value: Optional[float]


class AbWinnerOut(Schema):
    step_id: str
    key: str
    decided_at: dt.datetime
    figures: dict


class FlowReportOut(Schema):
    flow_id: int
    since: dt.date
    until: dt.date
    entered: int
    holdout: int
    active: int
    done: int
    exited: dict[str, int]
    steps: list[StepFiguresOut]
    variants: list[VariantFiguresOut]
    winners: list[AbWinnerOut]
    attributed_revenue: Decimal
    incremental_revenue: Optional[Decimal]
    incremental_low: Optional[Decimal]
    incremental_high: Optional[Decimal]
    verdict: str


def _version(version) -> dict | None:
    if version is None:
        return None
    return {"number": version.number, "definition": version.definition, "published_at": version.published_at,
            "published_by": version.published_by}


def flow_out(flow: Flow, counts: dict[str, int]) -> dict:
    return {
        "id": flow.pk, "key": flow.key, "channel": flow.channel, "kind": flow.kind, "name": flow.name,
        "description": flow.description, "template_key": flow.template_key or None, "state": flow.state,
        "draft": flow.draft, "has_unpublished_changes": service.has_unpublished_changes(flow),
        "live_version": _version(flow.live_version),
        "problems": [p.as_dict() for p in service.draft_problems(flow)], **counts, "updated_at": flow.updated_at,
    }


def _flow(flow_id: int) -> Flow:
    flow = Flow.objects.select_related("live_version").filter(pk=flow_id).first()
    if flow is None:
        raise NotFound("flow_id", f"no flow with id {flow_id}")
    return flow


@router.get("flows", response={200: list[FlowOut], **ERRORS}, summary="A channel's flows and broadcasts")
def list_flows(request: HttpRequest, filters: Query[FlowListQuery]):
    """Newest change first (at most 500); `kind` flow or broadcast, `state` draft, live, paused or archived."""
    need(request, Scope.READ)
    flows = Flow.objects.filter(channel=filters.channel).select_related("live_version")
    if filters.kind:
        flows = flows.filter(kind=filters.kind)
    if filters.state:
        flows = flows.filter(state=filters.state)
    flows = list(flows.order_by("-updated_at", "-id")[:MAX_LISTED])
    counts = flow_report.enrollment_counts(filters.channel, [f.key for f in flows])
    return Status(200, [flow_out(f, counts[f.key]) for f in flows])


@router.get("flows/{flow_id}", response={200: FlowDetailOut, **ERRORS}, summary="One flow with its versions")
def get_flow(request: HttpRequest, flow_id: int):
    need(request, Scope.READ)
    flow = _flow(flow_id)
    counts = flow_report.enrollment_counts(flow.channel, [flow.key])[flow.key]
    return Status(200, {**flow_out(flow, counts),
                        "versions": [_version(v) for v in flow.versions.order_by("number")]})


@router.get("flows/{flow_id}/report", response={200: FlowReportOut, **ERRORS}, summary="What a flow did")
def get_report(request: HttpRequest, flow_id: int, query: Query[ReportQuery]):
    """For the enrollments that entered from `since` to `until` (shop days; default the last 30 days,
    at most 366): entries, exits by reason, per step, per A/B step and variant, auto-winners chosen,
    attributed and incremental revenue with its 95% interval and verdict (too_small, inconclusive, positive,
    negative)."""
    need(request, Scope.READ)
    flow = _flow(flow_id)
    since, until = flow_report.report_range(query.since, query.until)
    result = flow_report.flow_report(flow, since, until)
    effect = result.effect
    return Status(200, {
        "flow_id": flow.pk, "since": since, "until": until, "entered": result.entered, "holdout": result.holdout,
        "active": result.active, "done": result.done, "exited": result.exited,
        "steps": [vars(s) for s in result.steps],
        "variants": [{**vars(v), "revenue_per_recipient": v.revenue_per_recipient} for v in result.variants],
        "winners": [vars(w) for w in result.winners],
        "attributed_revenue": result.attributed_revenue, "incremental_revenue": effect.incremental,
        "incremental_low": effect.low, "incremental_high": effect.high, "verdict": effect.verdict.value,
    })
