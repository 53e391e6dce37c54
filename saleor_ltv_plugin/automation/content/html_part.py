"""The HTML part: tables and inline styles (what mail clients keep), 600 px wide at most and
fluid below it, a hidden preheader, images with width and alt, the open pixel last.

Every text is escaped here, the shop's words and the merged values alike.
"""

from __future__ import annotations

from html import escape

from .words import WORDS

FONT = "-apple-system, 'Hiragino Sans', 'Noto Sans CJK JP', 'Noto Sans JP', 'Yu Gothic', Meiryo, sans-serif"
MUTED = "font-size: 12px; color: #6b7280;"
CELL = "border-bottom: 1px solid #e5e7eb; vertical-align: top;"
PREHEADER = ("display: none !important; visibility: hidden; opacity: 0; color: transparent; height: 0; width: 0; "
             "max-height: 0; max-width: 0; overflow: hidden; mso-hide: all; font-size: 1px; line-height: 1px;")


def _lines(text: str) -> str:
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def _items(block, lang: str) -> str:
    words = WORDS[lang]
    with_images = any(item["image_url"] for item in block.items)
    rows = []
    for item in block.items:
        url, name = escape(item["url"]), escape(item["name"])
        image = ""
        if with_images:
            picture = (f'<a href="{url}"><img src="{escape(item["image_url"])}" width="64" height="64" alt="{name}" '
                       'style="display: block; width: 64px; height: 64px; object-fit: cover; border-radius: 4px; '
                       'border: 1px solid #e5e7eb;"></a>') if item["image_url"] else ""
            image = f'<td width="76" style="width: 64px; padding: 8px 12px 8px 0; {CELL}">{picture}</td>'
        details = f'<a href="{url}" style="color: #1f2937; font-weight: 600; text-decoration: none;">{name}</a>'
        if item["sku"]:
            details += f'<br><span style="{MUTED}">{escape(item["sku"])}</span>'
        if item["due_on"]:
            details += f'<br><span style="{MUTED}">{words["due"]} {escape(item["due_on"])}</span>'
        price = ""
        if item["unit_price"]:
            recent = f'<span style="{MUTED}">{words["recent_price"]} </span>' if item["recent_price"] else ""
            price = recent + escape(item["unit_price"])
        if item["quantity"]:
            total = f' = {escape(item["line_total"])}' if item["line_total"] else ""
            price += f'<br><span style="{MUTED}">× {escape(str(item["quantity"]))}{total}</span>'
        rows.append(f'<tr>{image}<td style="padding: 8px 0; {CELL}">{details}</td>'
                    f'<td style="padding: 8px 0 8px 12px; {CELL} text-align: right; white-space: nowrap;">{price}</td></tr>')
    table = ('<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
             'style="width: 100%; border-collapse: collapse;">' + "".join(rows) + "</table>")
    if block.total:
        table += (f'<p style="text-align: right; margin: 12px 0 0;"><strong>{words["total"]}: '
                  f'{escape(block.total)}</strong></p>')
    return table


def _block(block, lang: str) -> str:
    if block.kind == "heading":
        return f'<h2 style="margin: 0; font-size: 20px; line-height: 1.4; color: #111827;">{_lines(block.text)}</h2>'
    if block.kind == "text":
        return f'<p style="margin: 0;">{_lines(block.text)}</p>'
    if block.kind == "products":
        return _items(block, lang)
    if block.kind == "button":
        return ('<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>'
                '<td style="border-radius: 6px; background: #2563eb;">'
                f'<a href="{escape(block.url)}" style="display: inline-block; padding: 12px 24px; color: #ffffff; '
                f'font-weight: 600; text-decoration: none; border-radius: 6px;">{escape(block.label)}</a>'
                '</td></tr></table>')
    if block.kind == "coupon":
        label = escape(block.label or WORDS[lang]["coupon"])
        return (f'<div style="border: 2px dashed #2563eb; border-radius: 6px; padding: 12px 16px; text-align: center;">'
                f'<span style="{MUTED}">{label}</span><br><strong class="coupon-code" style="font-size: 20px; '
                f'letter-spacing: 2px; font-family: Menlo, Consolas, monospace;">{escape(block.text)}</strong></div>')
    if block.kind == "spacer":
        return f'<div style="height: {block.height}px; line-height: {block.height}px; font-size: 1px;">&nbsp;</div>'
    return '<hr style="border: none; border-top: 1px solid #e5e7eb; margin: 0;">'  # divider


def sender_block(lang: str, context) -> str:
    words = WORDS[lang]
    name, email = escape(context.sender_name), escape(context.sender_email)
    address = _lines(context.sender_postal_address)
    link = f'<a href="{escape(context.unsubscribe_url)}" style="color: #6b7280;">{words["unsubscribe_link"]}</a>'
    return (f'<p class="sender-block" style="{MUTED} margin: 0;">{words["sender"]}: {name}<br>'
            f'{words["address"]}: {address}<br>{words["contact"]}: '
            f'<a href="mailto:{email}" style="color: #6b7280;">{email}</a><br>\n'
            f'{words["marketing"].format(sender=name)}{"" if lang == "ja" else " "}{link}</p>')


def document(lang: str, subject: str, preheader: str, blocks, note: str, context) -> str:
    rows = "".join(f'<tr><td style="padding: 0 24px 16px; word-break: break-word;">{_block(b, lang)}</td></tr>\n'
                   for b in blocks)
    footer = f'<p style="{MUTED} margin: 0 0 8px;">{_lines(note)}</p>' if note.strip() else ""
    pixel = f'<img src="{escape(context.open_url)}" width="1" height="1" alt="" style="display: block;">' \
        if context.open_url else ""
    hidden = f'<span class="preheader" style="{PREHEADER}">{escape(preheader)}</span>' if preheader else ""
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="x-apple-disable-message-reformatting">'
        f'<title>{escape(subject)}</title></head>\n'
        '<body style="margin: 0; padding: 0; background: #f3f4f6;">\n'
        f'{hidden}\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background: #f3f4f6;"><tr><td align="center" style="padding: 16px 8px;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="max-width: 600px; width: 100%; background: #ffffff; font-family: {FONT}; color: #1f2937; '
        'line-height: 1.6; font-size: 15px;">\n'
        '<tr><td style="height: 24px; font-size: 1px; line-height: 1px;">&nbsp;</td></tr>\n'
        f'{rows}'
        '<tr><td style="padding: 8px 24px 24px;"><hr style="border: none; border-top: 1px solid #e5e7eb; '
        f'margin: 0 0 12px;">{footer}{sender_block(lang, context)}</td></tr>\n'
        '</table>\n</td></tr></table>\n'
        f'{pixel}\n</body></html>\n')
