"""Cell values as Japanese shops write them: full-width digits, ¥/円 and commas in amounts,
dates as 2024/04/01, 2024年4月1日, 令和6年4月1日 or R6.4.1.

Every parser raises `ValueProblem` with the reason in English and Japanese.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo


class ValueProblem(ValueError):
    def __init__(self, en: str, ja: str):
        super().__init__(en)
        self.en, self.ja = en, ja


def clean(value: str | None) -> str:
    """NFKC (full-width letters and digits → ASCII, half-width kana → full-width), trimmed."""
    if not value:
        return ""
    if value.isascii():  # NFKC leaves ASCII as it is; most cells are
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


# After NFKC: ￥ → ¥; a leading △ or ▲ is the Japanese minus in accounting sheets.
_CURRENCY_MARKS = re.compile(r"^(?:¥|\\|JPY|円)|(?:円|JPY|-)$")
_AMOUNT = re.compile(r"^-?\d+(?:\.\d+)?$")


# Cells repeat (a file's prices, quantities, a buyer's name on each of their orders): the parsers
# are pure functions of the text, so each distinct cell is parsed once (a refusal is not cached).
@lru_cache(maxsize=1 << 16)
def parse_amount(value: str | None) -> Decimal:
    """'¥1,234', '１，２３４円', '1234.5', '△500' → Decimal; empty → ValueProblem."""
    text = clean(value).replace(",", "").replace(" ", "")
    negative = text[:1] in ("△", "▲")
    if negative:
        text = text[1:]
    text = _CURRENCY_MARKS.sub("", text)
    text = _CURRENCY_MARKS.sub("", text)  # "¥1000円" has both
    if not text:
        raise ValueProblem("an amount is required", "金額が必要です")
    if not _AMOUNT.match(text):
        raise ValueProblem(f"not an amount: {clean(value)!r}", f"金額として読めません: {clean(value)!r}")
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover — the pattern admits only decimals
        raise ValueProblem(f"not an amount: {clean(value)!r}", f"金額として読めません: {clean(value)!r}") from None
    return -amount if negative else amount


@lru_cache(maxsize=1 << 16)
def parse_quantity(value: str | None) -> int:
    text = clean(value).replace(",", "")
    if not text:
        raise ValueProblem("a quantity is required", "数量が必要です")
    if not text.isdigit():
        raise ValueProblem(f"not a whole number: {clean(value)!r}", f"整数として読めません: {clean(value)!r}")
    return int(text)


# 元年 is year 1 of an era. Eras by their kanji and their initial (R6.4.1).
_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019,
         "M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
_WAREKI = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(\d{1,2}|元)\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?"
                     r"(?P<rest>.*)$", re.IGNORECASE)
_KANJI_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?P<rest>.*)$")
_SLASH_DATE = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?P<rest>.*)$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?P<rest>(?:\s*\d{6})?)$")  # 20240401[ 123456]
_TIME = re.compile(r"^(?:\s+|T)?(\d{1,2})\s*[:時]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?"
                   r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?$")
_COMPACT_TIME = re.compile(r"^\s*(\d{2})(\d{2})(\d{2})$")


def parse_datetime(value: str | None, tz: ZoneInfo, fmt: str = "") -> datetime:
    """An aware datetime; a date alone is midnight, a time without an offset is in `tz` (the shop's).

    `fmt` (strptime) is tried first when given (a saved mapping's date format)."""
    text = clean(value)
    if not text:
        raise ValueProblem("a date is required", "日付が必要です")
    if fmt:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            raise ValueProblem(f"{text!r} does not match the date format {fmt!r}",
                               f"{text!r} が日付形式 {fmt!r} に合いません") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    try:  # ISO 8601 as written by Amazon and APIs: 2024-04-01T12:34:56+09:00
        parsed = datetime.fromisoformat(text.replace(" +", "+").replace(" -", "-"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    except ValueError:
        pass
    day, rest = _date_part(text)
    clock, offset = _time_part(rest, text)
    stamp = datetime.combine(day, clock)
    if offset is not None:
        return datetime.fromisoformat(stamp.isoformat() + offset)
    return stamp.replace(tzinfo=tz)


def _bad_date(text: str) -> ValueProblem:
    return ValueProblem(f"not a date: {text!r} (2024/04/01, 2024年4月1日, 令和6年4月1日, R6.4.1 or ISO 8601)",
                        f"日付として読めません: {text!r}(2024/04/01、2024年4月1日、令和6年4月1日、R6.4.1 など)")


def _date_part(text: str) -> tuple[date, str]:
    match = _WAREKI.match(text)
    if match:
        era, year, month, day = match.group(1), match.group(2), match.group(3), match.group(4)
        base = _ERAS.get(era) or _ERAS[era.upper()]
        numbers = (base + (1 if year == "元" else int(year)) - 1, int(month), int(day))
    else:
        match = _KANJI_DATE.match(text) or _SLASH_DATE.match(text) or _COMPACT_DATE.match(text)
        if not match:
            raise _bad_date(text)
        numbers = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    try:
        return date(*numbers), match.group("rest")
    except ValueError:
        raise _bad_date(text) from None


def _time_part(rest: str, text: str) -> tuple[time, str | None]:
    if not rest.strip():
        return time(0, 0), None
    match = _TIME.match(rest) or _COMPACT_TIME.match(rest)
    if not match:
        raise _bad_date(text)
    hour, minute, second = (int(g) if g else 0 for g in match.groups()[:3])
    try:
        clock = time(hour, minute, second)
    except ValueError:
        raise _bad_date(text) from None
    offset = match.groupdict().get("offset")
    if offset and offset != "Z" and ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    return clock, ("+00:00" if offset == "Z" else offset)
