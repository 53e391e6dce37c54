"""The ready scenarios (catalog.py) as flow templates, and templates of the shop's own (the churn
escalation): definitions a shop starts from.

Step ids keep the outbox's idempotency keys of the scenarios: buyer mails are "0", "1", "2"
(their index), staff steps are named by their delivery kind. A send step's content
``{"template": key, "step": i}`` refers to the ready copy of that mail; a shop's edit
replaces it with a document of its own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from ...models import DeliveryKind
from ..catalog import SCENARIOS
from .definition import Definition, parse

STAFF_NOTICES = (DeliveryKind.STAFF_ALERT, DeliveryKind.STAFF_EMAIL, DeliveryKind.STAFF_WEBHOOK)


def _mails(key: str, delays_hours: list[float], first_at_trigger: float = 0, copy: dict | None = None) -> list[dict]:
    """One send per delay (hours after the anchor), with delays between; the trigger fires at
    `first_at_trigger` hours after the anchor (an abandoned cart is found once it is idle).
    A shop's copy overrides ride on the content reference."""
    steps, clock = [], first_at_trigger
    for index, hours in enumerate(delays_hours):
        if hours > clock:
            steps.append({"id": f"d{index}", "kind": "delay", "hours": hours - clock})
            clock = hours
        content = {"template": key, "step": index, **({"copy": copy} if copy else {})}
        steps.append({"id": str(index), "kind": "send", "channel": DeliveryKind.EMAIL.value, "content": content})
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


def _document(p: dict, trigger: dict, steps: list[dict], exit_on=("ordered",), reentry="each_trigger",
              **extra) -> dict:
    """`p`: the scenario's parameters (catalog defaults ← the shop's); the common ones land here."""
    if p.get("segment_id"):
        trigger = {**trigger, "also_segment_id": p["segment_id"]}
    if p.get("holdout_percent") is not None:
        extra["holdout_percent"] = p["holdout_percent"]
    return {"trigger": trigger, "exit_on": list(exit_on), "reentry": {"mode": reentry}, "start": steps[0]["id"],
            "steps": _chain(steps), **extra}


def _churn(p: dict) -> dict:
    """Staff notices at once; the mails at their delays; at `call_after_hours` (wherever that falls
    among the mails) a call task for top accounts — one timeline, as the scenario ran it."""
    delays, call_after = p["delays_hours"], p["call_after_hours"]
    mails = _mails("churn_risk", delays, copy=p.get("copy"))
    call_check = {"id": "top_account", "kind": "split", "yes": DeliveryKind.CALL_TASK.value,
                  "condition": {"kind": "metric", "metric": "rfm_rank", "op": "<=", "value": p["call_top_rfm_rank"]}}
    call = {"id": DeliveryKind.CALL_TASK.value, "kind": "staff", "channel": DeliveryKind.CALL_TASK.value}
    # the mails whose time is at or before the call go first; the call's delay counts from the last of them
    before = [i for i, hours in enumerate(delays) if hours <= call_after]
    cut = next(n for n, step in enumerate(mails) if step["id"] == str(before[-1])) + 1 if before else 0
    clock = delays[before[-1]] if before else 0
    head, tail = mails[:cut], mails[cut:]
    if tail and tail[0]["kind"] == "delay":  # the next mail's wait now counts from the call
        tail[0] = {**tail[0], "hours": max(delays[len(before)] - call_after, 0)}
    wait = [{"id": "d_call", "kind": "delay", "hours": call_after - clock}] if call_after > clock else []
    steps = _chain(_staff(STAFF_NOTICES) + head + wait) + [call_check, call] + _chain(tail)
    after = tail[0]["id"] if tail else "end"
    call_check["no"], call["next"] = after, (tail[0]["id"] if tail else None)
    if not tail:
        steps.append({"id": "end", "kind": "exit"})
    if head or wait:
        (head + wait)[-1]["next"] = "top_account"
    else:
        steps[len(STAFF_NOTICES) - 1]["next"] = "top_account"
    return _document(p, {"kind": "metric", "metric": "churn_risk"}, steps)


def _idle_mails(key: str, p: dict) -> list[dict]:
    """Mails of a scenario whose trigger waits its first delay (the cart or view is idle by then)."""
    return _mails(key, p["delays_hours"], p["delays_hours"][0], p.get("copy"))


BUILDERS = {
    "abandoned_checkout": lambda p: _document(
        p, {"kind": "event", "event": "checkout_abandoned", "idle_hours": p["delays_hours"][0],
            "min_total": p["min_total"]},
        _idle_mails("abandoned_checkout", p), exit_on=("ordered", "checkout_completed")),
    "browse_abandonment": lambda p: _document(
        p, {"kind": "event", "event": "product_viewed", "idle_hours": p["delays_hours"][0],
            "lookback_hours": p["lookback_hours"]},
        _idle_mails("browse_abandonment", p), exit_on=("ordered", "checkout_started")),
    "registered_no_purchase": lambda p: _document(
        p, {"kind": "event", "event": "customer_registered"},
        _mails("registered_no_purchase", p["delays_hours"], copy=p.get("copy")), reentry="never"),
    "reorder_reminder": lambda p: _document(
        p, {"kind": "metric", "metric": "reorder_due", "lead_days": p["lead_days"]},
        _mails("reorder_reminder", p["delays_hours"], copy=p.get("copy"))),
    "churn_risk": _churn,
    "high_intent": lambda p: _document(
        {**p, "holdout_percent": None},  # a staff alert has nothing to hold out
        {"kind": "insight", "insight": "high_intent", "window_hours": p["window_hours"],
         "top_rfm_rank": p["top_rfm_rank"]}, _staff(STAFF_NOTICES), exit_on=(), holdout_percent=0),
    "winback": lambda p: _document(p, {"kind": "metric", "metric": "stage", "to": "dormant"},
                                   _mails("winback", p["delays_hours"], copy=p.get("copy"))),
    "f2_followup": lambda p: _document(p, {"kind": "event", "event": "order_placed", "nth": 1},
                                       _mails("f2_followup", p["delays_hours"], copy=p.get("copy")), reentry="never"),
    # a 発送完了 mail per parcel, whatever the buyer ordered since
    "shipping_followup": lambda p: _document(p, {"kind": "event", "event": "order_fulfilled"},
                                             _mails("shipping_followup", p["delays_hours"], copy=p.get("copy")),
                                             exit_on=()),
    # the trigger waits the first delay (days after the purchase); later delays are steps
    "cross_sell": lambda p: _document(
        p, {"kind": "insight", "insight": "cross_sell", "min_lift": p["min_lift"],
            "after_days": p["delays_hours"][0] / 24},
        _mails("cross_sell", [h - p["delays_hours"][0] for h in p["delays_hours"]], copy=p.get("copy"))),
}


# ---- templates that are no ready scenario: a shop creates a flow from them -------------------------------

ESCALATION = "churn_escalation"
# The letter of the escalation's DM step (a content document, merge fields as in mail).
ESCALATION_LETTER = {
    "ja": {"subject": "平素のお引き立てに御礼申し上げます", "preheader": "", "blocks": [
        {"kind": "text", "text": "{name|ご担当者}様\n\n拝啓　時下ますますご清栄のこととお慶び申し上げます。"
                                 "平素は{shop_name}をご利用いただき、誠にありがとうございます。"},
        {"kind": "text", "text": "しばらくご注文をいただいておりませんので、お手紙にてご案内を差し上げました。"
                                 "いつもの商品の在庫や、ご注文方法についてご不明な点がございましたら、"
                                 "お気軽に担当までご連絡ください。"},
        {"kind": "products", "source": "trigger", "max_count": 10, "show_total": False},
        {"kind": "coupon", "code": "{coupon}", "label": "ご注文時にお使いいただけるクーポンコード"},
        {"kind": "button", "label": "ご注文はこちら", "target": "shop"},
        {"kind": "text", "text": "今後とも変わらぬお引き立てのほど、よろしくお願い申し上げます。\n敬具"}]},
    "en": {"subject": "Thank you for your business", "preheader": "", "blocks": [
        {"kind": "text", "text": "Dear {name|customer},\n\nthank you for buying from {shop_name}. We have not had "
                                 "an order from you for a while, so we are writing to ask whether we can help."},
        {"kind": "products", "source": "trigger", "max_count": 10, "show_total": False},
        {"kind": "coupon", "code": "{coupon}", "label": "A coupon code for your next order"},
        {"kind": "button", "label": "Order online", "target": "shop"},
        {"kind": "text", "text": "With kind regards"}]},
}


@dataclass(frozen=True)
class ShopTemplate:
    """A template with no ready scenario behind it: its texts and parameters are its own."""

    title: dict[str, str]
    description: dict[str, str]
    defaults: dict
    build: Callable[[dict], dict]


def _no_response_check(n: int, then: str) -> list[dict]:
    """After a mail's wait: an open or a click of any of the enrollment's mails is a response (an
    order already ended the flow: `ordered` is checked before every step)."""
    return [{"id": f"opened_{n}", "kind": "split", "condition": {"kind": "opened"}, "yes": "responded",
             "no": f"clicked_{n}"},
            {"id": f"clicked_{n}", "kind": "split", "condition": {"kind": "clicked"}, "yes": "responded",
             "no": then}]


def _escalation(p: dict) -> dict:
    """うちでのこづち's escalation: mail ×3 with no open, click or order → a postal DM (a print job)
    → once the letter had time to arrive, a call task for top accounts."""
    steps: list[dict] = []
    for n in range(3):
        steps += [{"id": str(n), "kind": "send", "channel": DeliveryKind.EMAIL.value,
                   "content": {"template": "churn_risk", "step": n}, "next": f"wait_{n}"},
                  {"id": f"wait_{n}", "kind": "delay", "hours": p["mail_gap_hours"], "next": f"opened_{n}"},
                  *_no_response_check(n, str(n + 1) if n < 2 else DeliveryKind.POSTAL_DM.value)]
    steps += [{"id": DeliveryKind.POSTAL_DM.value, "kind": "send", "channel": DeliveryKind.POSTAL_DM.value,
               "content": copy.deepcopy(ESCALATION_LETTER), "next": "wait_dm"},
              {"id": "wait_dm", "kind": "delay", "hours": p["dm_wait_hours"], "next": "top_account"},
              {"id": "top_account", "kind": "split", "yes": DeliveryKind.CALL_TASK.value, "no": "end",
               "condition": {"kind": "metric", "metric": "rfm_rank", "op": "<=", "value": p["call_top_rfm_rank"]}},
              {"id": DeliveryKind.CALL_TASK.value, "kind": "staff", "channel": DeliveryKind.CALL_TASK.value,
               "next": None},
              {"id": "responded", "kind": "exit"}, {"id": "end", "kind": "exit"}]
    return _document(p, {"kind": "metric", "metric": "churn_risk"}, steps)


SHOP_TEMPLATES: dict[str, ShopTemplate] = {
    ESCALATION: ShopTemplate(
        title={"ja": "離脱防止エスカレーション（メール3回→DM→架電）", "en": "Churn escalation (mail ×3 → DM → call)"},
        description={"ja": "離脱傾向の顧客へメールを3回。どのメールも開封・クリック・注文がなければ郵送DM（印刷ジョブ）を送り、"
                           "届く頃に上位顧客には架電タスクを作ります。",
                     "en": "Three mails to an account at churn risk; with no open, click or order after any of them "
                           "a postal DM (a print job), and once it has arrived a call task for top accounts."},
        # a letter posted in Japan arrives in one to three days
        defaults={"mail_gap_hours": 168, "dm_wait_hours": 72,
                  "call_top_rfm_rank": SCENARIOS["churn_risk"].params["call_top_rfm_rank"].default,
                  "holdout_percent": None},
        build=_escalation),
}


def title(key: str) -> dict[str, str]:
    return SHOP_TEMPLATES[key].title if key in SHOP_TEMPLATES else SCENARIOS[key].title


def description(key: str) -> dict[str, str]:
    return SHOP_TEMPLATES[key].description if key in SHOP_TEMPLATES else SCENARIOS[key].description


def template(key: str, params: dict | None = None) -> dict:
    """A fresh copy of a template's document (the caller may edit it), with a shop's scenario
    parameters (automation/settings.validate_params) applied over the catalog's defaults."""
    if key in SHOP_TEMPLATES:
        shop_template = SHOP_TEMPLATES[key]
        return copy.deepcopy(shop_template.build({**shop_template.defaults, **(params or {})}))
    merged = {name: param.default for name, param in SCENARIOS[key].params.items()}
    merged.update(params or {})
    return copy.deepcopy(BUILDERS[key](merged))


def parsed(key: str, params: dict | None = None) -> Definition:
    definition, problems = parse(template(key, params))
    if problems:  # a template is code: tests/automation/flows keeps every one valid
        raise ValueError(f"template {key}: {problems}")
    return definition


TEMPLATE_KEYS = (*SCENARIOS, *SHOP_TEMPLATES)
