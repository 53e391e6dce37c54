"""The nine ready scenarios (catalog.py) as flow templates: definitions a shop starts from.

Step ids keep the outbox's idempotency keys of the scenarios: buyer mails are "0", "1", "2"
(their index), staff steps are named by their delivery kind. A send step's content
``{"template": key, "step": i}`` refers to the ready copy of that mail; a shop's edit
replaces it with a document of its own.
"""

from __future__ import annotations

from ...models import DeliveryKind
from ..catalog import SCENARIOS
from .definition import Definition, parse

STAFF_NOTICES = (DeliveryKind.STAFF_ALERT, DeliveryKind.STAFF_EMAIL, DeliveryKind.STAFF_WEBHOOK)


def _mails(key: str, delays_hours: list[float], first_at_trigger: float = 0) -> list[dict]:
    """One send per delay (hours after the anchor), with delays between; the trigger fires at
    `first_at_trigger` hours after the anchor (an abandoned cart is found once it is idle)."""
    steps, clock = [], first_at_trigger
    for index, hours in enumerate(delays_hours):
        if hours > clock:
            steps.append({"id": f"d{index}", "kind": "delay", "hours": hours - clock})
            clock = hours
        steps.append({"id": str(index), "kind": "send", "channel": DeliveryKind.EMAIL.value,
                      "content": {"template": key, "step": index}})
    return steps


def _chain(steps: list[dict]) -> list[dict]:
    for current, following in zip(steps, steps[1:]):
        if current["kind"] not in ("split", "ab", "exit"):
            current.setdefault("next", following["id"])
    if steps and steps[-1]["kind"] not in ("split", "ab", "exit"):
        steps[-1].setdefault("next", None)
    return steps


def _staff(kinds) -> list[dict]:
    return [{"id": kind.value, "kind": "staff", "channel": kind.value} for kind in kinds]


def _delays(key: str) -> list[float]:
    return list(SCENARIOS[key].params["delays_hours"].default)


def _defaults(key: str, name: str):
    return SCENARIOS[key].params[name].default


def _document(trigger: dict, steps: list[dict], exit_on=("ordered",), **extra) -> dict:
    return {"trigger": trigger, "exit_on": list(exit_on), "reentry": {"mode": "never"}, "start": steps[0]["id"],
            "steps": _chain(steps), **extra}


def _churn() -> dict:
    delays = _delays("churn_risk")
    call_after = _defaults("churn_risk", "call_after_hours")
    steps = _staff(STAFF_NOTICES) + _mails("churn_risk", delays)
    steps.append({"id": "d_call", "kind": "delay", "hours": max(call_after - delays[-1], 0)})
    steps = _chain(steps)
    steps.append({"id": "top_account", "kind": "split", "yes": DeliveryKind.CALL_TASK.value, "no": "end",
                  "condition": {"kind": "metric", "metric": "rfm_rank", "op": "<=",
                                "value": _defaults("churn_risk", "call_top_rfm_rank")}})
    steps[-2]["next"] = "top_account"
    steps.append({"id": DeliveryKind.CALL_TASK.value, "kind": "staff", "channel": DeliveryKind.CALL_TASK.value,
                  "next": None})
    steps.append({"id": "end", "kind": "exit"})
    return _document({"kind": "metric", "metric": "churn_risk"}, steps)


def _raw_templates() -> dict[str, dict]:
    return {
        "abandoned_checkout": _document(
            {"kind": "event", "event": "checkout_abandoned", "idle_hours": _delays("abandoned_checkout")[0],
             "min_total": _defaults("abandoned_checkout", "min_total")},
            _mails("abandoned_checkout", _delays("abandoned_checkout"), _delays("abandoned_checkout")[0]),
            exit_on=("ordered", "checkout_completed")),
        "browse_abandonment": _document(
            {"kind": "event", "event": "product_viewed", "idle_hours": _delays("browse_abandonment")[0],
             "lookback_hours": _defaults("browse_abandonment", "lookback_hours")},
            _mails("browse_abandonment", _delays("browse_abandonment"), _delays("browse_abandonment")[0]),
            exit_on=("ordered", "checkout_started")),
        "registered_no_purchase": _document(
            {"kind": "event", "event": "customer_registered"}, _mails("registered_no_purchase",
                                                                      _delays("registered_no_purchase"))),
        "reorder_reminder": _document(
            {"kind": "metric", "metric": "reorder_due", "lead_days": _defaults("reorder_reminder", "lead_days")},
            _mails("reorder_reminder", _delays("reorder_reminder"))),
        "churn_risk": _churn(),
        "high_intent": _document(
            {"kind": "insight", "insight": "high_intent", "window_hours": _defaults("high_intent", "window_hours"),
             "top_rfm_rank": _defaults("high_intent", "top_rfm_rank")},
            _staff(STAFF_NOTICES), exit_on=(), holdout_percent=0),
        "winback": _document({"kind": "metric", "metric": "stage", "to": "dormant"},
                             _mails("winback", _delays("winback"))),
        "f2_followup": _document({"kind": "event", "event": "order_placed", "nth": 1},
                                 _mails("f2_followup", _delays("f2_followup"))),
        "cross_sell": _document(
            {"kind": "insight", "insight": "cross_sell", "min_lift": _defaults("cross_sell", "min_lift"),
             "after_days": _delays("cross_sell")[0] / 24}, _mails("cross_sell", [0])),
    }


def template(key: str) -> dict:
    """A fresh copy of a template's document (the caller may edit it)."""
    return _raw_templates()[key]


def parsed(key: str) -> Definition:
    definition, problems = parse(template(key))
    if problems:  # a template is code: tests/automation/flows keeps every one valid
        raise ValueError(f"template {key}: {problems}")
    return definition


TEMPLATE_KEYS = tuple(SCENARIOS)
