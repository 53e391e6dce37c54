"""Content document + context → subject, preheader, HTML and plain text of one mail.

Blocks are first resolved once (merge fields filled, links wrapped, items cut to the block's
count); the HTML and text parts only lay the result out. The legal sender block always closes
the mail, whatever the document holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import html_part, merge, text_part
from .context import RenderContext
from .document import BUTTON_TARGETS, Document, Footer, from_json


@dataclass(frozen=True)
class Rendered:
    language: str  # the one rendered: the asked one, or the other the document has
    subject: str
    preheader: str
    html: str
    text: str


@dataclass(frozen=True)
class Resolved:
    """One block ready to lay out: plain texts (unescaped), final URLs."""
    kind: str
    text: str = ""
    label: str = ""
    url: str = ""
    items: tuple = ()
    total: str = ""
    height: int = 0


def render(doc: Document | dict, language: str, context: RenderContext) -> Rendered:
    lang, subject, preheader, blocks, note = resolve(doc, language, context)
    return Rendered(lang, subject, preheader,
                    html_part.document(lang, subject, preheader, blocks, note, context),
                    text_part.document(lang, blocks, note, context))


def resolve(doc: Document | dict, language: str, context: RenderContext):
    """(the language rendered, subject, preheader, the resolved blocks, the footer's note): what any
    layout (mail's HTML and text, LINE's Flex message) is built from."""
    if isinstance(doc, dict):
        doc = from_json(doc)
    lang, content = doc.for_language(language)
    subject = merge.fill(content.subject, context.values, lang, one_line=True).strip()
    preheader = merge.fill(content.preheader, context.values, lang, one_line=True).strip()
    footer = next((b for b in content.blocks if b.kind == "footer"), Footer())
    blocks = [r for b in content.blocks if b.kind != "footer" for r in _resolve(b, context, lang)]
    return lang, subject, preheader, blocks, merge.fill(footer.note, context.values, lang)


def _resolve(block, context: RenderContext, lang: str):
    """Zero or one Resolved: a block with nothing to show (no items, no coupon code) is left out."""
    values = context.values
    if block.kind in ("heading", "text"):
        text = merge.fill(block.text, values, lang)
        if text.strip():
            yield Resolved(block.kind, text=text)
    elif block.kind == "products":
        items = tuple({**item, "url": context.link(item["url"])} for item in context.items[:block.max_count])
        if items:
            yield Resolved("products", items=items, total=context.total if block.show_total else "")
    elif block.kind == "button":
        label = merge.fill(block.label, values, lang, one_line=True)
        url = context.targets.get(block.target, "") if block.target in BUTTON_TARGETS else block.target
        if label and url:
            yield Resolved("button", label=label, url=context.link(url))
    elif block.kind == "coupon":
        code = merge.fill(block.code, values, lang, one_line=True, defaults=False).strip()
        if code:
            yield Resolved("coupon", text=code, label=merge.fill(block.label, values, lang, one_line=True))
    elif block.kind == "spacer":
        yield Resolved("spacer", height=block.height)
    elif block.kind == "divider":
        yield Resolved("divider")
