"""Trigger a recompute and follow it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Status, Router, Schema

from ..auth import Scope
from ..models import Account, RecomputeRun
from ..queries.errors import InputError
from .errors import NotFound
from .schemas import ErrorOut, Input, RecomputeOut, Text
from .security import need

router = Router(tags=["recompute"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RecomputeIn(Input):
    channel: Text | None = None


class QueuedOut(Schema):
    queued: bool
    latest: RecomputeOut | None


@router.post("recompute", response={202: QueuedOut, **ERRORS}, summary="Queue a full recompute")
def trigger(request: HttpRequest, payload: RecomputeIn):
    """Body: `{}` for every channel, or `{"channel": "<slug>"}`. Runs on the Celery worker
    (inline when no broker is configured); 409 while one runs."""
    need(request, Scope.RECOMPUTE)
    if payload.channel is not None and not Account.objects.filter(channel=payload.channel).exists():
        raise InputError({"channel": "no orders were recorded for this channel"}, code="not_found")
    from ..tasks.metrics import queue_recompute

    if queue_recompute(payload.channel) is None:
        return Status(409, {"detail": "a recompute is already running", "errors": [
            {"field": "recompute", "message": "a recompute is already running", "code": "duplicated"}]})
    return Status(202, {"queued": True, "latest": RecomputeRun.objects.order_by("-started_at", "-id").first()})


@router.get("recompute/latest", response={200: RecomputeOut, **ERRORS}, summary="The latest recompute")
def latest(request: HttpRequest):
    need(request, Scope.READ)
    run = RecomputeRun.objects.order_by("-started_at", "-id").first()
    if run is None:
        raise NotFound("run_id", "no recompute has run yet")
    return Status(200, run)


@router.get("recompute/{run_id}", response={200: RecomputeOut, **ERRORS}, summary="One recompute")
def one(request: HttpRequest, run_id: int):
    need(request, Scope.READ)
    run = RecomputeRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("run_id", f"no recompute with id {run_id}")
    return Status(200, run)
