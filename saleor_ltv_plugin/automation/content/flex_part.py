"""A LINE Flex message laid out from resolved content blocks (rendering.resolve), within the Messaging
API's documented limits: altText at most 400 characters here (the reference's older, stricter figure),
a bubble's JSON at most 30 KB, a carousel at most 12 bubbles, a URI action's uri at most 1000
characters, an image's url HTTPS and at most 2000, an action label at most 40.

One bubble: headings and texts in the body, the product list as rows (a square image where the item
has an HTTPS one, its name linking to the product, its price), the coupon, and the buttons in the
footer. Items are dropped from the end while the bubble is over the size limit.
"""

from __future__ import annotations

import json

from . import text_part
from .words import WORDS

MAX_ALT_TEXT = 400
MAX_BUBBLE_BYTES = 30_000  # "30 KB", read strictly
MAX_CAROUSEL_BUBBLES = 12
MAX_URI, MAX_IMAGE_URL, MAX_LABEL, MAX_TEXT = 1000, 2000, 40, 2000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _uri(url: str) -> dict | None:
    return {"type": "uri", "uri": url} if url.startswith(("https://", "http://")) and len(url) <= MAX_URI else None


def _text(text: str, **style) -> dict:
    return {"type": "text", "text": _clip(text.strip(), MAX_TEXT), "wrap": True, **style}


def _item(item: dict, lang: str) -> dict:
    words = WORDS[lang]
    name = _text(item["name"], size="sm", weight="bold", color="#111111")
    action = _uri(item.get("url") or "")
    if action:
        name["action"] = action
    details = [name]
    price = item.get("unit_price") or ""
    if price:
        details.append(_text(f"{words['recent_price'] + ' ' if item.get('recent_price') else ''}{price}", size="sm",
                             color="#555555"))
    row = {"type": "box", "layout": "horizontal", "spacing": "md", "contents": [], "margin": "md"}
    image = item.get("image_url") or ""
    if image.startswith("https://") and len(image) <= MAX_IMAGE_URL:  # LINE shows HTTPS images only
        row["contents"].append({"type": "image", "url": image, "size": "xs", "aspectMode": "cover",
                                "aspectRatio": "1:1", "flex": 0})
    row["contents"].append({"type": "box", "layout": "vertical", "contents": details, "flex": 1})
    return row


def _body(blocks, lang: str, items: int | None) -> tuple[list[dict], list[dict]]:
    body, footer = [], []
    for block in blocks:
        if block.kind == "heading":
            body.append(_text(block.text, weight="bold", size="lg"))
        elif block.kind == "text":
            body.append(_text(block.text, size="sm"))
        elif block.kind == "products":
            body += [_item(item, lang) for item in block.items[:items]]
            if block.total:
                body.append(_text(f"{WORDS[lang]['total']}: {block.total}", size="sm", weight="bold", align="end"))
        elif block.kind == "coupon":
            body.append(_text(f"{block.label or WORDS[lang]['coupon']}: {block.text}", weight="bold"))
        elif block.kind == "divider":
            body.append({"type": "separator", "margin": "md"})
        elif block.kind == "button" and _uri(block.url):
            footer.append({"type": "button", "style": "primary",
                           "action": {**_uri(block.url), "label": _clip(block.label, MAX_LABEL)}})
    return body, footer


def bubble(blocks, lang: str) -> dict | None:
    """The bubble, or None when the blocks show nothing."""
    most = max((len(b.items) for b in blocks if b.kind == "products"), default=0)
    for items in range(most, -1, -1):
        body, footer = _body(blocks, lang, items)
        if not body and not footer:
            return None
        out = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "spacing": "md",
                                          "contents": body or [_text(" ")]}}
        if footer:
            out["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer}
        if len(json.dumps(out, ensure_ascii=False).encode()) <= MAX_BUBBLE_BYTES:
            return out
    return None


def alt_text(blocks, lang: str) -> str:
    """The text fallback (push notification, chat list, old clients): the blocks as plain lines."""
    text = "\n\n".join(t for t in (text_part.block_text(b, lang) for b in blocks if b.kind != "products") if t)
    return _clip(text or " ", MAX_ALT_TEXT)


def message(blocks, lang: str) -> dict | None:
    """The Flex message object for a push, or None when there is nothing to lay out."""
    contents = bubble(blocks, lang)
    if contents is None:
        return None
    return {"type": "flex", "altText": alt_text(blocks, lang), "contents": contents}
