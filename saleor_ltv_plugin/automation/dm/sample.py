"""A DM step's letter for one of the shop's accounts, as the print job will print it — for the
Dashboard's preview (an HTML page laid out like the PDF's letter) and its test (a one-letter PDF).

The same pieces as a print job: `letter.fill` for the text, `jobs.address_of` for the 宛名,
`pdf.letters` for the PDF, `layout.address_lines` / `pdf.addressee` for the address block; nothing
is stored, queued or posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from types import SimpleNamespace

from django.utils import timezone

from ... import conf
from ..content.preview import PreviewError, sample_recipient
from . import jobs, letter, pdf
from .layout import address_lines


@dataclass(frozen=True)
class SampleLetter:
    language: str
    title: str
    lines: list[str]
    address: dict
    sender_name: str
    sender_address: str
    dated: str
    account_id: int | None

    def pdf(self) -> bytes:
        """The letter exactly as the print job's letters.pdf prints it (raises FontMissing)."""
        item = SimpleNamespace(address=self.address, letter={"title": self.title, "lines": self.lines})
        return pdf.letters([item], self.title or "DM", self.sender_name, self.sender_address, self.dated)

    def html(self) -> str:
        return page(self)


def build(document, language: str, account_id: int, channel: str) -> SampleLetter:
    account, contact, context = sample_recipient(channel, account_id)
    if contact is None:
        raise PreviewError("accountId", f"account {account_id} has no buyer to address a letter to", "required")
    shop = conf.channel_settings(channel)
    message = SimpleNamespace(contact=contact, account=account, channel=channel,
                              enrollment=SimpleNamespace(context=context))
    filled = letter.fill(document, message, SimpleNamespace(shop=shop), language)
    today = jobs.shop_day(channel, timezone.now())
    return SampleLetter(filled["language"], filled["title"], filled["lines"], jobs.address_of(contact),
                        shop.sender_name, shop.sender_postal_address, pdf.date_line(today),
                        account.pk if account else None)


# An A4 sheet scaled to the frame it is shown in: 1rem is 10.5 pt of a 210 mm sheet (the PDF's body size),
# the rest in the PDF's proportions (25 mm margins, 10/12/14 pt for address, name and title).
STYLE = """html{font-size:calc((100vw - 16px) / 56.7)}
body{margin:0;background:#e8e8e8;overflow-x:hidden;font-family:"Noto Serif CJK JP","Hiragino Mincho ProN","Yu Mincho",serif}
.sheet{box-sizing:border-box;width:calc(100vw - 16px);aspect-ratio:210/297;margin:8px auto;padding:6.75rem;
background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.3);color:#111;font-size:1rem;line-height:1.524rem}
.head{display:flex;justify-content:space-between;gap:3.2rem}.to,.from{font-size:.952rem;line-height:1.333rem}
.to .name{font-size:1.143rem;line-height:1.619rem}.from{text-align:right}
h1{font-size:1.333rem;font-weight:normal;text-align:center;margin:3.43rem 0 .952rem}
.body{white-space:pre-wrap;overflow-wrap:anywhere}"""


def page(sample: SampleLetter) -> str:
    """One A4 sheet in the PDF's layout: the 宛名 top left, date and sender top right, title, lines."""
    a = sample.address
    to = [f"〒{a.get('postal_code', '')}", *(part for part in address_lines(a) if part)]
    sender = [sample.dated, *(part for part in (sample.sender_name, *sample.sender_address.split("\n")) if part)]
    rows = lambda lines, cls="": "".join(f'<div class="{cls}">{escape(x)}</div>' for x in lines)  # noqa: E731
    return (f'<!doctype html><html lang="{escape(sample.language)}"><head><meta charset="utf-8">'
            f"<title>{escape(sample.title)}</title><style>{STYLE}</style></head><body>"
            f'<div class="sheet" data-medium="postal_dm"><div class="head">'
            f'<div class="to" data-part="address">{rows(to)}{rows(pdf.addressee(a), "name")}</div>'
            f'<div class="from" data-part="sender">{rows(sender)}</div></div>'
            f"<h1>{escape(sample.title)}</h1>"
            f'<div class="body">{escape(chr(10).join(sample.lines))}</div></div></body></html>')
