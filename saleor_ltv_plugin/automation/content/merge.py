"""Merge fields: the one registry of `{field}` tokens a mail may hold, their labels and defaults.

A token is `{field}` or `{field|fallback}`. At send time a missing value becomes the fallback the
shop wrote ("{cart_total|}": nothing), else the field's own default text in the mail's language —
never the raw token.
Every `{…}` pair in a shop's text must be a known field and no brace may stand outside one (the
validator refuses anything else), so nothing brace-shaped the shop wrote reaches a buyer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TOKEN = re.compile(r"\{([^{}]*)\}")  # any brace pair: known fields are checked on save
MAX_FALLBACK = 100


@dataclass(frozen=True)
class MergeField:
    key: str
    label: dict[str, str]  # for the editor's field picker
    default: dict[str, str]  # what a mail says when the value is missing and no fallback is given


FIELDS: dict[str, MergeField] = {f.key: f for f in [
    MergeField("company", {"ja": "会社名", "en": "Company"}, {"ja": "貴社", "en": "your company"}),
    MergeField("name", {"ja": "宛名（会社名＋氏名）", "en": "Name"}, {"ja": "ご担当者", "en": "Hello"}),
    MergeField("first_name", {"ja": "名", "en": "First name"}, {"ja": "ご担当者", "en": "there"}),
    MergeField("last_name", {"ja": "姓", "en": "Last name"}, {"ja": "ご担当者", "en": "customer"}),
    MergeField("department", {"ja": "部署名", "en": "Department"}, {"ja": "ご担当部署", "en": "your team"}),
    MergeField("email", {"ja": "メールアドレス", "en": "E-mail address"},
               {"ja": "ご登録のメールアドレス", "en": "your e-mail address"}),
    MergeField("last_order_date", {"ja": "最終注文日", "en": "Last order date"},
               {"ja": "前回", "en": "your last visit"}),
    MergeField("shop_name", {"ja": "ショップ名", "en": "Shop name"}, {"ja": "当店", "en": "our shop"}),
    MergeField("coupon", {"ja": "クーポンコード", "en": "Coupon code"},
               {"ja": "（クーポンコードは別途ご案内します）", "en": "(coupon code to follow)"}),
    MergeField("cart_total", {"ja": "カート合計", "en": "Cart total"}, {"ja": "カートの商品", "en": "your cart"}),
    # a shipment's (the 発送完了 trigger's); empty elsewhere
    MergeField("order_number", {"ja": "注文番号", "en": "Order number"}, {"ja": "ご注文", "en": "your order"}),
    MergeField("shipped_date", {"ja": "発送日", "en": "Shipping date"}, {"ja": "本日", "en": "today"}),
    MergeField("tracking_number", {"ja": "お問い合わせ番号", "en": "Tracking number"},
               {"ja": "（お問い合わせ番号は配送会社からご案内します）", "en": "(sent by the carrier)"}),
    MergeField("carrier", {"ja": "配送会社", "en": "Carrier"}, {"ja": "配送会社", "en": "the carrier"}),
]}


def labels(language: str) -> dict[str, str]:
    """Field → its label in the editor's language (English for any other)."""
    lang = language if language in ("ja", "en") else "en"
    return {key: field.label[lang] for key, field in FIELDS.items()}


def parse(token_body: str) -> tuple[str, str | None]:
    """"name|お客様" → ("name", "お客様"); "name" → ("name", None)."""
    key, bar, fallback = token_body.partition("|")
    return key.strip(), (fallback if bar else None)


def unknown_fields(text: str) -> list[str]:
    """The tokens in `text` that name no field, as written ("{compnay}")."""
    return [m.group(0) for m in TOKEN.finditer(text) if parse(m.group(1))[0] not in FIELDS]


def stray_braces(text: str) -> bool:
    """A `{` or `}` that is not part of a token: refused, so no brace the shop wrote can pair up
    with a value into something that looks like a token in the sent mail."""
    rest = TOKEN.sub("", text)
    return "{" in rest or "}" in rest


def long_fallbacks(text: str) -> list[str]:
    return [m.group(0) for m in TOKEN.finditer(text)
            if len(parse(m.group(1))[1] or "") > MAX_FALLBACK]


def value(values: dict, key: str, fallback: str | None, language: str) -> str:
    """A field's text: `values[key]` is a text, a {"ja", "en"} dict, or a function of the language
    (for a value that costs a query, looked up only when a mail uses it)."""
    raw = values.get(key)
    if callable(raw):
        raw = raw(language)
    if isinstance(raw, dict):
        raw = raw.get(language)
    present = str(raw or "").strip()
    if present:
        return present
    if fallback is not None:  # "{cart_total|}": the shop asked for nothing when it is missing
        return fallback.strip()
    field = FIELDS.get(key)
    return field.default.get(language, field.default["en"]) if field else ""


def fill(text: str, values: dict, language: str, *, one_line: bool = False, defaults: bool = True) -> str:
    """Replace every token with its value, else its fallback, else (with `defaults`) the field's
    default text, else "". Plain text: the HTML part escapes the result, values and the shop's
    words alike, so a company named `<script>` stays text. `one_line`: for a header or a preheader,
    line breaks inside a value become spaces."""
    def replace(match: re.Match) -> str:
        key, fallback = parse(match.group(1))
        filled = value(values, key, fallback, language) if defaults or (values.get(key) or fallback) else ""
        return _one_line(filled) if one_line else filled
    return TOKEN.sub(replace, text)


def _one_line(value: str) -> str:
    """Control characters and line breaks (what addresses.header_problem refuses) become spaces."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value).split())
