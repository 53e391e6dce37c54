"""A print job's printable files: an A4 sheet of 12 address labels (2 × 6, 86.4 × 42.3 mm, the
common 12面 label sheet) and one A4 letter per recipient, the Japanese font embedded (subset).
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import japanese_font
from .layout import address_lines, honorific

COLUMNS, ROWS = 2, 6
LABEL_W, LABEL_H = 86.4 * mm, 42.3 * mm
MARGIN_LEFT, MARGIN_TOP = 18.6 * mm, 21.5 * mm
PADDING = 5 * mm


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`: Japanese breaks between any two characters, so measure each."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = char.lstrip() if char == " " else char
            else:
                line += char
        lines.append(line)
    return lines


def _canvas(buffer, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("saleor-ltv-plugin")
    return canvas


def addressee(address: dict) -> list[str]:
    """The name lines of the 宛名 (company, department, person 様; a company alone gets 御中)."""
    person = address.get("person", "")
    lines = [address.get("company", ""), address.get("department", "")]
    lines.append(f"{person} 様" if person else "")
    if not person:  # a company alone: 御中 goes after the last name line written
        named = [line for line in lines if line]
        return named[:-1] + [f"{named[-1]} {honorific(address)}"] if named else []
    return [line for line in lines if line]


def date_line(day) -> str:
    """The letter's date as a Japanese letter writes it: 2026年12月3日."""
    return f"{day.year}年{day.month}月{day.day}日"


def labels(items, title: str) -> bytes:
    buffer = io.BytesIO()
    canvas, font = _canvas(buffer, title), japanese_font()
    _, page_h = A4
    for index, item in enumerate(items):
        slot = index % (COLUMNS * ROWS)
        if index and slot == 0:
            canvas.showPage()
        x = MARGIN_LEFT + (slot % COLUMNS) * LABEL_W + PADDING
        top = page_h - MARGIN_TOP - (slot // COLUMNS) * LABEL_H - PADDING
        width = LABEL_W - 2 * PADDING
        a = item.address
        canvas.setFont(font, 9)
        canvas.drawString(x, top - 9, f"〒{a.get('postal_code', '')}")
        y = top - 21
        for line in [wrapped for part in address_lines(a) if part for wrapped in wrap(part, font, 9, width)]:
            canvas.drawString(x, y, line)
            y -= 11
        y -= 3
        for line in [wrapped for part in addressee(a) for wrapped in wrap(part, font, 11, width)]:
            canvas.setFont(font, 11)
            canvas.drawString(x, y, line)
            y -= 13
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def letters(items, title: str, sender_name: str, sender_address: str, dated: str) -> bytes:
    """One page per letter (longer letters run on): the recipient at the top left, the date and the
    sender at the top right, the title, then the letter's lines."""
    buffer = io.BytesIO()
    canvas, font = _canvas(buffer, title), japanese_font()
    page_w, page_h = A4
    left, right, width = 25 * mm, page_w - 25 * mm, page_w - 50 * mm
    for item in items:
        a, letter = item.address, item.letter
        y = page_h - 25 * mm
        canvas.setFont(font, 10)
        canvas.drawRightString(right, y, dated)
        for i, line in enumerate(part for part in (sender_name, *sender_address.split("\n")) if part):
            canvas.drawRightString(right, y - 14 * (i + 1), line)
        canvas.drawString(left, y, f"〒{a.get('postal_code', '')}")
        for part in address_lines(a):
            if part:
                y -= 14
                canvas.drawString(left, y, part)
        canvas.setFont(font, 12)
        for line in addressee(a):
            y -= 17
            canvas.drawString(left, y, line)
        y -= 36
        canvas.setFont(font, 14)
        for line in wrap(letter.get("title", ""), font, 14, width):
            canvas.drawCentredString(page_w / 2, y, line)
            y -= 20
        y -= 10
        canvas.setFont(font, 10.5)
        for line in wrap("\n".join(letter.get("lines", [])), font, 10.5, width):
            if y < 25 * mm:
                canvas.showPage()
                canvas.setFont(font, 10.5)
                y = page_h - 25 * mm
            canvas.drawString(left, y, line)
            y -= 16
        canvas.showPage()
    if not items:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
