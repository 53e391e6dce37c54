"""What staff alerts say, in the shop's language: titles, reasons, the listed figures, call tasks.

The shop's language is the channel's `default_language` (ja or en). Only the worded parts change
with it; codes, numbers and dates stay as they are wherever a machine reads them (the webhook's
`event`, `account`, `facts`). `TEXT["ja"]` and `TEXT["en"]` hold the same keys (a test checks).
"""

from __future__ import annotations

import datetime as dt
import math

from ..engine.lifecycle import STAGE_LABELS_JA
from ..models import DeliveryKind
from .catalog import LANGUAGES, SCENARIOS
from .money import format_money

# The Dashboard's English stage names (dashboard_extension/src/labels.json, checked by a test).
STAGE_LABELS_EN = {"prospect": "Prospect", "new": "New", "first_repeat": "First repeat", "repeat": "Repeat",
                   "loyal": "Loyal", "dormant": "Dormant", "lost": "Lost"}
# The figures an alert lists, in this order; the webhook's `facts` carries the same keys raw.
FACT_KEYS = ("stage", "rfm_rank", "overdue_ratio", "typical_interval_days", "last_purchase_at", "clv", "monetary")

TEXT = {
    "ja": {
        "call_title": "架電タスク（{scenario}）",
        "reason": "理由",
        # the Dashboard's alert inbox words the overdue reason the same way
        "reason_overdue": "標準購買間隔 {days} 日の {ratio} 倍経過",
        "reason_active": "休眠または上位の顧客が再び動きあり（新しいカートまたは商品閲覧）",
        "reason_call": "メールを送っても注文がありません。お電話でフォローしてください。",
        "reason_none": "理由の記録なし",
        "stage": "ステージ", "rfm_rank": "RFMランク", "overdue_ratio": "購買間隔の遅れ",
        "typical_interval_days": "標準購買間隔", "last_purchase_at": "最終購入日", "clv": "予測LTV",
        "monetary": "累計購入額",
        "times": "{value} 倍", "days": "{value} 日", "date": "{year}年{month}月{day}日",
        "footer": "Saleor ダッシュボードの「LTV」→「アラート」で担当者の割り当てと対応状況の記録ができます。",
        "unknown_account": "（不明な顧客）",
    },
    "en": {
        "call_title": "Call task ({scenario})",
        "reason": "Reason",
        "reason_overdue": "{ratio}× its typical interval of {days} days",
        "reason_active": "A dormant or top account is active again (a new checkout or product views)",
        "reason_call": "No order since the mails: please follow up by phone.",
        "reason_none": "No reason recorded",
        "stage": "Stage", "rfm_rank": "RFM rank", "overdue_ratio": "Overdue",
        "typical_interval_days": "Typical interval", "last_purchase_at": "Last purchase", "clv": "Predicted CLV",
        "monetary": "Total spend",
        "times": "{value}×", "days": "{value} days", "date": "{month_name} {day}, {year}",
        "footer": "Assign it and record what was done in the Saleor Dashboard under LTV → Alerts.",
        "unknown_account": "(unknown account)",
    },
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def shop_language(code: str) -> str:
    return code if code in LANGUAGES else "en"


def title(scenario: str, kind: str, account_name: str, lang: str, flow_name: str = "") -> str:
    """"離脱傾向フォロー: 鈴木工業株式会社"; a call task says so. A flow of the shop's own is named as
    the shop named it."""
    words = TEXT[lang]
    label = SCENARIOS[scenario].title[lang] if scenario in SCENARIOS else (flow_name or scenario)
    if kind == DeliveryKind.CALL_TASK:
        label = words["call_title"].format(scenario=label)
    return f"{label}: {account_name or words['unknown_account']}"


def reason(scenario: str, kind: str, context: dict, lang: str) -> str:
    """Why staff are told, from the alert's figures (as the Dashboard's inbox words it)."""
    words = TEXT[lang]
    ratio, days = _number(context.get("overdue_ratio")), _number(context.get("typical_interval_days"))
    parts = []
    if scenario != "high_intent" and ratio is not None and days is not None:
        parts.append(words["reason_overdue"].format(ratio=f"{ratio:.1f}", days=_whole(days)))
    elif scenario == "high_intent":
        parts.append(words["reason_active"])
    if kind == DeliveryKind.CALL_TASK:
        parts.append(words["reason_call"])
    if not parts:
        return words["reason_none"]
    stop = "。" if lang == "ja" else ". "
    return stop.join(p.rstrip("。.") for p in parts) + stop.strip()


def facts(context: dict, currency: str, lang: str) -> list[tuple[str, str]]:
    """(label, value) for each figure the alert has, worded and formatted for `lang`."""
    words = TEXT[lang]
    shown = []
    for key in FACT_KEYS:
        value = context.get(key)
        if value in (None, ""):
            continue
        shown.append((words[key], _fact_value(key, value, currency, lang)))
    return shown


def _fact_value(key: str, value, currency: str, lang: str) -> str:
    words = TEXT[lang]
    if key == "stage":
        return (STAGE_LABELS_JA if lang == "ja" else STAGE_LABELS_EN).get(value, str(value))
    if key in ("clv", "monetary"):
        return format_money(value, currency) or str(value)
    number = _number(value)
    if key == "overdue_ratio" and number is not None:
        return words["times"].format(value=f"{number:.1f}")
    if key == "typical_interval_days" and number is not None:
        return words["days"].format(value=_whole(number))
    if key == "last_purchase_at":
        return _date(str(value), lang)
    return str(value)


def _date(value: str, lang: str) -> str:
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return TEXT[lang]["date"].format(year=day.year, month=day.month, day=day.day, month_name=_MONTHS[day.month - 1])


def _whole(number: float) -> int:
    return math.floor(number + 0.5)  # half up, as the Dashboard's Math.round (round() would give 32 for 32.5)


def _number(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
