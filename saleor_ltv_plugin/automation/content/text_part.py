"""The plain-text part: the same blocks as lines, every link written out, the sender block after "--"."""

from __future__ import annotations

from .words import WORDS


def _items(block, lang: str) -> str:
    words = WORDS[lang]
    lines = []
    for item in block.items:
        line = f"- {item['name']}"
        if item["sku"]:
            line += f" ({item['sku']})"
        if item["quantity"]:
            line += f" × {item['quantity']}"
        if item["unit_price"]:
            line += f"  {words['recent_price'] + ' ' if item['recent_price'] else ''}{item['unit_price']}"
            if item["line_total"]:
                line += f" ({words['subtotal']} {item['line_total']})"
        if item["due_on"]:
            line += f" ({words['due']}{': ' if lang == 'ja' else ' '}{item['due_on']})"
        lines += [line, f"  {item['url']}"]
    if block.total:
        lines.append(f"{words['total']}: {block.total}")
    return "\n".join(lines)


def block_text(block, lang: str) -> str:
    if block.kind in ("heading", "text"):
        return block.text.strip()
    if block.kind == "products":
        return _items(block, lang)
    if block.kind == "button":
        return f"{block.label}: {block.url}"
    if block.kind == "coupon":
        return f"{block.label or WORDS[lang]['coupon']}: {block.text}"
    if block.kind == "divider":
        return "-" * 24
    return ""  # spacer: the blank line between blocks is enough


def sender_block(lang: str, context) -> str:
    words = WORDS[lang]
    return "\n".join([f"{words['sender']}: {context.sender_name}", f"{words['address']}: {context.sender_postal_address}",
                      f"{words['contact']}: {context.sender_email}",
                      f"{words['marketing'].format(sender=context.sender_name)}{'' if lang == 'ja' else ' '}"
                      f"{words['unsubscribe']}: {context.unsubscribe_url}"])


def document(lang: str, blocks, note: str, context) -> str:
    parts = [text for text in (block_text(b, lang) for b in blocks) if text]
    if note.strip():
        parts.append(note.strip())
    return "\n\n".join(parts) + "\n\n--\n" + sender_block(lang, context) + "\n"
