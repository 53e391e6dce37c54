"""The sales desk's calls: what came of a call on a call task, recorded with who and when.

The outcome moves the task (reached, lost and ordered close it; no answer and a callback keep it
on the list, acknowledged) and is kept against the flow enrollment that asked for the call, where
a split on the last call outcome reads it (flows/conditions.py).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from .. import conf
from ..models import Alert, AlertKind, AlertState, CallOutcome, CallOutcomeKind, OutboxMessage
from ..queries.errors import InputError

CLOSING = (CallOutcomeKind.REACHED, CallOutcomeKind.LOST, CallOutcomeKind.ORDERED)
MAX_NOTE = 5000

# How each outcome reads to staff (the Dashboard has its own copy in labels.json; this one is the API's).
LABELS = {CallOutcomeKind.REACHED: ("話せた", "Reached"), CallOutcomeKind.NO_ANSWER: ("不在", "No answer"),
          CallOutcomeKind.CALLBACK: ("折り返し予定", "Call back on a date"), CallOutcomeKind.LOST: ("失注・離反", "Lost"),
          CallOutcomeKind.ORDERED: ("受注", "Ordered")}


def _shop_today(channel: str) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(conf.channel_settings(channel).timezone)).date()


def record(alert: Alert, outcome: str, by: str, callback_on: dt.date | None = None, note: str | None = None) -> CallOutcome:
    """Record one call's outcome on a locked call task (the caller saves `alert`); InputError names the field."""
    if alert.kind != AlertKind.CALL:
        raise InputError({"id": "is not a call task (架電タスクではありません)"})
    if outcome not in CallOutcomeKind.values:
        raise InputError({"outcome": f"must be one of {', '.join(CallOutcomeKind.values)}"})
    if outcome == CallOutcomeKind.CALLBACK:
        if callback_on is None:
            raise InputError({"callbackOn": "is required for a callback (折り返しの日付を入力してください)"})
        if callback_on < _shop_today(alert.channel):
            raise InputError({"callbackOn": "must not be in the past (過去の日付は指定できません)"})
    elif callback_on is not None:
        raise InputError({"callbackOn": "only goes with outcome callback (折り返し予定のときだけ指定できます)"})
    note = (note or "").strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise InputError({"note": f"must be at most {MAX_NOTE} characters"})
    now = timezone.now()
    enrollment_id = (OutboxMessage.objects.filter(idempotency_key=alert.source_key)
                     .values_list("enrollment_id", flat=True).first())
    row = CallOutcome.objects.create(alert=alert, enrollment_id=enrollment_id, outcome=outcome,
                                     callback_on=callback_on, note=note, recorded_by=by[:254], recorded_at=now)
    if outcome in CLOSING:
        alert.state, alert.closed_at = AlertState.CLOSED, now
    else:
        alert.state, alert.closed_at = AlertState.ACKNOWLEDGED, None
        alert.acknowledged_at = alert.acknowledged_at or now
    alert.assignee = alert.assignee or by[:254]
    return row
