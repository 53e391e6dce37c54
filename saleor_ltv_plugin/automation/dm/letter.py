"""A DM step's content → the letter's text: the same content document a mail uses, laid out as
paper lines (no tracking links, no unsubscribe link: a letter carries the sender's address)."""

from __future__ import annotations

from ..content import context as content_context
from ..content import merge
from ..content.document import BUTTON_TARGETS, Document, from_json
from ..content.words import WORDS

# The merge values a mailing house gets as CSV columns (its letter template prints them).
CSV_MERGE_FIELDS = ("company", "name", "department", "last_order_date", "coupon", "shop_name")


def fill(document: Document | dict, message, config, language: str) -> dict:
    """{"language", "title", "lines": [...], "merge": {field: text}} for one outbox row."""
    doc = document if isinstance(document, Document) else from_json(document)
    lang, content = doc.for_language(language)
    shop = config.shop
    context = content_context.build(contact=message.contact, account=message.account,
                                    context=message.enrollment.context, channel=message.channel, shop=shop,
                                    link=str, unsubscribe_url="",
                                    last_order_on=content_context.last_order_lookup(message.account))
    values = context.values
    lines: list[str] = []
    for block in content.blocks:
        if block.kind in ("heading", "text"):
            text = merge.fill(block.text, values, lang).strip()
            lines += [text, ""] if text else []
        elif block.kind == "products":
            lines += [f"・{item['name']}" for item in context.items[:block.max_count] if item.get("name")]
            lines += [""] if context.items else []
        elif block.kind == "coupon":
            code = merge.fill(block.code, values, lang, one_line=True, defaults=False).strip()
            if code:
                lines += [f"{merge.fill(block.label, values, lang, one_line=True) or WORDS[lang]['coupon']}: {code}", ""]
        elif block.kind == "button":  # on paper: the address to type in
            url = context.targets.get(block.target, "") if block.target in BUTTON_TARGETS else block.target
            label = merge.fill(block.label, values, lang, one_line=True)
            lines += [f"{label}: {url}", ""] if label and url else []
        elif block.kind == "footer" and block.note.strip():
            lines += [merge.fill(block.note, values, lang).strip(), ""]
    return {"language": lang, "title": merge.fill(content.subject, values, lang, one_line=True).strip(),
            "lines": lines[:-1] if lines and lines[-1] == "" else lines,
            "merge": {key: merge.value(values, key, None, lang) for key in CSV_MERGE_FIELDS}}
