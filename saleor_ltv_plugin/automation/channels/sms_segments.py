"""How many SMS segments a text costs, the way carriers (and Twilio's `num_segments`) count them.

A text wholly in the GSM 03.38 default alphabet goes as GSM-7: 160 septets in one segment, 153
per segment once it is split (the concatenation header takes 7); the extension table's characters
(^ { } \\ [ ] ~ | €, form feed) take two septets (escape + char). Any other character — all
Japanese — makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 per segment once
split; a character beyond the BMP (an emoji) takes two units. A split never cuts an escape pair or
a surrogate pair (the next segment starts with it, as handsets require).
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7, UCS2 = "GSM-7", "UCS-2"
# (units in a lone segment, units per segment of a split text)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments the text goes out as (0 for an empty text)


def encoding(text: str) -> str:
    return GSM7 if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else UCS2


def _unit_sizes(text: str, enc: str) -> list[int]:
    if enc == GSM7:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Segments:
    enc = encoding(text)
    sizes = _unit_sizes(text, enc)
    single, per_part = LIMITS[enc]
    units = sum(sizes)
    if units <= single:
        return Segments(enc, units, 1 if units else 0)
    parts, filled = 1, 0
    for size in sizes:  # greedy: a pair that does not fit opens the next segment
        if filled + size > per_part:
            parts, filled = parts + 1, 0
        filled += size
    return Segments(enc, units, parts)
